/**
 * Mutation plans (PostgREST's MutatePlan): POST inserts and upserts, PUT (upsert of the row the primary-key
 * filters name), PATCH updates and DELETE, each with the rows to give back read over the mutated rows.
 * An UPDATE or DELETE without a filter is refused before any SQL, as pg-safeupdate refuses it on hosted Supabase.
 */
import type { ApiRequest } from './api-request.ts';
import { ApiError, columnNotFound, invalidBody, invalidFilters, putLimitNotAllowed, safeUpdateError } from './errors.ts';
import { attachParams, buildNode, emptyNode, planFilter, planOrderTerm, shapeOf, usesComputed, type ReadContext } from './plan-read.ts';
import type { InsertGroup, InsertPlan, MutationPlan, PlannedFilter, ReadNode } from './plan-types.ts';
import type { Column, Relation } from './schema-cache.ts';

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function columnsNamed(relation: Relation, names: string[]): Column[] {
  return names.map((name) => {
    const column = relation.columnsByName.get(name);
    if (!column) throw columnNotFound(relation.name, name);
    return column;
  });
}

/** What PostgreSQL says for an ON CONFLICT column that does not exist. */
const unknownConflictColumn = (name: string) => new ApiError(400, '42703', `column "${name}" does not exist`);

function payloadValue(request: ApiRequest): unknown {
  if (request.payload === null || request.payload.kind !== 'json') throw invalidBody('Empty or invalid json');
  return request.payload.value;
}

function insertGroups(relation: Relation, request: ApiRequest): InsertGroup[] {
  const body = payloadValue(request);
  const rows = Array.isArray(body) ? body : [body];
  if (!rows.every(isPlainObject)) throw invalidBody('Empty or invalid json');
  if (rows.length === 0) return [];
  if (request.columns !== null) {
    const columns = columnsNamed(relation, [...new Set(request.columns)]);
    if (request.preferences.missing !== 'default') return [{ columns, rows, positions: null }];
    // missing=default: a key absent from a row takes the column default; consecutive rows with the same keys share
    // a statement (so rows keep their order).
    const groups: InsertGroup[] = [];
    rows.forEach((row, index) => {
      const present = columns.filter((column) => Object.hasOwn(row, column.name));
      const last = groups[groups.length - 1];
      const same = last && last.columns.length === present.length && last.columns.every((column, i) => column === present[i]) ? last : undefined;
      if (same) {
        same.rows.push(row);
        same.positions?.push(index + 1);
      } else groups.push({ columns: present, rows: [row], positions: [index + 1] });
    });
    if (groups.length === 1) groups[0].positions = null;
    return groups;
  }
  const keys = Object.keys(rows[0]);
  for (const row of rows) {
    const rowKeys = Object.keys(row);
    if (rowKeys.length !== keys.length || !rowKeys.every((key) => keys.includes(key))) throw invalidBody('All object keys must match');
  }
  return [{ columns: columnsNamed(relation, keys), rows, positions: null }];
}

/** The rows given back, read over the mutated ones; embedded filters apply to them, root filters to the mutation. */
function returningRead(ctx: ReadContext, relation: Relation, request: ApiRequest): ReadNode | null {
  if (request.preferences.return !== 'representation') return null;
  const root = buildNode(ctx, shapeOf(relation), { kind: 'source' }, relation.name, request.select, 0);
  attachParams(root, { filters: request.filters, orders: [], ranges: [] }, false);
  return root;
}

/**
 * What RETURNING must give: whole rows when the select needs them (a star, computed fields or relationships);
 * else the selected columns plus those the embeddings join on, plus the primary key (for Location).
 */
function returningColumns(relation: Relation, request: ApiRequest, root: ReadNode | null, isInsert: boolean): string[] | null | 'none' {
  if (root === null) {
    if (request.preferences.return === 'headers-only' && isInsert && relation.primaryKey.length > 0) return relation.primaryKey;
    return 'none';
  }
  if (request.select.some((item) => item.type === 'star') || usesComputed(root)) return null;
  const names = new Set<string>();
  for (const field of root.fields) if (field.value?.kind === 'column') names.add(field.value.column.name);
  for (const embed of root.embeds) {
    const r = embed.relationship;
    if (r.kind === 'fk') for (const [column] of r.junction ? r.junction.sourcePairs.map(([, source]) => [source]) : r.pairs) names.add(column);
  }
  for (const column of relation.primaryKey) names.add(column);
  return [...names];
}

/** The table itself, as root filters and orders of an UPDATE/DELETE see it. */
const tableNode = (relation: Relation) => emptyNode(shapeOf(relation), { kind: 'relation', relation }, relation.name);

function rootFilters(relation: Relation, request: ApiRequest): PlannedFilter[] {
  const node = tableNode(relation);
  return request.filters.filter((filter) => filter.path.length === 0).map((filter) => planFilter(node, filter.node));
}

function planPut(ctx: ReadContext, relation: Relation, request: ApiRequest): InsertPlan {
  if (request.rootRangeGiven) throw putLimitNotAllowed();
  const root = request.filters.filter((filter) => filter.path.length === 0);
  const pk = relation.primaryKey;
  const conditions = root.map((filter) => filter.node);
  const onlyPkEquality =
    pk.length > 0 &&
    conditions.every((node) => node.type === 'condition' && node.operator === 'eq' && !node.negated && node.quantifier === null && node.field.path.length === 0) &&
    new Set(conditions.map((node) => (node.type === 'condition' ? node.field.name : ''))).size === conditions.length &&
    conditions.length === pk.length &&
    conditions.every((node) => node.type === 'condition' && pk.includes(node.field.name));
  if (!onlyPkEquality) throw invalidFilters();
  const body = payloadValue(request);
  const rows = Array.isArray(body) ? body : [body];
  if (rows.length !== 1 || !isPlainObject(rows[0])) throw invalidBody('Empty or invalid json');
  const row = rows[0];
  const columns = columnsNamed(relation, request.columns ?? Object.keys(row));
  const read = returningRead(ctx, relation, request);
  return {
    kind: 'insert',
    relation,
    groups: [{ columns, rows: [row], positions: null }],
    onConflict: { columns: pk, merge: true },
    put: conditions.map((node) => {
      const condition = node as Extract<typeof node, { type: 'condition' }>;
      return { column: relation.columnsByName.get(condition.field.name) as Column, value: condition.value };
    }),
    returning: returningColumns(relation, request, read, true),
    root: read,
  };
}

export function planMutation(ctx: ReadContext, relation: Relation, request: ApiRequest): MutationPlan {
  if (request.method === 'PUT') return planPut(ctx, relation, request);
  if (request.method === 'POST') {
    const groups = insertGroups(relation, request);
    let onConflict: InsertPlan['onConflict'] = null;
    const resolution = request.preferences.resolution;
    for (const name of request.onConflict ?? []) if (!relation.columnsByName.has(name)) throw unknownConflictColumn(name);
    const conflictColumns = request.onConflict ?? relation.primaryKey;
    if (resolution !== null && conflictColumns.length > 0) onConflict = { columns: conflictColumns, merge: resolution === 'merge-duplicates' };
    const read = returningRead(ctx, relation, request);
    return { kind: 'insert', relation, groups, onConflict, put: null, returning: returningColumns(relation, request, read, true), root: read };
  }

  const filters = rootFilters(relation, request);
  const orderNode = tableNode(relation);
  const order = request.orders.filter((entry) => entry.path.length === 0).flatMap((entry) => entry.terms.map((term) => planOrderTerm(orderNode, term)));
  const range = { limit: request.limit, offset: request.offset };
  const read = returningRead(ctx, relation, request);
  const common = { relation, filters, order, ...range, returning: returningColumns(relation, request, read, false), root: read };

  if (request.method === 'PATCH') {
    const body = payloadValue(request);
    if (!isPlainObject(body)) throw invalidBody('Empty or invalid json');
    const names = [...new Set(request.columns ?? Object.keys(body))];
    const listed = columnsNamed(relation, names);
    const missingDefault = request.preferences.missing === 'default';
    const columns = missingDefault ? listed.filter((column) => Object.hasOwn(body, column.name)) : listed;
    const defaults = missingDefault ? listed.filter((column) => !Object.hasOwn(body, column.name)) : [];
    // An empty update changes nothing and so runs no UPDATE (PostgREST answers it without touching the table).
    if (columns.length + defaults.length > 0 && filters.length === 0) throw safeUpdateError('UPDATE');
    return { kind: 'update', ...common, columns, defaults, values: body };
  }
  if (filters.length === 0) throw safeUpdateError('DELETE');
  return { kind: 'delete', ...common };
}
