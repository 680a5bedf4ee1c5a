/**
 * Relationships between the relations of the schema cache, as PostgREST infers them: foreign keys in both
 * directions (many-to-one, one-to-many, one-to-one), many-to-many through a junction table whose primary key
 * covers both foreign keys, the same carried over to views whose columns show the key columns, and computed
 * relationships (a function taking a row of one relation and returning rows of another).
 */
import type { DbFunction, Relation } from './schema-cache.ts';

export type Cardinality = 'many-to-one' | 'one-to-many' | 'one-to-one' | 'many-to-many';

export interface Junction {
  relation: Relation;
  /** FK from the junction to the source, and to the target. */
  sourceConstraint: string;
  targetConstraint: string;
  /** Pairs (junction column, source column) and (junction column, target column). */
  sourcePairs: [string, string][];
  targetPairs: [string, string][];
}

/** A way to embed rows of `target` into rows of `source` through a foreign key. */
export interface ForeignKeyRelationship {
  kind: 'fk';
  source: Relation;
  target: Relation;
  cardinality: Cardinality;
  constraint: string;
  /** Pairs (source column, target column); empty for many-to-many (see junction). */
  pairs: [string, string][];
  junction: Junction | null;
  /** One row of target per source row (many-to-one, one-to-one). */
  toOne: boolean;
}

/** `create function rel(source) returns setof target`: embedding by calling the function with the parent row. */
export interface ComputedRelationship {
  kind: 'computed';
  source: Relation;
  target: Relation;
  fn: DbFunction;
  toOne: boolean;
}

export type Relationship = ForeignKeyRelationship | ComputedRelationship;

export interface ForeignKey {
  name: string;
  child: Relation;
  childColumns: string[];
  parent: Relation;
  parentColumns: string[];
}

const subset = (a: string[], b: string[]) => a.every((item) => b.includes(item));
const sameSet = (a: string[], b: string[]) => a.length === b.length && subset(a, b);

/** Key of a relation in maps: schema and name (a NUL cannot occur in either). */
export const relationKey = (schema: string, name: string) => `${schema}\u0000${name}`;

/**
 * Which base-table column each view column shows, read from the view's stored query tree
 * (`:resname <col> … :resorigtbl <oid> :resorigcol <n>`), as PostgREST does to give views the
 * relationships of their tables. Best effort: columns it cannot trace simply have no origin.
 */
export function viewColumnOrigins(definition: string): Map<string, { relation: number; attnum: number }> {
  const origins = new Map<string, { relation: number; attnum: number }>();
  const entry = /:resname (\S+) :ressortgroupref \d+ :resorigtbl (\d+) :resorigcol (\d+)/g;
  for (const match of definition.matchAll(entry)) {
    const name = match[1].replace(/\\(.)/g, '$1');
    const relation = Number(match[2]);
    const attnum = Number(match[3]);
    if (relation !== 0 && attnum > 0 && !origins.has(name)) origins.set(name, { relation, attnum });
  }
  return origins;
}

/** A view's column mapping onto one base table: table column → view column. */
export interface ViewAlternative {
  view: Relation;
  map: Map<string, string>;
}

/** Foreign keys restated for the views that show their columns (either end, or both). */
export function viewForeignKeys(foreignKeys: ForeignKey[], alternatives: Map<Relation, ViewAlternative[]>): ForeignKey[] {
  const result: ForeignKey[] = [];
  const ends = (relation: Relation, columns: string[]) => {
    const list = [{ relation, columns }];
    for (const alternative of alternatives.get(relation) ?? []) {
      const mapped = columns.map((column) => alternative.map.get(column));
      if (mapped.every((column): column is string => column !== undefined)) list.push({ relation: alternative.view, columns: mapped });
    }
    return list;
  };
  for (const fk of foreignKeys) {
    for (const child of ends(fk.child, fk.childColumns)) {
      for (const parent of ends(fk.parent, fk.parentColumns)) {
        if (child.relation === fk.child && parent.relation === fk.parent) continue;
        // Only relations of one schema relate to each other (a view elsewhere is not embeddable from here).
        if (child.relation.schema !== parent.relation.schema) continue;
        result.push({ ...fk, child: child.relation, childColumns: child.columns, parent: parent.relation, parentColumns: parent.columns });
      }
    }
  }
  return result;
}

function isUnique(relation: Relation, columns: string[]): boolean {
  return relation.uniqueKeys.some((key) => sameSet(key, columns));
}

export function buildRelationships(foreignKeys: ForeignKey[], computed: ComputedRelationship[]): Map<Relation, Relationship[]> {
  const relationships = new Map<Relation, Relationship[]>();
  const add = (relationship: Relationship) => {
    const list = relationships.get(relationship.source) ?? [];
    list.push(relationship);
    relationships.set(relationship.source, list);
  };
  for (const fk of foreignKeys) {
    if (fk.child.schema !== fk.parent.schema) continue;
    const pairs = fk.childColumns.map((column, index): [string, string] => [column, fk.parentColumns[index]]);
    const unique = isUnique(fk.child, fk.childColumns);
    add({ kind: 'fk', source: fk.child, target: fk.parent, cardinality: unique ? 'one-to-one' : 'many-to-one', constraint: fk.name, pairs, junction: null, toOne: true });
    add({
      kind: 'fk',
      source: fk.parent,
      target: fk.child,
      cardinality: unique ? 'one-to-one' : 'one-to-many',
      constraint: fk.name,
      pairs: pairs.map(([child, parent]): [string, string] => [parent, child]),
      junction: null,
      toOne: unique,
    });
  }
  // Many-to-many through a table whose primary key covers both of its foreign keys.
  const byChild = new Map<Relation, ForeignKey[]>();
  for (const fk of foreignKeys) {
    if (fk.child.kind === 'table' || fk.child.kind === 'partitioned table') byChild.set(fk.child, [...(byChild.get(fk.child) ?? []), fk]);
  }
  for (const [junction, fks] of byChild) {
    for (const left of fks) {
      for (const right of fks) {
        if (left === right || left.parent.schema !== right.parent.schema) continue;
        if (!subset(left.childColumns, junction.primaryKey) || !subset(right.childColumns, junction.primaryKey)) continue;
        add({
          kind: 'fk',
          source: left.parent,
          target: right.parent,
          cardinality: 'many-to-many',
          constraint: `${left.name}+${right.name}`,
          pairs: [],
          junction: {
            relation: junction,
            sourceConstraint: left.name,
            targetConstraint: right.name,
            sourcePairs: left.childColumns.map((column, index): [string, string] => [column, left.parentColumns[index]]),
            targetPairs: right.childColumns.map((column, index): [string, string] => [column, right.parentColumns[index]]),
          },
          toOne: false,
        });
      }
    }
  }
  // A computed relationship overrides the foreign-key relationships to a target of its name.
  for (const relationship of computed) {
    const list = (relationships.get(relationship.source) ?? []).filter((r) => r.kind === 'computed' || r.target.name !== relationship.fn.name);
    relationships.set(relationship.source, [relationship, ...list.filter((r) => !(r.kind === 'computed' && r.fn.name === relationship.fn.name))]);
  }
  return relationships;
}

