/**
 * The SQL of mutations (PostgREST's mutatePlanToQuery): INSERT … SELECT from the JSON body as sent (numbers
 * keep their precision), ON CONFLICT for upserts and PUT, UPDATE … FROM the body, DELETE; a `limit` picks
 * rows by ctid in the order asked. Each ends in the `pgrst_source` CTE the response is read from.
 */
import type { DeletePlan, InsertGroup, InsertPlan, MutationPlan, UpdatePlan } from './plan-types.ts';
import { limitSql } from './query-read.ts';
import { filterSql, ident, pathSql, qualified, valueSql, type Statement } from './sql.ts';

/** PostgREST's count of inserted rows: +1 per row offered, -1 per row an upsert updated instead. */
const INSERTED_PLUS = `set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')::int, 0) + 1)::text, true) <> '0'`;
const INSERTED_MINUS = `set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')::int, 0) - 1)::text, true) <> '-1'`;

function returningSql(table: string, returning: MutationPlan['returning']): string {
  if (returning === 'none') return ' RETURNING 1';
  if (returning === null) return ` RETURNING ${table}.*`;
  return ` RETURNING ${returning.map((column) => `${table}.${ident(column)}`).join(', ')}`;
}

/** The body as a JSON array text: the document as received when it is one (an object is wrapped). */
function bodyArray(raw: string): string {
  return raw.trimStart().startsWith('[') ? raw : `[${raw}]`;
}

function insertSql(statement: Statement, plan: InsertPlan, group: InsertGroup, raw: string): string {
  const table = qualified(plan.relation.schema, plan.relation.name);
  const names = group.columns.map((column) => ident(column.name));
  const body = statement.param(bodyArray(raw));
  const trackInserted = plan.onConflict?.merge === true;
  const where: string[] = [];
  if (trackInserted) where.push(INSERTED_PLUS);
  if (group.positions !== null) where.push(`"pgrst_body"."ordinality" = ANY (${statement.param(`{${group.positions.join(',')}}`)}::int[])`);
  for (const condition of plan.put ?? []) where.push(`"pgrst_body".${ident(condition.column.name)} = ${statement.param(condition.value)}`);
  const whereSql = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  const source = `json_populate_recordset(NULL::${table}, ${body}::json) WITH ORDINALITY AS "pgrst_body"`;
  let sql =
    names.length > 0
      ? `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.map((name) => `"pgrst_body".${name}`).join(', ')} FROM ${source}${whereSql}`
      : `INSERT INTO ${table} SELECT FROM ${source}${whereSql}`;
  if (plan.onConflict) {
    const conflict = plan.onConflict.columns.map(ident).join(', ');
    sql +=
      plan.onConflict.merge && names.length > 0
        ? ` ON CONFLICT (${conflict}) DO UPDATE SET ${names.map((name) => `${name} = EXCLUDED.${name}`).join(', ')}${trackInserted ? ` WHERE ${INSERTED_MINUS}` : ''}`
        : ` ON CONFLICT (${conflict}) DO NOTHING`;
  }
  return sql + returningSql(table, plan.returning);
}

/** Rows an UPDATE/DELETE touches: its filters, or with a limit the rows the filters and order pick first. */
function targetRows(statement: Statement, plan: UpdatePlan | DeletePlan, table: string): string {
  const alias = plan.relation.name;
  const filters = plan.filters.map((filter) => filterSql(statement, alias, filter, () => 'FALSE'));
  if (plan.limit === null && plan.offset === 0) return filters.length > 0 ? ` WHERE ${filters.join(' AND ')}` : '';
  const order = plan.order.map((term) => {
    const target = term.target.kind === 'value' ? valueSql(statement, alias, term.target.value) : pathSql(statement, ident(term.target.key), term.target.path);
    return `${target}${term.direction ? ` ${term.direction.toUpperCase()}` : ''}${term.nulls ? ` NULLS ${term.nulls.toUpperCase()}` : ''}`;
  });
  const picked = `SELECT ${table}.ctid FROM ${table}${filters.length > 0 ? ` WHERE ${filters.join(' AND ')}` : ''}${order.length > 0 ? ` ORDER BY ${order.join(', ')}` : ''}${limitSql(statement, plan.limit, plan.offset)}`;
  return ` WHERE ${table}.ctid = ANY (ARRAY(${picked}))`;
}

function updateSql(statement: Statement, plan: UpdatePlan, raw: string): string {
  const table = qualified(plan.relation.schema, plan.relation.name);
  const set = [
    ...plan.columns.map((column) => `${ident(column.name)} = "pgrst_body".${ident(column.name)}`),
    ...plan.defaults.map((column) => `${ident(column.name)} = DEFAULT`),
  ];
  const body = `(SELECT * FROM json_populate_record(NULL::${table}, ${statement.param(raw)}::json)) AS "pgrst_body"`;
  return `UPDATE ${table} SET ${set.join(', ')} FROM ${body}${targetRows(statement, plan, table)}${returningSql(table, plan.returning)}`;
}

function deleteSql(statement: Statement, plan: DeletePlan): string {
  const table = qualified(plan.relation.schema, plan.relation.name);
  return `DELETE FROM ${table}${targetRows(statement, plan, table)}${returningSql(table, plan.returning)}`;
}

/**
 * The CTEs of a mutation, the last named `pgrst_source`; null when nothing is to be done (an empty body, or an
 * update with no columns), which PostgREST answers without touching the table.
 */
export function mutationCtes(statement: Statement, plan: MutationPlan, raw: string): string[] | null {
  if (plan.kind === 'insert') {
    if (plan.groups.length === 0) return null;
    if (plan.groups.length === 1) return [`"pgrst_source" AS (${insertSql(statement, plan, plan.groups[0], raw)})`];
    const parts = plan.groups.map((group, index) => `"pgrst_insert_${index}" AS (${insertSql(statement, plan, group, raw)})`);
    const union = plan.groups.map((_, index) => `SELECT * FROM "pgrst_insert_${index}"`).join(' UNION ALL ');
    return [...parts, `"pgrst_source" AS (${union})`];
  }
  if (plan.kind === 'update') {
    if (plan.columns.length + plan.defaults.length === 0) return null;
    return [`"pgrst_source" AS (${updateSql(statement, plan, raw)})`];
  }
  return [`"pgrst_source" AS (${deleteSql(statement, plan)})`];
}
