/**
 * The schema cache (PostgREST's SchemaCache): what catalog introspection of the exposed schema `public`
 * says about tables, views, columns, keys, relationships and functions. Every identifier that reaches SQL
 * comes from here.
 */
import type postgres from 'postgres';

export const EXPOSED_SCHEMA = 'public';

export interface Column {
  name: string;
  /** `format_type()` of the column type, usable verbatim in SQL casts. */
  type: string;
  /** json/jsonb (also through domains): decides how `->` paths are compared. */
  json: 'json' | 'jsonb' | null;
  notNull: boolean;
  hasDefault: boolean;
  generated: boolean;
}

export interface Relation {
  oid: number;
  name: string;
  kind: 'table' | 'view' | 'materialized view' | 'foreign table' | 'partitioned table';
  columns: Column[];
  columnsByName: Map<string, Column>;
  primaryKey: string[];
  /** Primary key and unique constraints. */
  uniqueKeys: string[][];
}

export type Cardinality = 'many-to-one' | 'one-to-many' | 'one-to-one' | 'many-to-many';

export interface Junction {
  relation: string;
  /** FK from the junction to the source, and to the target. */
  sourceConstraint: string;
  targetConstraint: string;
  /** Pairs (junction column, source column) and (junction column, target column). */
  sourcePairs: [string, string][];
  targetPairs: [string, string][];
}

/** A way to embed `target` into rows of `source`. */
export interface Relationship {
  source: string;
  target: string;
  cardinality: Cardinality;
  constraint: string;
  /** Pairs (source column, target column); empty for many-to-many (see junction). */
  pairs: [string, string][];
  junction: Junction | null;
  /** One row of target per source row (many-to-one, one-to-one). */
  toOne: boolean;
}

export interface FunctionParameter {
  name: string;
  type: string;
  hasDefault: boolean;
  variadic: boolean;
}

export interface DbFunction {
  oid: number;
  name: string;
  parameters: FunctionParameter[];
  volatility: 'immutable' | 'stable' | 'volatile';
  returnsSet: boolean;
  returnType: string;
  /** void; a scalar; or rows with `columns` (a composite type, OUT/TABLE parameters). */
  returns: 'void' | 'scalar' | 'composite';
  columns: Column[];
  /** When the result rows are a table/view of the exposed schema: embedding follows its relationships. */
  relation: string | null;
}

export interface SchemaCache {
  relations: Map<string, Relation>;
  relationships: Map<string, Relationship[]>;
  functions: Map<string, DbFunction[]>;
  /** Roles the login role may switch to, with their statement_timeout (ms) when they set one. */
  roleTimeouts: Map<string, number | null>;
  loadedAt: number;
}

// ---- catalog queries (run as the login role; only catalog reads) ----

interface RelationRow {
  oid: number;
  name: string;
  kind: string;
}
interface ColumnRow {
  relation: number;
  num: number;
  name: string;
  type: string;
  base_type: string;
  not_null: boolean;
  has_default: boolean;
  generated: boolean;
}
interface ConstraintRow {
  relation: number;
  name: string;
  kind: 'p' | 'u' | 'f';
  columns: string[];
  foreign_relation: number | null;
  foreign_columns: string[] | null;
}
interface ViewRow {
  relation: number;
  definition: string;
}
interface FunctionRow {
  oid: number;
  name: string;
  volatility: 'i' | 's' | 'v';
  returns_set: boolean;
  return_type: string;
  return_type_kind: string;
  return_relation: number;
  return_relation_name: string | null;
  return_relation_public: boolean;
  defaults: number;
}
interface ArgumentRow {
  function: number;
  position: number;
  name: string;
  mode: string;
  type: string;
  base_type: string;
}
interface RoleRow {
  name: string;
  config: string[] | null;
}

async function queryCatalog(sql: postgres.Sql) {
  const relations = await sql<RelationRow[]>`
    select c.oid::int as oid, c.relname as name, c.relkind::text as kind
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${EXPOSED_SCHEMA} and c.relkind in ('r', 'v', 'm', 'f', 'p')`;
  const columns = await sql<ColumnRow[]>`
    select a.attrelid::int as relation, a.attnum::int as num, a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
           coalesce(bt.typname, t.typname)::text as base_type, a.attnotnull as not_null,
           (a.atthasdef or a.attidentity <> '') as has_default, a.attgenerated <> '' as generated
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    join pg_type t on t.oid = a.atttypid
    left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
    where n.nspname = ${EXPOSED_SCHEMA} and c.relkind in ('r', 'v', 'm', 'f', 'p') and a.attnum > 0 and not a.attisdropped
    order by a.attrelid, a.attnum`;
  const constraints = await sql<ConstraintRow[]>`
    select con.conrelid::int as relation, con.conname as name, con.contype::text as kind,
           to_json(array(select a.attname::text from unnest(con.conkey) with ordinality k(num, ord)
                 join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.num order by k.ord)) as columns,
           nullif(con.confrelid, 0)::int as foreign_relation,
           case when con.contype = 'f' then
             to_json(array(select a.attname::text from unnest(con.confkey) with ordinality k(num, ord)
                   join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.num order by k.ord))
           end as foreign_columns
    from pg_constraint con join pg_namespace n on n.oid = con.connamespace
    where n.nspname = ${EXPOSED_SCHEMA} and con.contype in ('p', 'u', 'f')`;
  const views = await sql<ViewRow[]>`
    select r.ev_class::int as relation, r.ev_action::text as definition
    from pg_rewrite r join pg_class c on c.oid = r.ev_class join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${EXPOSED_SCHEMA} and c.relkind in ('v', 'm') and r.rulename = '_RETURN'`;
  const functions = await sql<FunctionRow[]>`
    select p.oid::int as oid, p.proname as name, p.provolatile::text as volatility, p.proretset as returns_set,
           format_type(p.prorettype, null) as return_type, rt.typtype::text as return_type_kind,
           rt.typrelid::int as return_relation,
           rc.relname as return_relation_name, coalesce(rn.nspname = ${EXPOSED_SCHEMA} and rc.relkind in ('r', 'v', 'm', 'f', 'p'), false) as return_relation_public,
           p.pronargdefaults::int as defaults
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    join pg_type rt on rt.oid = p.prorettype
    left join pg_class rc on rc.oid = rt.typrelid
    left join pg_namespace rn on rn.oid = rc.relnamespace
    where n.nspname = ${EXPOSED_SCHEMA} and p.prokind = 'f'`;
  const functionArguments = await sql<ArgumentRow[]>`
    select p.oid::int as function, t.position::int as position, coalesce(p.proargnames[t.position], '') as name,
           coalesce(p.proargmodes[t.position]::text, 'i') as mode, format_type(t.type, null) as type,
           coalesce(bt.typname, ty.typname)::text as base_type
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    cross join lateral unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality as t(type, position)
    join pg_type ty on ty.oid = t.type
    left join pg_type bt on ty.typtype = 'd' and bt.oid = ty.typbasetype
    where n.nspname = ${EXPOSED_SCHEMA} and p.prokind = 'f'
    order by p.oid, t.position`;
  // Composite result types that live outside the exposed schema (or are not relations we list).
  const compositeColumns = await sql<ColumnRow[]>`
    select a.attrelid::int as relation, a.attnum::int as num, a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
           coalesce(bt.typname, t.typname)::text as base_type, a.attnotnull as not_null, false as has_default, false as generated
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    join pg_type rt on rt.oid = p.prorettype and rt.typtype = 'c'
    join pg_attribute a on a.attrelid = rt.typrelid and a.attnum > 0 and not a.attisdropped
    join pg_type t on t.oid = a.atttypid
    left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
    where n.nspname = ${EXPOSED_SCHEMA} and p.prokind = 'f'
    order by a.attrelid, a.attnum`;
  const roles = await sql<RoleRow[]>`
    select r.rolname as name, to_json(r.rolconfig) as config
    from pg_roles r where pg_has_role(current_user, r.oid, 'member')`;
  return { relations, columns, constraints, views, functions, functionArguments, compositeColumns, roles };
}

// ---- assembling the cache ----

const RELATION_KINDS: Record<string, Relation['kind']> = {
  r: 'table',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
  p: 'partitioned table',
};

function jsonKind(baseType: string): Column['json'] {
  return baseType === 'json' ? 'json' : baseType === 'jsonb' ? 'jsonb' : null;
}

function toColumn(row: ColumnRow): Column {
  return {
    name: row.name,
    type: row.type,
    json: jsonKind(row.base_type),
    notNull: row.not_null,
    hasDefault: row.has_default,
    generated: row.generated,
  };
}

/**
 * Which base-table column each view column shows, read from the view's stored query tree
 * (`:resname <col> … :resorigtbl <oid> :resorigcol <n>`), as PostgREST does to give views the
 * relationships of their tables. Best effort: columns it cannot trace simply have no origin.
 */
function viewColumnOrigins(definition: string): Map<string, { relation: number; attnum: number }> {
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

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((item) => b.includes(item));
const subset = (a: string[], b: string[]) => a.every((item) => b.includes(item));

interface ForeignKey {
  name: string;
  child: string;
  childColumns: string[];
  parent: string;
  parentColumns: string[];
  /** The child's FK columns are unique: one-to-one. */
  unique: boolean;
}

function buildRelationships(relations: Map<string, Relation>, foreignKeys: ForeignKey[]): Map<string, Relationship[]> {
  const relationships = new Map<string, Relationship[]>();
  const add = (relationship: Relationship) => {
    const list = relationships.get(relationship.source) ?? [];
    list.push(relationship);
    relationships.set(relationship.source, list);
  };
  for (const fk of foreignKeys) {
    const pairs = fk.childColumns.map((column, index): [string, string] => [column, fk.parentColumns[index]]);
    add({
      source: fk.child,
      target: fk.parent,
      cardinality: fk.unique ? 'one-to-one' : 'many-to-one',
      constraint: fk.name,
      pairs,
      junction: null,
      toOne: true,
    });
    add({
      source: fk.parent,
      target: fk.child,
      cardinality: fk.unique ? 'one-to-one' : 'one-to-many',
      constraint: fk.name,
      pairs: pairs.map(([child, parent]): [string, string] => [parent, child]),
      junction: null,
      toOne: fk.unique,
    });
  }
  // Many-to-many through a junction whose two foreign keys are both covered by one of its keys.
  const byChild = new Map<string, ForeignKey[]>();
  for (const fk of foreignKeys) byChild.set(fk.child, [...(byChild.get(fk.child) ?? []), fk]);
  for (const [junctionName, fks] of byChild) {
    const junction = relations.get(junctionName);
    if (!junction || junction.kind !== 'table' && junction.kind !== 'partitioned table') continue;
    for (const left of fks) {
      for (const right of fks) {
        if (left === right) continue;
        const covered = junction.uniqueKeys.some((key) => subset([...left.childColumns, ...right.childColumns], key));
        if (!covered) continue;
        add({
          source: left.parent,
          target: right.parent,
          cardinality: 'many-to-many',
          constraint: `${left.name}+${right.name}`,
          pairs: [],
          junction: {
            relation: junctionName,
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
  return relationships;
}

function parseTimeout(config: string[] | null): number | null {
  const setting = config?.find((item) => item.startsWith('statement_timeout='));
  if (!setting) return null;
  const match = /^(\d+)\s*(ms|s|min|h)?$/.exec(setting.slice('statement_timeout='.length).trim());
  if (!match) return null;
  const factor = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 }[match[2] ?? 'ms'] ?? 1;
  return Number(match[1]) * factor;
}

export async function loadSchemaCache(sql: postgres.Sql): Promise<SchemaCache> {
  const catalog = await queryCatalog(sql);

  const relations = new Map<string, Relation>();
  const byOid = new Map<number, Relation>();
  for (const row of catalog.relations) {
    const relation: Relation = {
      oid: row.oid,
      name: row.name,
      kind: RELATION_KINDS[row.kind] ?? 'table',
      columns: [],
      columnsByName: new Map(),
      primaryKey: [],
      uniqueKeys: [],
    };
    relations.set(row.name, relation);
    byOid.set(row.oid, relation);
  }
  /** `${relation oid}:${attnum}` → column name, to trace view columns. */
  const attnumNames = new Map<string, string>();
  for (const row of catalog.columns) {
    const relation = byOid.get(row.relation);
    if (!relation) continue;
    const column = toColumn(row);
    relation.columns.push(column);
    relation.columnsByName.set(column.name, column);
    attnumNames.set(`${row.relation}:${row.num}`, row.name);
  }

  for (const row of catalog.constraints) {
    const relation = byOid.get(row.relation);
    if (!relation) continue;
    if (row.kind === 'p') relation.primaryKey = row.columns;
    if (row.kind === 'p' || row.kind === 'u') relation.uniqueKeys.push(row.columns);
  }

  const foreignKeys: ForeignKey[] = [];
  for (const row of catalog.constraints) {
    if (row.kind !== 'f' || row.foreign_relation === null || !row.foreign_columns) continue;
    const child = byOid.get(row.relation);
    const parent = byOid.get(row.foreign_relation);
    if (!child || !parent) continue; // references outside the exposed schema (e.g. auth.users)
    foreignKeys.push({
      name: row.name,
      child: child.name,
      childColumns: row.columns,
      parent: parent.name,
      parentColumns: row.foreign_columns,
      unique: child.uniqueKeys.some((key) => sameSet(key, row.columns)),
    });
  }

  // Views inherit the foreign keys of the tables their columns come from.
  const viewForeignKeys: ForeignKey[] = [];
  const viewAlternatives = new Map<string, { relation: string; map: Map<string, string> }[]>();
  for (const row of catalog.views) {
    const view = byOid.get(row.relation);
    if (!view) continue;
    const origins = viewColumnOrigins(row.definition);
    // table name → (table column → view column)
    const perTable = new Map<string, Map<string, string>>();
    for (const [viewColumn, origin] of origins) {
      if (!view.columnsByName.has(viewColumn)) continue;
      const table = byOid.get(origin.relation);
      const tableColumn = attnumNames.get(`${origin.relation}:${origin.attnum}`);
      if (!table || tableColumn === undefined) continue;
      const map = perTable.get(table.name) ?? new Map<string, string>();
      if (!map.has(tableColumn)) map.set(tableColumn, viewColumn);
      perTable.set(table.name, map);
    }
    for (const [table, map] of perTable) {
      viewAlternatives.set(table, [...(viewAlternatives.get(table) ?? []), { relation: view.name, map }]);
    }
  }
  for (const fk of foreignKeys) {
    const children = [{ relation: fk.child, columns: fk.childColumns }];
    for (const alternative of viewAlternatives.get(fk.child) ?? []) {
      const columns = fk.childColumns.map((column) => alternative.map.get(column));
      if (columns.every((column): column is string => column !== undefined)) children.push({ relation: alternative.relation, columns });
    }
    const parents = [{ relation: fk.parent, columns: fk.parentColumns }];
    for (const alternative of viewAlternatives.get(fk.parent) ?? []) {
      const columns = fk.parentColumns.map((column) => alternative.map.get(column));
      if (columns.every((column): column is string => column !== undefined)) parents.push({ relation: alternative.relation, columns });
    }
    for (const child of children) {
      for (const parent of parents) {
        if (child.relation === fk.child && parent.relation === fk.parent) continue;
        viewForeignKeys.push({ ...fk, child: child.relation, childColumns: child.columns, parent: parent.relation, parentColumns: parent.columns });
      }
    }
  }

  const relationships = buildRelationships(relations, [...foreignKeys, ...viewForeignKeys]);

  const compositeColumns = new Map<number, Column[]>();
  for (const row of catalog.compositeColumns) {
    compositeColumns.set(row.relation, [...(compositeColumns.get(row.relation) ?? []), toColumn(row)]);
  }
  const argumentsByFunction = new Map<number, ArgumentRow[]>();
  for (const row of catalog.functionArguments) {
    argumentsByFunction.set(row.function, [...(argumentsByFunction.get(row.function) ?? []), row]);
  }
  const functions = new Map<string, DbFunction[]>();
  for (const row of catalog.functions) {
    const args = argumentsByFunction.get(row.oid) ?? [];
    const inputs = args.filter((arg) => arg.mode === 'i' || arg.mode === 'b' || arg.mode === 'v');
    const outputs = args.filter((arg) => arg.mode === 'o' || arg.mode === 'b' || arg.mode === 't');
    const parameters = inputs.map(
      (arg, index): FunctionParameter => ({
        name: arg.name,
        type: arg.type,
        hasDefault: index >= inputs.length - row.defaults,
        variadic: arg.mode === 'v',
      }),
    );
    let returns: DbFunction['returns'] = 'scalar';
    let columns: Column[] = [];
    if (row.return_type === 'void') returns = 'void';
    else if (outputs.length > 1 || (outputs.length === 1 && row.return_type_kind === 'p')) {
      returns = 'composite';
      columns = outputs.map((arg) => ({ name: arg.name, type: arg.type, json: jsonKind(arg.base_type), notNull: false, hasDefault: false, generated: false }));
    } else if (row.return_type_kind === 'c') {
      returns = 'composite';
      columns = compositeColumns.get(row.return_relation) ?? [];
    } else if (row.return_type === 'record') {
      continue; // record without a column definition cannot be called through the API
    }
    const fn: DbFunction = {
      oid: row.oid,
      name: row.name,
      parameters,
      volatility: row.volatility === 'i' ? 'immutable' : row.volatility === 's' ? 'stable' : 'volatile',
      returnsSet: row.returns_set,
      returnType: row.return_type,
      returns,
      columns,
      relation: row.return_relation_public && row.return_relation_name ? row.return_relation_name : null,
    };
    functions.set(row.name, [...(functions.get(row.name) ?? []), fn]);
  }

  const roleTimeouts = new Map<string, number | null>();
  for (const role of catalog.roles) roleTimeouts.set(role.name, parseTimeout(role.config));

  return { relations, relationships, functions, roleTimeouts, loadedAt: Date.now() };
}

// ---- "Perhaps you meant …" suggestions ----

function similarity(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return 1;
  const previous = Array.from({ length: y.length + 1 }, (_, index) => index);
  for (let i = 1; i <= x.length; i += 1) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= y.length; j += 1) {
      const saved = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (x[i - 1] === y[j - 1] ? 0 : 1));
      diagonal = saved;
    }
  }
  return 1 - previous[y.length] / Math.max(x.length, y.length);
}

/** The closest candidate above a minimum similarity, for hints. */
export function closest(name: string, candidates: Iterable<string>, minimum = 0.5): string | null {
  let best: string | null = null;
  let bestScore = minimum;
  if (name.length > 200) return null;
  for (const candidate of candidates) {
    const score = similarity(name, candidate);
    if (score > bestScore || (score === bestScore && best === null)) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
