/**
 * The read tree of a request (PostgREST's ReadPlan): the `select` resolved against the schema cache into
 * fields (columns, computed fields, casts, aggregates) and embedded resources (lateral joins through a
 * relationship, optionally spread), then filters, orders and ranges attached to the node each addresses.
 */
import type { ApiRequest } from './api-request.ts';
import {
  aggregatesNotAllowed,
  notEmbedded,
  notImplemented,
  relatedOrderNotToOne,
  unacceptableEmbedFilter,
  undefinedColumn,
  undefinedType,
} from './errors.ts';
import { findRelationship } from './plan-embed.ts';
import type { FromItem, PlannedEmbed, PlannedField, PlannedFilter, PlannedOrder, ReadNode, Shape, SpreadField, ValueRef } from './plan-types.ts';
import type { Field, FilterNode, OrderTerm, ParsedFilter, SelectItem } from './query-params.ts';
import type { Column, DbFunction, Relation, SchemaCache } from './schema-cache.ts';
import { columnHint } from './suggestions.ts';

export interface ReadContext {
  cache: SchemaCache;
  schema: string;
  aggregatesEnabled: boolean;
}

export function shapeOf(relation: Relation): Shape {
  return { name: relation.name, relation, columns: relation.columns, columnsByName: relation.columnsByName, computedFields: relation.computedFields };
}

/** The rows of a function that returns no relation's rows: its OUT/TABLE columns, or one column named after it. */
export function functionShape(fn: DbFunction): Shape {
  const columns: Column[] =
    fn.returns === 'composite'
      ? fn.columns
      : [{ name: fn.name, type: fn.returnType, baseType: fn.returnType, json: fn.returnType === 'json' || fn.returnType === 'jsonb' ? fn.returnType : null, notNull: false, hasDefault: false, defaultExpr: null, generated: false }];
  return { name: fn.name, relation: null, columns, columnsByName: new Map(columns.map((column) => [column.name, column])), computedFields: new Map() };
}

export function resolveValue(node: Pick<ReadNode, 'shape' | 'alias'>, field: Field): ValueRef {
  const column = node.shape.columnsByName.get(field.name);
  if (column) return { kind: 'column', column, path: field.path };
  const computed = node.shape.computedFields.get(field.name);
  if (computed) return { kind: 'computed', field: computed, path: field.path };
  throw undefinedColumn(node.alias, field.name, columnHint(node.alias, field.name, node.shape.columnsByName.keys()));
}

function resolveCast(cache: SchemaCache, cast: string | null): string | null {
  if (cast === null) return null;
  const sqlType = cache.types.get(cast.trim().toLowerCase().replace(/\s+/g, ' '));
  if (sqlType === undefined) throw undefinedType(cast);
  return sqlType;
}

/** A JSON path names its value after its last key (`data->a->>b` is `b`); an index keeps the last key before it. */
function defaultKey(field: Field): string {
  if (field.path.length === 0) return field.name;
  const isIndex = (key: string) => /^-?\d+$/.test(key);
  const last = field.path[field.path.length - 1].key;
  if (!isIndex(last)) return last;
  const keys = field.path.map((step) => step.key).filter((key) => !isIndex(key));
  return keys.length > 0 ? keys[keys.length - 1] : field.name;
}

interface TreeParams {
  filters: ParsedFilter[];
  orders: ApiRequest['orders'];
  ranges: ApiRequest['ranges'];
}

function planField(ctx: ReadContext, node: ReadNode, item: Extract<SelectItem, { type: 'field' }>): PlannedField {
  if (item.field === null) {
    if (!ctx.aggregatesEnabled) throw aggregatesNotAllowed();
    return { value: null, cast: null, aggregate: 'count', aggregateCast: resolveCast(ctx.cache, item.aggregateCast), key: validKey(item.alias ?? 'count') };
  }
  const { field } = item;
  const known = node.shape.columnsByName.has(field.name) || node.shape.computedFields.has(field.name);
  // `rel(count)`: the count of embedded rows, from before aggregate functions (always allowed).
  if (!known && node.depth > 0 && field.name === 'count' && field.path.length === 0 && item.cast === null && item.aggregate === null) {
    return { value: null, cast: null, aggregate: 'count', aggregateCast: null, key: validKey(item.alias ?? 'count') };
  }
  if (item.aggregate !== null && !ctx.aggregatesEnabled) throw aggregatesNotAllowed();
  const value = resolveValue(node, field);
  return {
    value,
    cast: resolveCast(ctx.cache, item.cast),
    aggregate: item.aggregate,
    aggregateCast: resolveCast(ctx.cache, item.aggregateCast),
    key: validKey(item.alias ?? item.aggregate ?? defaultKey(field)),
  };
}

/** Output keys become quoted column aliases: printable and within PostgreSQL's 63-byte names. */
function validKey(key: string): string {
  if (!/^[^\u0000-\u001f"\u007f]+$/.test(key) || Buffer.byteLength(key, 'utf8') > 63) {
    throw notImplemented(`Aliases and JSON keys of more than 63 bytes, or with control characters or double quotes ("${key.slice(0, 70)}")`);
  }
  return key;
}

function planEmbed(ctx: ReadContext, parent: ReadNode, item: Extract<SelectItem, { type: 'embed' }>): PlannedEmbed {
  const relationship = findRelationship(ctx.cache, parent.shape.relation, parent.shape.name, ctx.schema, item.target, item.hint);
  const depth = parent.depth + 1;
  const key = validKey(item.alias ?? item.target);
  const target = relationship.target;
  const from: FromItem =
    relationship.kind === 'computed'
      ? { kind: 'computed', fn: relationship.fn, parentAlias: parent.alias, parentRelation: relationship.source }
      : { kind: 'relation', relation: target };
  const node = buildNode(ctx, shapeOf(target), from, `${target.name}_${depth}`, item.items, depth);
  const toOne = relationship.toOne;
  const embed: PlannedEmbed = {
    name: item.target,
    alias: item.alias,
    key,
    joinAlias: validKey(`${relationship.source.name}_${key}_${depth}`),
    relationship,
    inner: item.joinType === 'inner',
    spread: item.spread,
    toOne,
    node,
    spreadFields: [],
  };
  if (item.spread) embed.spreadFields = hoistSpread(node, toOne);
  return embed;
}

/**
 * The keys a spread lifts into its parent: its fields, its embeds, and what nested spreads lift. In a to-one
 * spread, aggregates move up a level (`client_id,...invoices(total.sum())` sums per client), as PostgREST hoists them.
 */
function hoistSpread(node: ReadNode, toOne: boolean): SpreadField[] {
  const lifted: SpreadField[] = [];
  for (const field of node.fields) {
    if (field.aggregate !== null && !toOne) throw notImplemented('Aggregates inside to-many spreads are not supported');
    lifted.push({ key: field.key, aggregate: field.aggregate, aggregateCast: field.aggregateCast, outputKey: field.key });
    if (field.aggregate !== null) {
      field.aggregate = null;
      field.aggregateCast = null;
    }
  }
  for (const embed of node.embeds) {
    if (!embed.spread) lifted.push({ key: embed.key, aggregate: null, aggregateCast: null, outputKey: embed.key });
    else {
      for (const spread of embed.spreadFields) {
        if (spread.aggregate !== null && !toOne) throw notImplemented('Aggregates inside to-many spreads are not supported');
        lifted.push({ ...spread, key: spread.outputKey });
        if (toOne) {
          spread.aggregate = null;
          spread.aggregateCast = null;
        }
      }
    }
  }
  return lifted;
}

export function emptyNode(shape: Shape, from: FromItem, alias: string, depth = 0): ReadNode {
  return { shape, from, alias, fields: [], embeds: [], filters: [], order: [], limit: null, offset: 0, depth };
}

export function buildNode(ctx: ReadContext, shape: Shape, from: FromItem, alias: string, items: SelectItem[], depth: number): ReadNode {
  const node = emptyNode(shape, from, alias, depth);
  for (const item of items) {
    if (item.type === 'star') {
      for (const column of shape.columns) node.fields.push({ value: { kind: 'column', column, path: [] }, cast: null, aggregate: null, aggregateCast: null, key: column.name });
    } else if (item.type === 'field') {
      node.fields.push(planField(ctx, node, item));
    } else {
      node.embeds.push(planEmbed(ctx, node, item));
    }
  }
  return node;
}

// ---- filters, orders and ranges, attached by embed path ----

const embedNamed = (node: ReadNode, name: string) => node.embeds.find((embed) => embed.name === name || embed.alias === name);

function nodeAt(root: ReadNode, path: string[]): ReadNode {
  let node = root;
  for (const segment of path) {
    const embed = embedNamed(node, segment);
    if (!embed) throw notEmbedded(segment);
    node = embed.node;
  }
  return node;
}

export function planFilter(node: ReadNode, filter: FilterNode): PlannedFilter {
  if (filter.type === 'logic') {
    return { type: 'logic', operator: filter.operator, negated: filter.negated, children: filter.children.map((child) => planFilter(node, child)) };
  }
  const embed = filter.field.path.length === 0 && !node.shape.columnsByName.has(filter.field.name) ? embedNamed(node, filter.field.name) : undefined;
  if (embed) {
    if (filter.operator !== 'is' || filter.value !== 'null') throw unacceptableEmbedFilter(filter.field.name);
    return { type: 'embed-null', embed, isNull: !filter.negated };
  }
  return { type: 'condition', value: resolveValue(node, filter.field), condition: filter };
}

export function planOrderTerm(node: ReadNode, term: OrderTerm): PlannedOrder {
  if (term.relation === null) return { target: { kind: 'value', value: resolveValue(node, term.field) }, direction: term.direction, nulls: term.nulls };
  const embed = embedNamed(node, term.relation);
  if (!embed) throw notEmbedded(term.relation);
  if (!embed.toOne) throw relatedOrderNotToOne(node.shape.name, term.relation);
  const selected = embed.node.fields.some((field) => field.key === term.field.name);
  if (!selected) throw undefinedColumn(embed.joinAlias, term.field.name, columnHint(embed.joinAlias, term.field.name, embed.node.fields.map((field) => field.key)));
  return { target: { kind: 'embedded', joinAlias: embed.joinAlias, key: term.field.name, path: term.field.path }, direction: term.direction, nulls: term.nulls };
}

/** Filters, orders and ranges on the nodes they address; `includeRoot`: whether root-level ones apply too. */
export function attachParams(root: ReadNode, params: TreeParams, includeRoot: boolean): void {
  for (const filter of params.filters) {
    if (filter.path.length === 0 && !includeRoot) continue;
    const node = nodeAt(root, filter.path);
    node.filters.push(planFilter(node, filter.node));
  }
  for (const order of params.orders) {
    if (order.path.length === 0 && !includeRoot) continue;
    const node = nodeAt(root, order.path);
    node.order.push(...order.terms.map((term) => planOrderTerm(node, term)));
  }
  for (const range of params.ranges) {
    const node = nodeAt(root, range.path);
    node.limit = range.limit;
    node.offset = range.offset ?? 0;
  }
}

/** PostgREST's db-max-rows caps every node of a read, embedded ones included. */
export function restrictRows(node: ReadNode, maxRows: number | null): void {
  if (maxRows !== null) node.limit = node.limit === null ? maxRows : Math.min(node.limit, maxRows);
  for (const embed of node.embeds) restrictRows(embed.node, maxRows);
}

/** Whether any node selects a computed field or embeds through a computed relationship (RETURNING must give whole rows). */
export function usesComputed(node: ReadNode): boolean {
  return (
    node.fields.some((field) => field.value?.kind === 'computed') ||
    node.embeds.some((embed) => embed.relationship.kind === 'computed' || usesComputed(embed.node))
  );
}

export function planReadTree(ctx: ReadContext, shape: Shape, from: FromItem, alias: string, request: ApiRequest, includeRootParams: boolean): ReadNode {
  const root = buildNode(ctx, shape, from, alias, request.select, 0);
  attachParams(root, { filters: request.filters, orders: request.orders, ranges: request.ranges }, includeRootParams);
  return root;
}

