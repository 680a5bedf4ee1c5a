/**
 * The query-string grammar of PostgREST: `select`, filters (with `not.`, `or=()` / `and=()`), `order`,
 * lists such as `in.(a,"b,c")`. Pure parsing into typed values; nothing here knows the schema.
 */
import { parseError } from './errors.ts';

export type JsonArrow = '->' | '->>';

export interface JsonStep {
  arrow: JsonArrow;
  key: string;
}

/** A column, optionally followed by a JSON path: `data->a->>b`. */
export interface Field {
  name: string;
  path: JsonStep[];
}

export const AGGREGATES = ['avg', 'count', 'max', 'min', 'sum'] as const;
export type AggregateName = (typeof AGGREGATES)[number];

/** A column, computed field or JSON path, optionally cast, optionally aggregated (`amount::numeric.sum()::int`). */
export interface SelectField {
  type: 'field';
  /** null for `count()`, which counts rows. */
  field: Field | null;
  alias: string | null;
  cast: string | null;
  aggregate: AggregateName | null;
  aggregateCast: string | null;
}

export interface SelectEmbed {
  type: 'embed';
  /** Table, view, function (computed relationship), foreign key name or column the embedding goes through. */
  target: string;
  alias: string | null;
  hint: string | null;
  joinType: 'inner' | 'left' | null;
  /** `...target(cols)`: the columns are lifted into the parent. */
  spread: boolean;
  items: SelectItem[];
}

export interface SelectStar {
  type: 'star';
}

export type SelectItem = SelectField | SelectEmbed | SelectStar;

export const OPERATORS = [
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'is', 'isdistinct', 'in',
  'cs', 'cd', 'ov', 'sl', 'sr', 'nxl', 'nxr', 'adj', 'fts', 'plfts', 'phfts', 'wfts',
] as const;
export type Operator = (typeof OPERATORS)[number];

const QUANTIFIABLE = new Set<Operator>(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch']);
const FULL_TEXT = new Set<Operator>(['fts', 'plfts', 'phfts', 'wfts']);
export const IS_VALUES = ['null', 'not_null', 'true', 'false', 'unknown'] as const;
export type IsValue = (typeof IS_VALUES)[number];

export interface Condition {
  type: 'condition';
  field: Field;
  negated: boolean;
  operator: Operator;
  /** `eq(any).{a,b}` */
  quantifier: 'any' | 'all' | null;
  /** `fts(english).word` */
  language: string | null;
  /** The raw value (`is`: one of IS_VALUES). */
  value: string;
  /** Elements of `in.(…)` or of a quantified `{…}` list. */
  values: string[];
}

export interface Logic {
  type: 'logic';
  operator: 'and' | 'or';
  negated: boolean;
  children: FilterNode[];
}

export type FilterNode = Condition | Logic;

export interface OrderTerm {
  /** `rel(col).desc`: order by a column of an embedded to-one resource. */
  relation: string | null;
  field: Field;
  direction: 'asc' | 'desc' | null;
  nulls: 'first' | 'last' | null;
}

/** Filters, orders and limits apply to the root (`path` empty) or to an embedded resource (`rel.col=eq.1`). */
export interface EmbedPath {
  path: string[];
}

/** Logic trees (`or=(…)`) nest at most this deep. */
export const MAX_NESTING = 16;
const MAX_SELECT_ITEMS = 400;

// ---------------------------------------------------------------------------------------------------------------
// A tiny cursor over one parameter value.

/** PGRST100 in PostgREST's (Parsec's) shape: `"failed to parse filter (x)" (line 1, column 4)`. */
export function queryParamError(what: string, text: string, column: number, details: string): Error {
  return parseError(`"failed to parse ${what} (${text})" (line 1, column ${column})`, details);
}

class Cursor {
  position = 0;
  constructor(
    readonly text: string,
    private readonly what: string,
  ) {}

  get done(): boolean {
    return this.position >= this.text.length;
  }

  peek(offset = 0): string {
    return this.text[this.position + offset] ?? '';
  }

  startsWith(token: string): boolean {
    return this.text.startsWith(token, this.position);
  }

  skipSpaces(): void {
    while (!this.done && /\s/.test(this.peek())) this.position += 1;
  }

  expect(token: string): void {
    if (!this.startsWith(token)) throw this.error(`expecting "${token}"`);
    this.position += token.length;
  }

  error(expecting: string): Error {
    const found = this.done ? 'end of input' : `"${this.peek()}"`;
    return queryParamError(this.what, this.text, this.position + 1, `unexpected ${found} ${expecting}`.trim());
  }
}

const NAME_STOP = new Set(['.', ',', ':', '(', ')', '!', '"']);

/** An identifier: `"quoted anything"` or a run of characters up to `.,:()!"` or `->`; surrounding spaces trimmed. */
function readName(cursor: Cursor): string {
  cursor.skipSpaces();
  if (cursor.peek() === '"') {
    cursor.position += 1;
    const end = cursor.text.indexOf('"', cursor.position);
    if (end < 0) throw cursor.error('expecting closing quote');
    const name = cursor.text.slice(cursor.position, end);
    cursor.position = end + 1;
    cursor.skipSpaces();
    if (name === '') throw cursor.error('expecting a non-empty name');
    return name;
  }
  const start = cursor.position;
  while (!cursor.done && !NAME_STOP.has(cursor.peek()) && !cursor.startsWith('->')) cursor.position += 1;
  const name = cursor.text.slice(start, cursor.position).trim();
  if (name === '') throw cursor.error('expecting a name');
  return name;
}

function readJsonPath(cursor: Cursor): JsonStep[] {
  const path: JsonStep[] = [];
  while (cursor.startsWith('->')) {
    const arrow: JsonArrow = cursor.startsWith('->>') ? '->>' : '->';
    cursor.position += arrow.length;
    path.push({ arrow, key: readName(cursor) });
  }
  return path;
}

function readField(cursor: Cursor): Field {
  const name = readName(cursor);
  return { name, path: readJsonPath(cursor) };
}

// ---------------------------------------------------------------------------------------------------------------
// select

/** Embedding deeper or wider than this is refused: each level is a lateral join, each embed a subquery. */
export const MAX_EMBED_DEPTH = 8;
export const MAX_EMBEDS = 50;

interface SelectCounter {
  items: number;
  embeds: number;
}

function readSelectItems(cursor: Cursor, depth: number, counter: SelectCounter): SelectItem[] {
  if (depth > MAX_EMBED_DEPTH) throw cursor.error(`: embedding is nested deeper than ${MAX_EMBED_DEPTH} levels`);
  const items: SelectItem[] = [];
  for (;;) {
    items.push(readSelectItem(cursor, depth, counter));
    counter.items += 1;
    if (counter.items > MAX_SELECT_ITEMS) throw cursor.error(`: more than ${MAX_SELECT_ITEMS} selected items`);
    cursor.skipSpaces();
    if (cursor.peek() !== ',') return items;
    cursor.position += 1;
  }
}

/** `!hint`, `!inner`, `!left` (at most one hint and one join type, in any order). */
function readEmbedParams(cursor: Cursor): { hint: string | null; joinType: 'inner' | 'left' | null } {
  let hint: string | null = null;
  let joinType: 'inner' | 'left' | null = null;
  while (cursor.peek() === '!') {
    cursor.position += 1;
    const word = readName(cursor);
    if ((word === 'inner' || word === 'left') && joinType === null) joinType = word;
    else if (hint === null && word !== 'inner' && word !== 'left') hint = word;
    else throw cursor.error('expecting "("');
  }
  return { hint, joinType };
}

function readEmbed(cursor: Cursor, target: string, alias: string | null, spread: boolean, depth: number, counter: SelectCounter): SelectEmbed {
  const { hint, joinType } = readEmbedParams(cursor);
  cursor.expect('(');
  counter.embeds += 1;
  if (counter.embeds > MAX_EMBEDS) throw cursor.error(`: more than ${MAX_EMBEDS} embedded resources`);
  cursor.skipSpaces();
  const items = cursor.peek() === ')' ? [] : readSelectItems(cursor, depth + 1, counter);
  cursor.skipSpaces();
  cursor.expect(')');
  return { type: 'embed', target, alias, hint, joinType, spread, items };
}

function readCast(cursor: Cursor): string | null {
  if (!cursor.startsWith('::')) return null;
  cursor.position += 2;
  cursor.skipSpaces();
  const start = cursor.position;
  while (!cursor.done && /[\p{L}\p{N}_ $]/u.test(cursor.peek())) cursor.position += 1;
  const cast = cursor.text.slice(start, cursor.position).trim();
  if (cast === '') throw cursor.error('expecting a type name');
  return cast;
}

/** `.sum()` after a field; null when no aggregate follows. */
function readAggregate(cursor: Cursor): AggregateName | null {
  if (cursor.peek() !== '.') return null;
  for (const name of AGGREGATES) {
    if (cursor.startsWith(`.${name}()`)) {
      cursor.position += name.length + 3;
      return name;
    }
  }
  throw cursor.error('expecting an aggregate function (avg(), count(), max(), min(), sum())');
}

function readSelectItem(cursor: Cursor, depth: number, counter: SelectCounter): SelectItem {
  cursor.skipSpaces();
  if (cursor.peek() === '*') {
    cursor.position += 1;
    return { type: 'star' };
  }
  if (cursor.startsWith('...')) {
    cursor.position += 3;
    const target = readName(cursor);
    if (cursor.peek() !== '!' && cursor.peek() !== '(') throw cursor.error('expecting "(" after a spread relation');
    return readEmbed(cursor, target, null, true, depth, counter);
  }
  let alias: string | null = null;
  if (cursor.startsWith('count()')) return readCount(cursor, alias);
  let name = readName(cursor);
  if (cursor.peek() === ':' && cursor.peek(1) !== ':') {
    cursor.position += 1;
    alias = name;
    cursor.skipSpaces();
    if (cursor.startsWith('...')) throw cursor.error('a spread relation takes no alias');
    if (cursor.startsWith('count()')) return readCount(cursor, alias);
    name = readName(cursor);
  }
  if (cursor.peek() === '!' || cursor.peek() === '(') return readEmbed(cursor, name, alias, false, depth, counter);
  const path = readJsonPath(cursor);
  const cast = readCast(cursor);
  const aggregate = readAggregate(cursor);
  const aggregateCast = aggregate === null ? null : readCast(cursor);
  cursor.skipSpaces();
  if (!cursor.done && cursor.peek() !== ',' && cursor.peek() !== ')') throw cursor.error('expecting "," or ")"');
  return { type: 'field', field: { name, path }, alias, cast, aggregate, aggregateCast };
}

function readCount(cursor: Cursor, alias: string | null): SelectField {
  cursor.position += 'count()'.length;
  const aggregateCast = readCast(cursor);
  return { type: 'field', field: null, alias, cast: null, aggregate: 'count', aggregateCast };
}

export function parseSelect(text: string): SelectItem[] {
  const cursor = new Cursor(text, 'select parameter');
  if (text.trim() === '') return [{ type: 'star' }];
  const items = readSelectItems(cursor, 0, { items: 0, embeds: 0 });
  cursor.skipSpaces();
  if (!cursor.done) throw cursor.error('expecting "," or end of input');
  return items;
}

// ---------------------------------------------------------------------------------------------------------------
// lists, operations and logic trees

/** Splits at top-level commas, keeping double-quoted parts and parenthesised groups whole. */
function splitTopLevel(text: string, what: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '\\') i += 1;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === '(') depth += 1;
    else if (char === ')') {
      depth -= 1;
      if (depth < 0) throw queryParamError(what, text, i + 1, 'unexpected ")"');
    } else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted || depth !== 0) throw queryParamError(what, text, text.length + 1, 'unexpected end of input expecting a closing quote or parenthesis');
  parts.push(text.slice(start));
  return parts;
}

function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    return text.slice(1, -1).replace(/\\(.)/gs, '$1');
  }
  return text;
}

/** `(a,"b,c",d)` or `{a,b}` → elements; double-quoted elements may hold commas and parentheses. */
function parseList(text: string, open: string, close: string, what: string): string[] {
  if (!text.startsWith(open) || !text.endsWith(close) || text.length < 2) {
    throw queryParamError(what, text, 1, `unexpected ${JSON.stringify(text.slice(0, 1))} expecting "${open}"`);
  }
  const inner = text.slice(1, -1);
  if (inner === '') return [];
  const items: string[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < inner.length; i += 1) {
    const char = inner[i];
    if (quoted) {
      if (char === '\\' && i + 1 < inner.length) {
        current += inner[i + 1];
        i += 1;
      } else if (char === '"') quoted = false;
      else current += char;
    } else if (char === '"' && current === '' && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
    } else if (char === ',') {
      items.push(current);
      current = '';
      wasQuoted = false;
    } else {
      current += char;
    }
  }
  if (quoted) throw queryParamError(what, text, text.length + 1, 'unexpected end of input expecting a closing quote');
  items.push(current);
  return items;
}

const OPERATION = /^([a-z]+)(?:\(([^)]*)\))?\.([\s\S]*)$/;

/** `[not.]op[(modifier)].value` → a condition on `field`. Inside logic trees a value may be double-quoted. */
export function parseOperation(field: Field, text: string, inLogicTree: boolean): Condition {
  const what = 'filter';
  let rest = text;
  let negated = false;
  if (rest.startsWith('not.')) {
    negated = true;
    rest = rest.slice(4);
  }
  const match = OPERATION.exec(rest);
  const operator = match?.[1] as Operator | undefined;
  if (!match || !operator || !(OPERATORS as readonly string[]).includes(operator)) {
    const written = rest.split('.')[0];
    throw queryParamError(what, text, text.length - rest.length + written.length + 2, `unknown single value operator ${written}`);
  }
  const modifier = match[2] ?? null;
  let value = match[3];
  let quantifier: Condition['quantifier'] = null;
  let language: string | null = null;
  let values: string[] = [];
  if (modifier !== null) {
    if (FULL_TEXT.has(operator)) {
      if (modifier === '') throw queryParamError(what, text, text.indexOf('(') + 2, 'unexpected ")" expecting a text search configuration');
      language = modifier;
    } else if (QUANTIFIABLE.has(operator) && (modifier === 'any' || modifier === 'all')) {
      quantifier = modifier;
    } else {
      throw queryParamError(what, text, text.indexOf('(') + 1, `unexpected "(" expecting "."`);
    }
  }
  if (inLogicTree && operator !== 'in' && quantifier === null) value = unquote(value);
  if (operator === 'in') values = parseList(value, '(', ')', what);
  if (quantifier !== null) values = parseList(value, '{', '}', what);
  if (operator === 'is') {
    const lowered = value.toLowerCase();
    if (!(IS_VALUES as readonly string[]).includes(lowered)) {
      throw queryParamError(what, text, text.length - value.length + 1, 'expecting null or trilean value (unknown, true, false)');
    }
    value = lowered;
  }
  return { type: 'condition', field, negated, operator, quantifier, language, value, values };
}

const LOGIC_ITEM = /^(not\.)?(and|or)\(([\s\S]*)\)$/;

/** The value of `or=`/`and=`: `(a.eq.1,not.and(b.gt.2,c.is.null))`. */
export function parseLogicTree(operator: 'and' | 'or', negated: boolean, text: string, depth = 0): Logic {
  if (depth > MAX_NESTING) throw queryParamError('logic tree', text, 1, `nested deeper than ${MAX_NESTING} levels`);
  if (!text.startsWith('(') || !text.endsWith(')')) {
    throw queryParamError('logic tree', text, 1, 'expecting "("');
  }
  const children = splitTopLevel(text.slice(1, -1), 'logic tree').map((item): FilterNode => {
    const nested = LOGIC_ITEM.exec(item);
    if (nested) return parseLogicTree(nested[2] as 'and' | 'or', nested[1] !== undefined, `(${nested[3]})`, depth + 1);
    const cursor = new Cursor(item, 'logic tree');
    const field = readField(cursor);
    if (cursor.peek() !== '.') throw cursor.error('expecting "." and an operator');
    return parseOperation(field, item.slice(cursor.position + 1), true);
  });
  if (children.length === 0) throw queryParamError('logic tree', text, 2, 'unexpected ")" expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)');
  return { type: 'logic', operator, negated, children };
}

/** Splits a filter key at dots outside quotes: `rel.sub."a.b"` → [rel, sub, "a.b"]. */
export function splitKey(key: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of key) {
    if (char === '"') quoted = !quoted;
    if (char === '.' && !quoted) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

const stripQuotes = (segment: string) => (segment.length >= 2 && segment.startsWith('"') && segment.endsWith('"') ? segment.slice(1, -1) : segment.trim());

export interface ParsedFilter extends EmbedPath {
  node: FilterNode;
}

/** One filter query parameter (`col=op.val`, `rel.col=…`, `or=(…)`, `rel.not.and=(…)`). */
export function parseFilter(key: string, value: string): ParsedFilter {
  const segments = splitKey(key);
  const last = segments[segments.length - 1];
  if (last === 'or' || last === 'and') {
    const negated = segments.length >= 2 && segments[segments.length - 2] === 'not';
    const path = segments.slice(0, negated ? -2 : -1).map(stripQuotes);
    return { path, node: parseLogicTree(last, negated, value) };
  }
  const cursor = new Cursor(last, 'filter');
  const field = readField(cursor);
  if (!cursor.done) throw cursor.error('expecting a column name, optionally with a JSON path');
  return { path: segments.slice(0, -1).map(stripQuotes), node: parseOperation(field, value, false) };
}

// ---------------------------------------------------------------------------------------------------------------
// order

export function parseOrder(text: string): OrderTerm[] {
  return splitTopLevel(text, 'order parameter').map((term) => {
    const cursor = new Cursor(term, 'order parameter');
    let relation: string | null = null;
    let field = readField(cursor);
    if (cursor.peek() === '(' && field.path.length === 0) {
      relation = field.name;
      cursor.position += 1;
      field = readField(cursor);
      cursor.expect(')');
    }
    let direction: OrderTerm['direction'] = null;
    let nulls: OrderTerm['nulls'] = null;
    while (cursor.peek() === '.') {
      cursor.position += 1;
      const word = readName(cursor);
      if ((word === 'asc' || word === 'desc') && direction === null && nulls === null) direction = word;
      else if ((word === 'nullsfirst' || word === 'nullslast') && nulls === null) nulls = word === 'nullsfirst' ? 'first' : 'last';
      else throw cursor.error('expecting "asc", "desc", "nullsfirst" or "nullslast"');
    }
    if (!cursor.done) throw cursor.error('expecting "." or ","');
    return { relation, field, direction, nulls };
  });
}

/** `columns=a,b` and `on_conflict=a,b`: plain column names. */
export function parseColumnList(text: string, what: string): string[] {
  const cursor = new Cursor(text, what);
  const names: string[] = [];
  for (;;) {
    names.push(readName(cursor));
    if (cursor.done) return names;
    cursor.expect(',');
  }
}

/** `limit=10` / `offset=5`: an integer; anything else is ignored, as PostgREST ignores it. */
export function parseInteger(text: string): number | null {
  if (!/^\s*-?\d+\s*$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}
