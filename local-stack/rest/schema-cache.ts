/**
 * The schema cache (PostgREST's SchemaCache): what catalog introspection of the exposed schemas says about
 * tables, views, columns, keys, relationships, functions, computed fields and types, plus the settings of the
 * roles requests switch to. Every identifier that reaches SQL comes from here.
 */
import type postgres from 'postgres';
import { queryCatalog, queryRoleSettings, queryTimezones, type ArgumentRow, type ColumnRow } from './catalog.ts';
import {
  buildRelationships,
  relationKey,
  viewColumnOrigins,
  viewForeignKeys,
  type ComputedRelationship,
  type ForeignKey,
  type Relationship,
  type ViewAlternative,
} from './relationships.ts';

export interface Column {
  name: string;
  /** `format_type()` of the column type, usable verbatim in SQL casts. */
  type: string;
  /** Base type name (through domains): json/jsonb decide how `->` paths apply, tsvector how `fts` does. */
  baseType: string;
  json: 'json' | 'jsonb' | null;
  notNull: boolean;
  hasDefault: boolean;
  /** The default expression as the catalog prints it (null for none or identity). */
  defaultExpr: string | null;
  generated: boolean;
}

/** A function taking a row of a relation, selectable like a column (`select=full_name`). */
export interface ComputedField {
  name: string;
  fn: DbFunction;
  /** The relation whose row it takes. */
  source: Relation;
  json: 'json' | 'jsonb' | null;
}

export interface Relation {
  oid: number;
  schema: string;
  name: string;
  kind: 'table' | 'view' | 'materialized view' | 'foreign table' | 'partitioned table';
  columns: Column[];
  columnsByName: Map<string, Column>;
  computedFields: Map<string, ComputedField>;
  primaryKey: string[];
  /** Primary key and unique constraints. */
  uniqueKeys: string[][];
  insertable: boolean;
  updatable: boolean;
  deletable: boolean;
}

export interface FunctionParameter {
  name: string;
  type: string;
  hasDefault: boolean;
  variadic: boolean;
}

export interface DbFunction {
  oid: number;
  schema: string;
  name: string;
  parameters: FunctionParameter[];
  volatility: 'immutable' | 'stable' | 'volatile';
  returnsSet: boolean;
  returnType: string;
  /** void; a scalar; or rows with `columns` (a composite type, OUT/TABLE parameters). */
  returns: 'void' | 'scalar' | 'composite';
  columns: Column[];
  /** When the result rows are a relation of the exposed schemas: embedding follows its relationships. */
  relation: Relation | null;
  /** The planner's row estimate (`rows 1` makes a computed relationship to-one). */
  rows: number;
  description: string | null;
}

export interface SchemaCache {
  /** The exposed schemas, the default (first) one first. */
  schemas: string[];
  relations: Map<string, Relation>;
  relationships: Map<Relation, Relationship[]>;
  /** Overloads per schema-qualified name, in PostgREST's candidate order (fewest parameters first). */
  functions: Map<string, DbFunction[]>;
  /** Lower-cased type names a cast may name → their SQL spelling. */
  types: Map<string, string>;
  /** Session settings per role, applied before switching to it (statement_timeout, …). */
  roleSettings: Map<string, [string, string][]>;
  timezones: Set<string>;
  loadedAt: number;
}

export function findRelation(cache: SchemaCache, schema: string, name: string): Relation | undefined {
  return cache.relations.get(relationKey(schema, name));
}

export function relationsOf(cache: SchemaCache, schema: string): Relation[] {
  return [...cache.relations.values()].filter((relation) => relation.schema === schema);
}

export function functionsNamed(cache: SchemaCache, schema: string, name: string): DbFunction[] {
  return cache.functions.get(relationKey(schema, name)) ?? [];
}

export function functionNames(cache: SchemaCache, schema: string): string[] {
  return [...cache.functions.values()].filter((list) => list[0]?.schema === schema).map((list) => list[0].name);
}

// ---- assembling ----

const RELATION_KINDS = new Map<string, Relation['kind']>([
  ['r', 'table'],
  ['v', 'view'],
  ['m', 'materialized view'],
  ['f', 'foreign table'],
  ['p', 'partitioned table'],
]);

/** SQL-standard spellings PostgreSQL's grammar knows besides pg_type names (`int`, `double precision`, …). */
const TYPE_KEYWORDS = [
  'int', 'integer', 'smallint', 'bigint', 'real', 'float', 'double precision', 'decimal', 'dec', 'numeric', 'boolean',
  'char', 'character', 'varchar', 'character varying', 'nchar', 'national character', 'bit', 'bit varying',
  'timestamp', 'timestamp with time zone', 'timestamp without time zone', 'time', 'time with time zone',
  'time without time zone', 'interval',
];

function jsonKind(baseType: string): Column['json'] {
  return baseType === 'json' ? 'json' : baseType === 'jsonb' ? 'jsonb' : null;
}

function toColumn(row: ColumnRow): Column {
  return {
    name: row.name,
    type: row.type,
    baseType: row.base_type,
    json: jsonKind(row.base_type),
    notNull: row.not_null,
    hasDefault: row.has_default,
    defaultExpr: row.default_expr,
    generated: row.generated,
  };
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** PostgREST's candidate order for overloads: fewer parameters first, then description, parameters, return type. */
function compareOverloads(a: DbFunction, b: DbFunction): number {
  if (a.parameters.length !== b.parameters.length) return a.parameters.length - b.parameters.length;
  if (a.description !== b.description) {
    if (a.description === null) return -1;
    if (b.description === null) return 1;
    return a.description < b.description ? -1 : 1;
  }
  for (let i = 0; i < a.parameters.length; i += 1) {
    const [x, y] = [a.parameters[i], b.parameters[i]];
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.type !== y.type) return x.type < y.type ? -1 : 1;
  }
  return a.returnType < b.returnType ? -1 : a.returnType > b.returnType ? 1 : a.oid - b.oid;
}

export async function loadSchemaCache(sql: postgres.Sql, schemas: string[]): Promise<SchemaCache> {
  const catalog = await queryCatalog(sql, schemas);

  const relations = new Map<string, Relation>();
  const byOid = new Map<number, Relation>();
  for (const row of catalog.relations) {
    const relation: Relation = {
      oid: row.oid,
      schema: row.schema,
      name: row.name,
      kind: RELATION_KINDS.get(row.kind) ?? 'table',
      columns: [],
      columnsByName: new Map(),
      computedFields: new Map(),
      primaryKey: [],
      uniqueKeys: [],
      insertable: (row.updatable & 8) !== 0,
      updatable: (row.updatable & 4) !== 0,
      deletable: (row.updatable & 16) !== 0,
    };
    relations.set(relationKey(row.schema, row.name), relation);
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
    if (!child || !parent) continue; // references outside the exposed schemas (e.g. auth.users)
    foreignKeys.push({ name: row.name, child, childColumns: row.columns, parent, parentColumns: row.foreign_columns });
  }

  // Views inherit the foreign keys of the tables their columns come from.
  const alternatives = new Map<Relation, ViewAlternative[]>();
  for (const row of catalog.views) {
    const view = byOid.get(row.relation);
    if (!view) continue;
    const perTable = new Map<Relation, Map<string, string>>();
    for (const [viewColumn, origin] of viewColumnOrigins(row.definition)) {
      const table = byOid.get(origin.relation);
      const tableColumn = attnumNames.get(`${origin.relation}:${origin.attnum}`);
      if (!view.columnsByName.has(viewColumn) || !table || tableColumn === undefined) continue;
      const map = perTable.get(table) ?? new Map<string, string>();
      if (!map.has(tableColumn)) map.set(tableColumn, viewColumn);
      perTable.set(table, map);
    }
    for (const [table, map] of perTable) alternatives.set(table, [...(alternatives.get(table) ?? []), { view, map }]);
  }

  const compositeColumns = new Map<number, ColumnRow[]>();
  for (const row of catalog.compositeColumns) compositeColumns.set(row.relation, [...(compositeColumns.get(row.relation) ?? []), row]);
  const argumentsByFunction = new Map<number, ArgumentRow[]>();
  for (const row of catalog.functionArguments) argumentsByFunction.set(row.function, [...(argumentsByFunction.get(row.function) ?? []), row]);

  const functions = new Map<string, DbFunction[]>();
  const computed: ComputedRelationship[] = [];
  for (const row of catalog.functions) {
    const args = argumentsByFunction.get(row.oid) ?? [];
    const inputs = args.filter((arg) => arg.mode === 'i' || arg.mode === 'b' || arg.mode === 'v');
    const outputs = args.filter((arg) => arg.mode === 'o' || arg.mode === 'b' || arg.mode === 't');
    const parameters = inputs.map(
      (arg, index): FunctionParameter => ({ name: arg.name, type: arg.type, hasDefault: index >= inputs.length - row.defaults, variadic: arg.mode === 'v' }),
    );
    let returns: DbFunction['returns'] = 'scalar';
    let columns: Column[] = [];
    if (row.return_type === 'void') returns = 'void';
    else if (outputs.length > 1 || (outputs.length === 1 && row.return_type_kind === 'p')) {
      returns = 'composite';
      columns = outputs.map((arg) => ({
        name: arg.name, type: arg.type, baseType: arg.base_type, json: jsonKind(arg.base_type), notNull: false, hasDefault: false, defaultExpr: null, generated: false,
      }));
    } else if (row.return_type_kind === 'c') {
      returns = 'composite';
      const relation = byOid.get(row.return_relation);
      columns = relation ? relation.columns : (compositeColumns.get(row.return_relation) ?? []).map(toColumn);
    } else if (row.return_type === 'record') {
      continue; // record without a column definition cannot be called through the API
    }
    const fn: DbFunction = {
      oid: row.oid,
      schema: row.schema,
      name: row.name,
      parameters,
      volatility: row.volatility === 'i' ? 'immutable' : row.volatility === 's' ? 'stable' : 'volatile',
      returnsSet: row.returns_set,
      returnType: row.return_type,
      returns,
      columns,
      relation: row.return_type_kind === 'c' ? (byOid.get(row.return_relation) ?? null) : null,
      rows: row.rows,
      description: row.description,
    };
    const key = relationKey(row.schema, row.name);
    functions.set(key, [...(functions.get(key) ?? []), fn]);

    // A function whose one required parameter is a row of a relation: a computed field or relationship.
    const required = parameters.filter((p) => !p.hasDefault);
    const rowArgument = inputs[0];
    const source = rowArgument ? byOid.get(rowArgument.type_relation) : undefined;
    if (!source || required.length !== 1 || required[0] !== parameters[0] || returns === 'void' || source.schema !== row.schema) continue;
    if (fn.relation && fn.relation.schema === row.schema && returns === 'composite' && outputs.length <= 1) {
      computed.push({ kind: 'computed', source, target: fn.relation, fn, toOne: !fn.returnsSet || fn.rows === 1 });
    } else if (!source.columnsByName.has(row.name)) {
      source.computedFields.set(row.name, { name: row.name, fn, source, json: jsonKind(row.return_type_name) });
    }
  }
  for (const list of functions.values()) list.sort(compareOverloads);

  const relationships = buildRelationships([...foreignKeys, ...viewForeignKeys(foreignKeys, alternatives)], computed);

  const types = new Map<string, string>();
  for (const keyword of TYPE_KEYWORDS) types.set(keyword, keyword);
  for (const row of catalog.types) {
    const name = row.name.toLowerCase();
    if (!types.has(name)) types.set(name, `${quote(row.schema)}.${quote(row.name)}`);
  }

  const roleSettings = new Map<string, [string, string][]>();
  for (const row of await queryRoleSettings(sql)) roleSettings.set(row.role, row.settings);
  const timezones = new Set(await queryTimezones(sql));

  return { schemas, relations, relationships, functions, types, roleSettings, timezones, loadedAt: Date.now() };
}
