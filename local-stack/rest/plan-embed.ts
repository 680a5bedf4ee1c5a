/**
 * Finding the relationship an embedding means (PostgREST's findRel): by target table or view name, foreign
 * key name, or column, optionally narrowed by a `!hint`; self-references by the convention PostgREST uses
 * (table name for the one-to-many side, column for the many-to-one side); PGRST200/PGRST201 otherwise.
 */
import { ambiguousRelationship, noRelationship } from './errors.ts';
import type { ForeignKeyRelationship, Relationship } from './relationships.ts';
import type { Relation, SchemaCache } from './schema-cache.ts';
import { relationsOf } from './schema-cache.ts';
import { closest, LOOSE_MATCH } from './suggestions.ts';

const singleSourceColumn = (r: ForeignKeyRelationship, name: string) => r.pairs.length === 1 && r.pairs[0][0] === name;
const singleTargetColumn = (r: ForeignKeyRelationship, name: string) => r.pairs.length === 1 && r.pairs[0][1] === name;
const isManyToOne = (r: ForeignKeyRelationship) => r.cardinality === 'many-to-one';
const isOneToMany = (r: ForeignKeyRelationship) => r.cardinality === 'one-to-many';
const isView = (relation: Relation) => relation.kind === 'view' || relation.kind === 'materialized view';

function matches(r: Relationship, target: string, hint: string | null): boolean {
  if (r.kind === 'computed') return r.fn.name === target && hint === null;
  const byKey = r.cardinality !== 'many-to-many';
  if (r.source === r.target) {
    // A self-reference has one key and two directions: `children:t(*)` is one-to-many, `parent_id(*)` many-to-one.
    if (hint === null) return (r.target.name === target && isOneToMany(r)) || (singleSourceColumn(r, target) && isManyToOne(r));
    return r.target.name === target && isOneToMany(r) && singleTargetColumn(r, hint);
  }
  if (hint === null) {
    return (
      r.target.name === target ||
      (byKey && r.constraint === target && !isView(r.target)) ||
      (byKey && singleSourceColumn(r, target) && !isView(r.target))
    );
  }
  return (
    r.target.name === target &&
    ((byKey && (r.constraint === hint || singleSourceColumn(r, hint) || singleTargetColumn(r, hint))) ||
      (r.junction !== null && r.junction.relation.name === hint))
  );
}

/** `orders(billing_address_id) and addresses(id)`-style description for PGRST201's details. */
function describe(r: ForeignKeyRelationship): Record<string, string> {
  const list = (columns: string[]) => `(${columns.join(', ')})`;
  const embedding = `${r.source.name} with ${r.target.name}`;
  if (r.junction) {
    const j = r.junction;
    return {
      cardinality: 'many-to-many',
      embedding,
      relationship: `${j.relation.name} using ${j.sourceConstraint}${list(j.sourcePairs.map(([c]) => c))} and ${j.targetConstraint}${list(j.targetPairs.map(([c]) => c))}`,
    };
  }
  return {
    cardinality: r.cardinality,
    embedding,
    relationship: `${r.constraint} using ${r.source.name}${list(r.pairs.map(([s]) => s))} and ${r.target.name}${list(r.pairs.map(([, t]) => t))}`,
  };
}

export function findRelationship(cache: SchemaCache, source: Relation | null, sourceName: string, schema: string, target: string, hint: string | null): Relationship {
  const all = source ? (cache.relationships.get(source) ?? []) : [];
  const found = all.filter((r) => matches(r, target, hint));
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    let suggestion: string | null = null;
    if (source && cache.relationships.has(source)) {
      const best = closest(target, new Set(all.map((r) => (r.kind === 'computed' ? r.fn.name : r.target.name))), LOOSE_MATCH);
      if (best !== null && best !== target) suggestion = `Perhaps you meant '${best}' instead of '${target}'.`;
    } else {
      const parents = relationsOf(cache, schema).filter((relation) => cache.relationships.has(relation)).map((relation) => relation.name);
      const best = closest(sourceName, parents, LOOSE_MATCH);
      if (best !== null && best !== sourceName) suggestion = `Perhaps you meant '${best}' instead of '${sourceName}'.`;
    }
    throw noRelationship(sourceName, target, hint, schema, suggestion);
  }
  const keys = found.filter((r): r is ForeignKeyRelationship => r.kind === 'fk');
  throw ambiguousRelationship(
    sourceName,
    target,
    keys.map(describe),
    `Try changing '${target}' to one of the following: ${keys
      .map((r) => `'${r.target.name}!${r.junction ? r.junction.relation.name : r.constraint}'`)
      .join(', ')}. Find the desired relationship in the 'details' key.`,
  );
}
