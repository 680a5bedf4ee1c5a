/**
 * `postgres_changes` filters, as realtime-js sends them: `column=[not.]operator.value`, several conditions joined
 * by commas (AND), values double-quoted PostgREST-style when they hold `,()"\`. Evaluated by PostgreSQL with the
 * column's own type and operators (see `predicateSql`), as hosted Realtime does.
 */

import { quoteIdent } from './sql-names.ts';

export const FILTER_OPERATORS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'like', 'ilike', 'is', 'match', 'imatch', 'isdistinct'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export interface FilterCondition {
  column: string;
  operator: FilterOperator;
  negate: boolean;
  /** Scalar operand, the `in` list, or for `is` one of null/true/false/unknown. */
  value: string | string[];
}

export class FilterError extends Error {}

const IS_VALUES = new Set(['null', 'true', 'false', 'unknown']);
const MAX_IN_VALUES = 100;

/** Splits on `separator` outside double quotes and parentheses. */
function splitOutside(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted && char === '\\' && i + 1 < text.length) {
      current += char + text[++i];
      continue;
    }
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === '(') depth++;
    else if (!quoted && char === ')') depth--;
    if (!quoted && depth === 0 && char === separator) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (quoted || depth !== 0) throw new FilterError('unbalanced quotes or parentheses');
  parts.push(current);
  return parts;
}

/** A PostgREST-style value: `"a,b"` (with `\"` and `\\` escapes) or bare text. */
function unquote(raw: string): string {
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) return raw.slice(1, -1).replace(/\\(.)/g, '$1');
  return raw;
}

function parseCondition(text: string): FilterCondition {
  const equals = text.indexOf('=');
  if (equals <= 0) throw new FilterError(`expected column=operator.value, got ${JSON.stringify(text)}`);
  const column = text.slice(0, equals).trim();
  let rest = text.slice(equals + 1);
  let negate = false;
  if (rest.startsWith('not.')) {
    negate = true;
    rest = rest.slice(4);
  }
  const dot = rest.indexOf('.');
  const operator = (dot < 0 ? rest : rest.slice(0, dot)) as FilterOperator;
  if (dot < 0 || !FILTER_OPERATORS.includes(operator)) {
    throw new FilterError(`unsupported operator in ${JSON.stringify(text)}; supported: ${FILTER_OPERATORS.join(', ')}`);
  }
  const raw = rest.slice(dot + 1);
  if (operator === 'in') {
    const match = /^\((.*)\)$/s.exec(raw);
    if (!match) throw new FilterError('`in` filter value must be wrapped by parentheses');
    const values = match[1] === '' ? [] : splitOutside(match[1], ',').map((value) => unquote(value.trim()));
    if (values.length === 0) throw new FilterError('`in` filter needs at least one value');
    if (values.length > MAX_IN_VALUES) throw new FilterError(`too many values for \`in\` filter. Maximum ${MAX_IN_VALUES}`);
    return { column, operator, negate, value: values };
  }
  if (operator === 'is') {
    const value = raw.toLowerCase();
    if (!IS_VALUES.has(value)) throw new FilterError('`is` filter value must be null, true, false or unknown');
    return { column, operator, negate, value };
  }
  return { column, operator, negate, value: unquote(raw) };
}

/** Parses a filter string; empty means no filter. */
export function parseFilter(filter: string | undefined | null): FilterCondition[] {
  if (filter === undefined || filter === null || filter.trim() === '') return [];
  return splitOutside(filter, ',').map((part) => parseCondition(part.trim()));
}

/** An array literal PostgreSQL parses with the element type's input function. */
export function arrayLiteral(values: string[]): string {
  return `{${values.map((value) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}

/**
 * SQL for one condition over the row alias `row`, with the operand read as text from `operand` (an SQL expression)
 * and cast to the column's type, so comparisons follow the type (numbers, timestamps, uuids…). NULL never matches.
 */
export function predicateSql(condition: FilterCondition, row: string, columnType: string, operand: string): string {
  const column = `${row}.${quoteIdent(condition.column)}`;
  const typed = `(${operand})::${columnType}`;
  let expression: string;
  switch (condition.operator) {
    case 'eq':
      expression = `${column} = ${typed}`;
      break;
    case 'neq':
      expression = `${column} <> ${typed}`;
      break;
    case 'lt':
      expression = `${column} < ${typed}`;
      break;
    case 'lte':
      expression = `${column} <= ${typed}`;
      break;
    case 'gt':
      expression = `${column} > ${typed}`;
      break;
    case 'gte':
      expression = `${column} >= ${typed}`;
      break;
    case 'in':
      expression = `${column} = any((${operand})::${columnType}[])`;
      break;
    case 'like':
      expression = `${column}::text like (${operand})`;
      break;
    case 'ilike':
      expression = `${column}::text ilike (${operand})`;
      break;
    case 'match':
      expression = `${column}::text ~ (${operand})`;
      break;
    case 'imatch':
      expression = `${column}::text ~* (${operand})`;
      break;
    case 'isdistinct':
      expression = `${column} is distinct from ${typed}`;
      break;
    case 'is': {
      const keyword = { null: 'null', true: 'true', false: 'false', unknown: 'unknown' }[condition.value as string] ?? 'null';
      expression = `${column} is ${keyword}`;
      break;
    }
  }
  return `coalesce(${condition.negate ? `not (${expression})` : `(${expression})`}, false)`;
}

/** The text bound for a condition's operand (an array literal for `in`; unused for `is`). */
export function operandText(condition: FilterCondition): string {
  return Array.isArray(condition.value) ? arrayLiteral(condition.value) : condition.value;
}
