/**
 * The SQL of a read tree (PostgREST's readPlanToQuery / readPlanToCountQuery): one SELECT per node, each
 * embedded resource a LATERAL join (a row for to-one, a JSON array for to-many, lifted columns for a spread),
 * GROUP BY when aggregates are selected, and the count query that ignores pagination and embeddings.
 */
import type { PlannedEmbed, PlannedField, PlannedFilter, PlannedOrder, ReadNode, SpreadField } from './plan-types.ts';
import { filterSql, ident, pathSql, qualified, valueSql, type EmbedPresence, type Statement } from './sql.ts';

/** `AVG(x)`, `CAST(SUM(x) AS int)`: an aggregate and its output cast, PostgREST's spelling. */
function aggregated(expression: string, aggregate: SpreadField['aggregate'], cast: string | null): string {
  if (aggregate === null) return expression;
  const call = `${aggregate.toUpperCase()}(${expression})`;
  return cast === null ? call : `CAST(${call} AS ${cast})`;
}

function fieldSql(statement: Statement, node: ReadNode, field: PlannedField): string {
  // No value: `count()` counts rows; hoisted out of a spread it is the whole row, counted a level up.
  if (field.value === null) return field.aggregate === null ? ident(node.alias) : aggregated('*', field.aggregate, field.aggregateCast);
  let expression = valueSql(statement, node.alias, field.value);
  if (field.cast !== null) expression = `CAST(${expression} AS ${field.cast})`;
  return aggregated(expression, field.aggregate, field.aggregateCast);
}

function fromSql(node: ReadNode): string {
  const { from } = node;
  switch (from.kind) {
    case 'relation':
      return `${qualified(from.relation.schema, from.relation.name)} AS ${ident(node.alias)}`;
    case 'source':
      return `"pgrst_source" AS ${ident(node.alias)}`;
    case 'computed':
      return `${qualified(from.fn.schema, from.fn.name)}(${ident(from.parentAlias)}::${qualified(from.parentRelation.schema, from.parentRelation.name)}) AS ${ident(node.alias)}`;
  }
}

/** FROM items and conditions that tie an embedded node to its parent row. */
function joinTo(embed: PlannedEmbed, parentAlias: string): { from: string; conditions: string[] } {
  const r = embed.relationship;
  const child = ident(embed.node.alias);
  const parent = ident(parentAlias);
  if (r.kind === 'computed') return { from: '', conditions: [] };
  if (r.junction) {
    const j = r.junction;
    const junction = qualified(j.relation.schema, j.relation.name);
    return {
      from: `, ${junction}`,
      conditions: [
        ...j.targetPairs.map(([junctionColumn, targetColumn]) => `${junction}.${ident(junctionColumn)} = ${child}.${ident(targetColumn)}`),
        ...j.sourcePairs.map(([junctionColumn, sourceColumn]) => `${junction}.${ident(junctionColumn)} = ${parent}.${ident(sourceColumn)}`),
      ],
    };
  }
  return { from: '', conditions: r.pairs.map(([sourceColumn, targetColumn]) => `${child}.${ident(targetColumn)} = ${parent}.${ident(sourceColumn)}`) };
}

const isEmptyEmbed = (embed: PlannedEmbed) => embed.node.fields.length === 0 && embed.node.embeds.length === 0;

/** What an embed adds to its parent's select list (empty embeds add nothing: they only filter). */
function embedSelects(embed: PlannedEmbed): { sql: string; grouped: boolean }[] {
  if (isEmptyEmbed(embed)) return [];
  const join = ident(embed.joinAlias);
  if (embed.spread) {
    return embed.spreadFields.map((field) => ({
      sql: `${aggregated(`${join}.${ident(field.key)}`, field.aggregate, field.aggregateCast)} AS ${ident(field.outputKey)}`,
      grouped: field.aggregate === null,
    }));
  }
  if (embed.toOne) return [{ sql: `row_to_json(${join}.*)::jsonb AS ${ident(embed.key)}`, grouped: true }];
  return [{ sql: `COALESCE(${join}.${join}, '[]') AS ${ident(embed.key)}`, grouped: true }];
}

/** The expression an embed's selects stand for, for GROUP BY. */
function embedGroupTerms(embed: PlannedEmbed): string[] {
  if (isEmptyEmbed(embed)) return [];
  const join = ident(embed.joinAlias);
  if (embed.spread) return embed.spreadFields.filter((field) => field.aggregate === null).map((field) => `${join}.${ident(field.key)}`);
  return [embed.toOne ? `row_to_json(${join}.*)::jsonb` : `COALESCE(${join}.${join}, '[]')`];
}

function lateralJoin(statement: Statement, embed: PlannedEmbed, parentAlias: string): string {
  const join = ident(embed.joinAlias);
  const subquery = nodeSql(statement, embed.node, { embed, parentAlias });
  const kind = embed.inner ? 'INNER' : 'LEFT';
  if (embed.toOne) return ` ${kind} JOIN LATERAL (${subquery}) AS ${join} ON TRUE`;
  const columns = [`json_agg(${join})::jsonb AS ${join}`];
  if (embed.spread) {
    for (const field of embed.spreadFields) columns.push(`COALESCE(json_agg(${join}.${ident(field.key)}), '[]')::jsonb AS ${ident(field.key)}`);
  }
  return ` ${kind} JOIN LATERAL (SELECT ${columns.join(', ')} FROM (${subquery}) AS ${join}) AS ${join} ON ${embed.inner ? `${join} IS NOT NULL` : 'TRUE'}`;
}

function orderSql(statement: Statement, node: ReadNode, order: PlannedOrder[]): string {
  if (order.length === 0) return '';
  const terms = order.map((term) => {
    const target =
      term.target.kind === 'value'
        ? valueSql(statement, node.alias, term.target.value)
        : pathSql(statement, `${ident(term.target.joinAlias)}.${ident(term.target.key)}`, term.target.path);
    return `${target}${term.direction ? ` ${term.direction.toUpperCase()}` : ''}${term.nulls ? ` NULLS ${term.nulls.toUpperCase()}` : ''}`;
  });
  return ` ORDER BY ${terms.join(', ')}`;
}

export function limitSql(statement: Statement, limit: number | null, offset: number): string {
  const limitPart = limit === null ? '' : ` LIMIT ${statement.param(String(limit))}`;
  return offset === 0 ? limitPart : `${limitPart} OFFSET ${statement.param(String(offset))}`;
}

const hasAggregates = (node: ReadNode) =>
  node.fields.some((field) => field.aggregate !== null) || node.embeds.some((embed) => embed.spread && embed.spreadFields.some((field) => field.aggregate !== null));

/** The embedded resource's presence: its lateral row is null when nothing matched (or its array is). */
const rowPresence: EmbedPresence = (filter) => `${ident(filter.embed.joinAlias)} IS ${filter.isNull ? 'NOT ' : ''}DISTINCT FROM NULL`;

/** The SELECT of one node; `parent` ties an embedded node to its parent's row. */
export function nodeSql(statement: Statement, node: ReadNode, parent: { embed: PlannedEmbed; parentAlias: string } | null = null): string {
  const selects = node.fields.map((field) => `${fieldSql(statement, node, field)} AS ${ident(field.key)}`);
  for (const embed of node.embeds) selects.push(...embedSelects(embed).map((item) => item.sql));
  if (node.fields.length === 0 && node.embeds.length === 0) selects.push(`${ident(node.alias)}.*`);
  const joins = node.embeds.map((embed) => lateralJoin(statement, embed, node.alias)).join('');
  const tie = parent ? joinTo(parent.embed, parent.parentAlias) : { from: '', conditions: [] };
  const conditions = [...node.filters.map((filter) => filterSql(statement, node.alias, filter, rowPresence)), ...tie.conditions];
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  let group = '';
  if (hasAggregates(node)) {
    const terms = [
      ...node.fields.filter((field) => field.aggregate === null).map((field) => fieldSql(statement, node, field)),
      ...node.embeds.flatMap(embedGroupTerms),
    ];
    if (terms.length > 0) group = ` GROUP BY ${terms.join(', ')}`;
  }
  return `SELECT ${selects.join(', ')} FROM ${fromSql(node)}${tie.from}${joins}${where}${group}${orderSql(statement, node, node.order)}${limitSql(statement, node.limit, node.offset)}`;
}

/**
 * The rows a count counts: the node's filters only (no pagination, no embedded selects); `!inner` embeds and
 * presence filters become EXISTS subqueries (PostgREST's readPlanToCountQuery).
 */
export function countSql(statement: Statement, node: ReadNode, parent: { embed: PlannedEmbed; parentAlias: string } | null = null): string {
  const existsOf = (embed: PlannedEmbed) => `EXISTS (${countSql(statement, embed.node, { embed, parentAlias: node.alias })})`;
  const presence: EmbedPresence = (filter) => `${filter.isNull ? 'NOT ' : ''}${existsOf(filter.embed)}`;
  const tie = parent ? joinTo(parent.embed, parent.parentAlias) : { from: '', conditions: [] };
  const conditions = [
    ...node.filters.map((filter: PlannedFilter) => filterSql(statement, node.alias, filter, presence)),
    ...tie.conditions,
    ...node.embeds.filter((embed) => embed.inner).map(existsOf),
  ];
  return `SELECT 1 FROM ${fromSql(node)}${tie.from}${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
}
