/**
 * SQL building blocks (PostgREST's SqlFragment): quoted identifiers taken from the schema cache, bound
 * parameters for every value of the request, value expressions (columns, computed fields, JSON paths) and
 * filter conditions.
 */
import type { PlannedFilter, ValueRef } from './plan-types.ts';
import type { Condition, JsonStep } from './query-params.ts';

/** Quotes a name taken from the schema cache (or an alias the planner made). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export const qualified = (schema: string, name: string) => `${ident(schema)}.${ident(name)}`;

/** One statement's text and its parameters ($1, $2, …), which postgres.js sends untyped. */
export class Statement {
  readonly params: string[] = [];

  param(value: string): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

/** `expr->'a'->>'b'`, keys bound as parameters (integers as array indexes). */
export function pathSql(statement: Statement, expression: string, path: JsonStep[]): string {
  let result = expression;
  for (const step of path) {
    const key = /^-?\d+$/.test(step.key) ? `${statement.param(step.key)}::int` : statement.param(step.key);
    result = `${result}${step.arrow}${key}`;
  }
  return result;
}

/** The SQL of a row value of the row aliased `alias`. Non-JSON values go through to_jsonb before a JSON path. */
export function valueSql(statement: Statement, alias: string, value: ValueRef): string {
  if (value.kind === 'column') {
    const column = `${ident(alias)}.${ident(value.column.name)}`;
    if (value.path.length === 0) return column;
    return pathSql(statement, value.column.json ? column : `to_jsonb(${column})`, value.path);
  }
  // A computed field takes the row; the cast lets rows of a CTE (mutated rows, function results) be passed too.
  const { fn, source } = value.field;
  const call = `${qualified(fn.schema, fn.name)}(${ident(alias)}::${qualified(source.schema, source.name)})`;
  if (value.path.length === 0) return call;
  return pathSql(statement, value.field.json ? call : `to_jsonb(${call})`, value.path);
}

const COMPARISONS = new Map<Condition['operator'], string>([
  ['eq', '='], ['neq', '<>'], ['gt', '>'], ['gte', '>='], ['lt', '<'], ['lte', '<='], ['like', 'like'], ['ilike', 'ilike'],
  ['match', '~'], ['imatch', '~*'], ['cs', '@>'], ['cd', '<@'], ['ov', '&&'], ['sl', '<<'], ['sr', '>>'], ['nxr', '&<'],
  ['nxl', '&>'], ['adj', '-|-'],
]);

const TEXT_SEARCH = new Map<Condition['operator'], string>([
  ['fts', 'to_tsquery'], ['plfts', 'plainto_tsquery'], ['phfts', 'phraseto_tsquery'], ['wfts', 'websearch_to_tsquery'],
]);

const IS_SQL = new Map<string, string>([['null', 'NULL'], ['not_null', 'NOT NULL'], ['true', 'TRUE'], ['false', 'FALSE'], ['unknown', 'UNKNOWN']]);

/** `{"a","b,c"}`: a PostgreSQL array literal of the `in.(…)` elements (PostgREST's pgBuildArrayLiteral). */
function arrayLiteral(values: string[]): string {
  return `{${values.map((value) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

export function conditionSql(statement: Statement, alias: string, value: ValueRef, condition: Condition): string {
  const { operator } = condition;
  let field = valueSql(statement, alias, value);
  const star = (text: string) => (operator === 'like' || operator === 'ilike' ? text.replace(/\*/g, '%') : text);
  let sql: string;
  if (operator === 'is') sql = `${field} IS ${IS_SQL.get(condition.value) ?? 'NULL'}`;
  else if (operator === 'isdistinct') sql = `${field} IS DISTINCT FROM ${statement.param(condition.value)}`;
  else if (operator === 'in') sql = `${field} = ANY (${statement.param(arrayLiteral(condition.values))})`;
  else if (TEXT_SEARCH.has(operator)) {
    const language = condition.language === null ? '' : `${statement.param(condition.language)}, `;
    // PostgREST 13: text and JSON columns are converted with to_tsvector first.
    const isVector = value.kind === 'column' && value.path.length === 0 && value.column.baseType === 'tsvector';
    if (!isVector) field = `to_tsvector(${language}${field})`;
    sql = `${field} @@ ${TEXT_SEARCH.get(operator)}(${language}${statement.param(condition.value)})`;
  } else if (condition.quantifier !== null) {
    sql = `${field} ${COMPARISONS.get(operator)} ${condition.quantifier.toUpperCase()}(${statement.param(star(condition.value))})`;
  } else {
    sql = `${field} ${COMPARISONS.get(operator)} ${statement.param(star(condition.value))}`;
  }
  return condition.negated ? `NOT ${sql}` : sql;
}

/** How a filter on an embedded resource's presence reads: the lateral row itself, or (counting) an EXISTS. */
export type EmbedPresence = (filter: Extract<PlannedFilter, { type: 'embed-null' }>) => string;

export function filterSql(statement: Statement, alias: string, filter: PlannedFilter, presence: EmbedPresence): string {
  if (filter.type === 'condition') return conditionSql(statement, alias, filter.value, filter.condition);
  if (filter.type === 'embed-null') return presence(filter);
  const parts = filter.children.map((child) => filterSql(statement, alias, child, presence));
  const joined = `(${parts.join(filter.operator === 'and' ? ' AND ' : ' OR ')})`;
  return filter.negated ? `NOT ${joined}` : joined;
}
