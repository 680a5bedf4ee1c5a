/**
 * Stage 2 (PostgREST's Plan): the typed request resolved against the schema cache into a read, mutate or
 * call plan, or a typed error. Every identifier a plan holds comes from the cache.
 */
import type { ApiRequest } from './api-request.ts';
import {
  ambiguousFunction,
  ambiguousRelationship,
  ApiError,
  columnNotFound,
  functionNotFound,
  invalidBody,
  noRelationship,
  notEmbedded,
  notImplemented,
  parseError,
  tableNotFound,
  unacceptableEmbedFilter,
  undefinedColumn,
} from './errors.ts';
import {
  parseFilter,
  type Condition,
  type Field,
  type FilterNode,
  type JsonStep,
  type OrderTerm,
  type ParsedFilter,
  type SelectItem,
} from './query-params.ts';
import { closest, type Column, type DbFunction, type Relation, type Relationship, type SchemaCache } from './schema-cache.ts';

/** What a read runs over: a table/view of the cache, or the rows a function returns. */
export interface Shape {
  name: string;
  columns: Column[];
  columnsByName: Map<string, Column>;
  /** Name under which its relationships are found (null: none). */
  relationshipSource: string | null;
}

export interface ColumnRef {
  column: Column;
  path: JsonStep[];
}

export interface PlannedColumn extends ColumnRef {
  kind: 'column';
  /** JSON key in the output. */
  key: string;
  cast: string | null;
}

export interface PlannedEmbed {
  kind: 'embed';
  key: string;
  relationship: Relationship;
  inner: boolean;
  tree: ReadTree;
}

export type PlannedItem = PlannedColumn | PlannedEmbed;

export interface PlannedCondition extends ColumnRef {
  type: 'condition';
  condition: Condition;
}

/** `rel=is.null` / `rel=not.is.null` on an embedded resource: anti/semi join. */
export interface PlannedEmbedNull {
  type: 'embed-null';
  key: string;
  isNull: boolean;
}

export interface PlannedLogic {
  type: 'logic';
  operator: 'and' | 'or';
  negated: boolean;
  children: PlannedFilter[];
}

export type PlannedFilter = PlannedCondition | PlannedEmbedNull | PlannedLogic;

export interface PlannedOrder extends ColumnRef {
  direction: 'asc' | 'desc' | null;
  nulls: 'first' | 'last' | null;
}

export interface ReadTree {
  shape: Shape;
  items: PlannedItem[];
  filters: PlannedFilter[];
  order: PlannedOrder[];
  limit: number | null;
  offset: number;
}

export interface ReadPlan {
  kind: 'read';
  relation: Relation;
  tree: ReadTree;
}

export interface InsertGroup {
  columns: Column[];
  rows: Record<string, unknown>[];
}

export interface InsertPlan {
  kind: 'insert';
  relation: Relation;
  /** Rows grouped by the columns they set (one group unless `missing=default` meets rows with different keys). */
  groups: InsertGroup[];
  onConflict: { columns: string[]; merge: boolean } | null;
  /** Rows to give back (representation, or primary key for headers-only); null for minimal. */
  returning: ReadTree | null;
}

export interface UpdatePlan {
  kind: 'update';
  relation: Relation;
  columns: Column[];
  values: Record<string, unknown>;
  filters: PlannedFilter[];
  returning: ReadTree | null;
}

export interface DeletePlan {
  kind: 'delete';
  relation: Relation;
  filters: PlannedFilter[];
  returning: ReadTree | null;
}

export interface CallPlan {
  kind: 'call';
  fn: DbFunction;
  /** Named arguments (JSON values); `single` passes the whole body to the one unnamed json parameter. */
  args: Record<string, unknown>;
  parameters: DbFunction['parameters'];
  /** The whole JSON body, passed as the one unnamed json/jsonb parameter. */
  single: boolean;
  body: unknown;
  readOnly: boolean;
  /** Rows of a set-returning or composite function, with select/filters/order/limit; null for scalar/void. */
  tree: ReadTree | null;
}

export type Plan = ReadPlan | InsertPlan | UpdatePlan | DeletePlan | CallPlan;

// ---------------------------------------------------------------------------------------------------------------

const ALLOWED_CASTS: Record<string, string> = {
  text: 'text', varchar: 'varchar', char: 'char', 'character varying': 'varchar',
  int: 'integer', int2: 'smallint', int4: 'integer', int8: 'bigint', integer: 'integer', smallint: 'smallint', bigint: 'bigint',
  numeric: 'numeric', decimal: 'numeric', real: 'real', float: 'double precision', float4: 'real', float8: 'double precision',
  'double precision': 'double precision', bool: 'boolean', boolean: 'boolean', json: 'json', jsonb: 'jsonb', uuid: 'uuid',
  date: 'date', time: 'time', timetz: 'timetz', timestamp: 'timestamp', timestamptz: 'timestamptz', interval: 'interval',
};

/** Output keys become quoted column aliases: keep them printable and within PostgreSQL's 63-byte names. */
function checkKey(key: string): string {
  if (!/^[^\u0000-\u001f"\u007f]+$/.test(key) || Buffer.byteLength(key, 'utf8') > 63) {
    throw parseError(`failed to parse select parameter (${key})`, 'aliases and JSON keys must be 1-63 bytes of printable characters without double quotes');
  }
  return key;
}

function shapeOf(relation: Relation): Shape {
  return { name: relation.name, columns: relation.columns, columnsByName: relation.columnsByName, relationshipSource: relation.name };
}

function resolveColumn(shape: Shape, field: Field): ColumnRef {
  const column = shape.columnsByName.get(field.name);
  if (!column) throw undefinedColumn(shape.name, field.name);
  for (const step of field.path) checkKey(step.key);
  return { column, path: field.path };
}

function relationshipLabel(relationship: Relationship): string {
  if (relationship.junction) {
    const j = relationship.junction;
    return `${j.relation} using ${j.sourceConstraint}(${j.sourcePairs.map(([c]) => c).join(', ')}) and ${j.targetConstraint}(${j.targetPairs.map(([c]) => c).join(', ')})`;
  }
  return `${relationship.constraint} using ${relationship.source}(${relationship.pairs.map(([s]) => s).join(', ')}) and ${relationship.target}(${relationship.pairs.map(([, t]) => t).join(', ')})`;
}

function matchesHint(relationship: Relationship, hint: string): boolean {
  if (relationship.junction) {
    const j = relationship.junction;
    return j.relation === hint || j.sourceConstraint === hint || j.targetConstraint === hint;
  }
  if (relationship.constraint === hint) return true;
  const sourceColumns = relationship.pairs.map(([s]) => s);
  const targetColumns = relationship.pairs.map(([, t]) => t);
  return (sourceColumns.length === 1 && sourceColumns[0] === hint) || (targetColumns.length === 1 && targetColumns[0] === hint);
}

function findRelationship(cache: SchemaCache, source: string, target: string, hint: string | null): Relationship {
  const all = cache.relationships.get(source) ?? [];
  let candidates = all.filter((r) => r.target === target);
  if (candidates.length === 0) {
    // Embedding through a foreign key's name or its (single) column: `author_id(*)`.
    candidates = all.filter(
      (r) => !r.junction && (r.constraint === target || (r.toOne && r.pairs.length === 1 && r.pairs[0][0] === target && r.cardinality !== 'one-to-many')),
    );
  }
  if (hint !== null) candidates = candidates.filter((r) => matchesHint(r, hint));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    const suggestion = cache.relations.has(source)
      ? closest(target, new Set(all.map((r) => r.target)), 0.5)
      : closest(source, cache.relations.keys(), 0.5);
    throw noRelationship(
      source,
      target,
      hint ?? undefined,
      suggestion ? `Perhaps you meant '${suggestion}' instead of '${cache.relations.has(source) ? target : source}'.` : null,
    );
  }
  throw ambiguousRelationship(
    source,
    target,
    candidates.map((r) => ({ cardinality: r.cardinality, embedding: `${source} with ${r.target}`, relationship: relationshipLabel(r) })),
    `Try changing '${target}' to one of the following: ${candidates
      .map((r) => `'${r.target}!${r.junction ? r.junction.relation : r.constraint}'`)
      .join(', ')}. Find the desired relationship in the 'details' key.`,
  );
}

interface EmbedParams {
  filters: ParsedFilter[];
  orders: { path: string[]; terms: OrderTerm[] }[];
  ranges: ApiRequest['ranges'];
}

const samePath = (a: string[], b: string[]) => a.length === b.length && a.every((segment, index) => segment === b[index]);

function planItems(cache: SchemaCache, shape: Shape, items: SelectItem[], path: string[], params: EmbedParams, depth: number): PlannedItem[] {
  const planned: PlannedItem[] = [];
  for (const item of items) {
    if (item.type === 'star') {
      for (const column of shape.columns) planned.push({ kind: 'column', column, path: [], key: checkKey(column.name), cast: null });
      continue;
    }
    if (item.type === 'column') {
      const ref = resolveColumn(shape, item.field);
      let cast: string | null = null;
      if (item.cast !== null) {
        cast = ALLOWED_CASTS[item.cast.toLowerCase()] ?? null;
        if (cast === null) throw new ApiError(400, '42704', `type "${item.cast}" does not exist`, null, `Casts allowed by the local REST API: ${Object.keys(ALLOWED_CASTS).join(', ')}`);
      }
      const key = item.alias ?? (ref.path.length > 0 ? ref.path[ref.path.length - 1].key : ref.column.name);
      planned.push({ kind: 'column', ...ref, key: checkKey(key), cast });
      continue;
    }
    if (shape.relationshipSource === null) throw noRelationship(shape.name, item.target, item.hint ?? undefined, null);
    const relationship = findRelationship(cache, shape.relationshipSource, item.target, item.hint);
    const target = cache.relations.get(relationship.target);
    if (!target) throw tableNotFound(relationship.target, null);
    const key = checkKey(item.alias ?? item.target);
    const childPath = [...path, key];
    const tree = planTree(cache, shapeOf(target), item.items, childPath, params, depth + 1);
    if (relationship.toOne && (tree.limit !== null || tree.offset !== 0)) {
      throw notImplemented(`limit/offset on the to-one embedded resource '${key}'`);
    }
    planned.push({ kind: 'embed', key, relationship, inner: item.inner, tree });
  }
  return planned;
}

function planFilter(shape: Shape, node: FilterNode, embedKeys: Set<string>): PlannedFilter {
  if (node.type === 'logic') {
    return { type: 'logic', operator: node.operator, negated: node.negated, children: node.children.map((child) => planFilter(shape, child, embedKeys)) };
  }
  if (!shape.columnsByName.has(node.field.name) && embedKeys.has(node.field.name) && node.field.path.length === 0) {
    if (node.operator !== 'is' || (node.value !== 'null' && node.value !== 'not_null')) throw unacceptableEmbedFilter(node.field.name);
    const isNull = (node.value === 'null') !== node.negated;
    return { type: 'embed-null', key: node.field.name, isNull };
  }
  return { type: 'condition', ...resolveColumn(shape, node.field), condition: node };
}

function planOrder(shape: Shape, terms: OrderTerm[]): PlannedOrder[] {
  return terms.map((term) => {
    if (term.relation !== null) throw notImplemented(`Ordering by a column of the embedded resource '${term.relation}'`);
    return { ...resolveColumn(shape, term.field), direction: term.direction, nulls: term.nulls };
  });
}

function planTree(cache: SchemaCache, shape: Shape, select: SelectItem[], path: string[], params: EmbedParams, depth: number): ReadTree {
  const items = planItems(cache, shape, select, path, params, depth);
  const embedKeys = new Set(items.filter((item): item is PlannedEmbed => item.kind === 'embed').map((item) => item.key));
  const filters = params.filters.filter((filter) => samePath(filter.path, path)).map((filter) => planFilter(shape, filter.node, embedKeys));
  const order = params.orders.filter((entry) => samePath(entry.path, path)).flatMap((entry) => planOrder(shape, entry.terms));
  const range = params.ranges.find((entry) => samePath(entry.path, path));
  return { shape, items, filters, order, limit: range?.limit ?? null, offset: range?.offset ?? 0 };
}

/** Every embedded filter/order/limit must address an embedded resource of the select. */
function checkEmbedPaths(tree: ReadTree, params: EmbedParams): void {
  const known = new Set<string>();
  const walk = (node: ReadTree, path: string[]) => {
    known.add(path.join('\u0000'));
    for (const item of node.items) if (item.kind === 'embed') walk(item.tree, [...path, item.key]);
  };
  walk(tree, []);
  const paths = [...params.filters.map((f) => f.path), ...params.orders.map((o) => o.path), ...params.ranges.map((r) => r.path)];
  for (const path of paths) {
    if (!known.has(path.join('\u0000'))) throw notEmbedded(path.join('.'));
  }
}

function readTree(cache: SchemaCache, shape: Shape, request: ApiRequest, filters: ParsedFilter[], root: { limit: number | null; offset: number }): ReadTree {
  const params: EmbedParams = { filters, orders: request.orders, ranges: request.ranges.filter((r) => r.path.length > 0) };
  const tree = planTree(cache, shape, request.select, [], params, 0);
  checkEmbedPaths(tree, params);
  tree.limit = root.limit;
  tree.offset = root.offset;
  return tree;
}

function findRelation(cache: SchemaCache, name: string): Relation {
  const relation = cache.relations.get(name);
  if (!relation) throw tableNotFound(name, closest(name, cache.relations.keys(), 0.55));
  return relation;
}

// ---- mutations ----

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function columnsNamed(relation: Relation, names: string[]): Column[] {
  return names.map((name) => {
    const column = relation.columnsByName.get(name);
    if (!column) throw columnNotFound(relation.name, name);
    return column;
  });
}

function planInsertGroups(relation: Relation, request: ApiRequest): InsertGroup[] {
  const body = request.body;
  const rows = Array.isArray(body) ? body : [body];
  if (!rows.every(isPlainObject)) throw invalidBody('Empty or invalid json');
  const objects = rows as Record<string, unknown>[];
  if (objects.length === 0) return [];
  if (request.columns !== null) {
    const columns = columnsNamed(relation, [...new Set(request.columns)]);
    if (request.preferences.missing !== 'default') return [{ columns, rows: objects }];
    // missing=default: a key absent from a row takes the column default; group consecutive rows by key set.
    const groups: InsertGroup[] = [];
    for (const row of objects) {
      const present = columns.filter((column) => Object.hasOwn(row, column.name));
      const last = groups[groups.length - 1];
      if (last && last.columns.length === present.length && last.columns.every((column, index) => column === present[index])) last.rows.push(row);
      else groups.push({ columns: present, rows: [row] });
    }
    return groups;
  }
  const keys = Object.keys(objects[0]);
  for (const row of objects) {
    const rowKeys = Object.keys(row);
    if (rowKeys.length !== keys.length || !rowKeys.every((key) => keys.includes(key))) throw invalidBody('All object keys must match');
  }
  return [{ columns: columnsNamed(relation, keys), rows: objects }];
}

function returningTree(cache: SchemaCache, relation: Relation, request: ApiRequest): ReadTree | null {
  const wanted = request.preferences.return;
  if (wanted === 'representation') {
    const embedded = request.filters.filter((filter) => filter.path.length > 0);
    return readTree(cache, shapeOf(relation), request, embedded, { limit: null, offset: 0 });
  }
  if (wanted === 'headers-only' && relation.primaryKey.length > 0) {
    const items: PlannedItem[] = relation.primaryKey.map((name) => {
      const column = relation.columnsByName.get(name) as Column;
      return { kind: 'column', column, path: [], key: checkKey(name), cast: null };
    });
    return { shape: shapeOf(relation), items, filters: [], order: [], limit: null, offset: 0 };
  }
  return null;
}

function rootFilters(relation: Relation, request: ApiRequest): PlannedFilter[] {
  return request.filters.filter((filter) => filter.path.length === 0).map((filter) => planFilter(shapeOf(relation), filter.node, new Set()));
}

function planMutation(cache: SchemaCache, relation: Relation, request: ApiRequest): InsertPlan | UpdatePlan | DeletePlan {
  if (request.method !== 'POST' && (request.limit !== null || request.offset !== 0)) {
    throw notImplemented('limit/offset on PATCH and DELETE');
  }
  if (request.method === 'POST') {
    const groups = planInsertGroups(relation, request);
    let onConflict: InsertPlan['onConflict'] = null;
    const resolution = request.preferences.resolution;
    if (resolution !== null) {
      const names = request.onConflict ?? relation.primaryKey;
      columnsNamed(relation, names);
      if (names.length === 0 && resolution === 'merge-duplicates') {
        throw new ApiError(400, 'PGRST127', 'Feature not implemented', `Upserting into '${relation.name}' needs on_conflict: it has no primary key`);
      }
      onConflict = { columns: names, merge: resolution === 'merge-duplicates' };
    } else if (request.onConflict !== null) {
      columnsNamed(relation, request.onConflict);
    }
    return { kind: 'insert', relation, groups, onConflict, returning: returningTree(cache, relation, request) };
  }
  if (request.method === 'PATCH') {
    if (!isPlainObject(request.body)) throw invalidBody('Empty or invalid json');
    const values = request.body;
    const names = request.columns ?? Object.keys(values);
    const columns = columnsNamed(relation, [...new Set(names)]);
    return { kind: 'update', relation, columns, values, filters: rootFilters(relation, request), returning: returningTree(cache, relation, request) };
  }
  return { kind: 'delete', relation, filters: rootFilters(relation, request), returning: returningTree(cache, relation, request) };
}

// ---- function calls ----

const JSON_TYPES = new Set(['json', 'jsonb']);

function signature(fn: DbFunction): string {
  return `public.${fn.name}(${fn.parameters.map((p) => `${p.name} => ${p.type}`).join(', ')})`;
}

function chooseFunction(cache: SchemaCache, request: ApiRequest, name: string): { fn: DbFunction; args: Record<string, unknown>; single: boolean; rest: [string, string][] } {
  const overloads = cache.functions.get(name) ?? [];
  const isPost = request.method === 'POST';
  let keys: string[];
  let values: (key: string) => unknown;
  if (isPost) {
    const body = request.body;
    if (!isPlainObject(body)) {
      const single = overloads.filter((fn) => fn.parameters.length === 1 && fn.parameters[0].name === '' && JSON_TYPES.has(fn.parameters[0].type));
      if (single.length === 1) return { fn: single[0], args: {}, single: true, rest: [] };
      if (Array.isArray(body)) throw notImplemented('Calling a function with an array body (Prefer: params=multiple-objects)');
      throw invalidBody('Empty or invalid json');
    }
    keys = Object.keys(body);
    values = (key) => body[key];
  } else {
    const seen = new Map<string, string>();
    for (const [key, value] of request.rawParams) if (!seen.has(key)) seen.set(key, value);
    keys = [...seen.keys()];
    values = (key) => seen.get(key);
  }
  const candidates = overloads
    .map((fn) => {
      const names = fn.parameters.map((p) => p.name);
      if (names.includes('') && fn.parameters.length > 0) return null;
      const used = keys.filter((key) => names.includes(key));
      if (isPost && used.length !== keys.length) return null;
      if (!fn.parameters.every((p) => p.hasDefault || used.includes(p.name))) return null;
      return { fn, used };
    })
    .filter((candidate): candidate is { fn: DbFunction; used: string[] } => candidate !== null);
  if (candidates.length === 0) {
    if (isPost) {
      const single = overloads.filter((fn) => fn.parameters.length === 1 && fn.parameters[0].name === '' && JSON_TYPES.has(fn.parameters[0].type));
      if (single.length === 1) return { fn: single[0], args: {}, single: true, rest: [] };
    }
    const argNames = isPost ? keys : keys;
    let hint: string | null = null;
    if (overloads.length > 0) {
      const lists = overloads.map((fn) => `(${fn.parameters.map((p) => p.name).sort().join(', ')})`);
      const best = closest(`(${[...argNames].sort().join(', ')})`, lists, 0.2);
      hint = best ? `Perhaps you meant to call the function public.${name}${best}` : null;
    } else {
      const best = closest(name, cache.functions.keys(), 0.55);
      hint = best ? `Perhaps you meant to call the function public.${best}` : null;
    }
    throw functionNotFound(name, isPost ? argNames : argNames, hint);
  }
  const most = Math.max(...candidates.map((c) => c.used.length));
  const best = candidates.filter((c) => c.used.length === most);
  if (best.length > 1) throw ambiguousFunction(best.map((c) => signature(c.fn)));
  const { fn, used } = best[0];
  const args: Record<string, unknown> = {};
  for (const key of used) args[key] = values(key);
  const rest = isPost ? [] : request.rawParams.filter(([key]) => !used.includes(key));
  return { fn, args, single: false, rest };
}

function planCall(cache: SchemaCache, request: ApiRequest, name: string): CallPlan {
  if (!cache.functions.has(name)) {
    const best = closest(name, cache.functions.keys(), 0.55);
    const keys = request.method === 'POST' ? (isPlainObject(request.body) ? Object.keys(request.body) : []) : [...new Set(request.rawParams.map(([key]) => key))];
    throw functionNotFound(name, keys, best ? `Perhaps you meant to call the function public.${best}` : null);
  }
  const { fn, args, single, rest } = chooseFunction(cache, request, name);
  const filters = [...request.filters, ...rest.map(([key, value]) => parseFilter(key, value))];
  const readOnly = request.method !== 'POST' || fn.volatility !== 'volatile';
  let tree: ReadTree | null = null;
  if (fn.returns === 'composite' || (fn.returns === 'scalar' && fn.returnsSet)) {
    const relation = fn.relation ? cache.relations.get(fn.relation) : undefined;
    let shape: Shape;
    if (relation) shape = shapeOf(relation);
    else if (fn.returns === 'composite') {
      shape = { name: fn.name, columns: fn.columns, columnsByName: new Map(fn.columns.map((c) => [c.name, c])), relationshipSource: null };
    } else {
      const column: Column = { name: fn.name, type: fn.returnType, json: JSON_TYPES.has(fn.returnType) ? (fn.returnType as 'json' | 'jsonb') : null, notNull: false, hasDefault: false, generated: false };
      shape = { name: fn.name, columns: [column], columnsByName: new Map([[fn.name, column]]), relationshipSource: null };
    }
    tree = readTree(cache, shape, request, filters, { limit: request.limit, offset: request.offset });
  } else if (filters.length > 0 || request.orders.length > 0) {
    throw notImplemented(`Filters and order on the result of public.${fn.name}, which returns ${fn.returns === 'void' ? 'void' : `a single ${fn.returnType}`}`);
  }
  return {
    kind: 'call',
    fn,
    args,
    parameters: single ? fn.parameters : fn.parameters.filter((p) => Object.hasOwn(args, p.name)),
    single,
    body: request.body,
    readOnly,
    tree,
  };
}

/** `maxRows` caps the rows of a read (Supabase's `max_rows`, 1000 by default), as PostgREST's db-max-rows. */
export function buildPlan(cache: SchemaCache, request: ApiRequest, maxRows: number | null = null): Plan {
  const limit = maxRows === null ? request.limit : Math.min(request.limit ?? maxRows, maxRows);
  if (request.target.kind === 'function') return planCall(cache, { ...request, limit }, request.target.name);
  const relation = findRelation(cache, request.target.name);
  if (request.method === 'GET' || request.method === 'HEAD') {
    return { kind: 'read', relation, tree: readTree(cache, shapeOf(relation), request, request.filters, { limit, offset: request.offset }) };
  }
  return planMutation(cache, relation, request);
}
