/**
 * Stage 1 (PostgREST's ApiRequest): the HTTP request → a typed request. Path, method, schema (profile
 * headers), query string, Prefer/Accept/Content-Type/Range and the body; no knowledge of the tables.
 */
import type { HttpRequest } from '../http/types.ts';
import { invalidRange, invalidResourcePath, invalidRpcMethod, parseError, unacceptableSchema, unsupportedMethod } from './errors.ts';
import { decodeMediaType, parseAccept, type MediaType } from './media-type.ts';
import { parsePayload, type Payload } from './payload.ts';
import { parsePreferences, type Preferences } from './preferences.ts';
import {
  parseColumnList,
  parseFilter,
  parseInteger,
  parseOrder,
  parseSelect,
  splitKey,
  type OrderTerm,
  type ParsedFilter,
  type SelectItem,
} from './query-params.ts';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'OPTIONS';

export type Target = { kind: 'relation'; name: string } | { kind: 'function'; name: string } | { kind: 'root' };

export interface EmbedOrder {
  path: string[];
  terms: OrderTerm[];
}

export interface EmbedRange {
  path: string[];
  limit: number | null;
  offset: number | null;
}

/** What the request-independent stage needs from the server's settings. */
export interface RequestSettings {
  schemas: string[];
  allowTxOverride: boolean;
  timezones: ReadonlySet<string>;
}

export interface ApiRequest {
  method: Method;
  target: Target;
  /** The schema the request addresses, and whether the response names it (`Content-Profile`). */
  schema: string;
  negotiatedByProfile: boolean;
  /** Path as received (for `request.path`). */
  path: string;
  /** The parsed query parameters, in order. */
  params: [string, string][];
  select: SelectItem[];
  /** `select` was absent (or `*`): some responses differ (PostgREST's "default select"). */
  defaultSelect: boolean;
  filters: ParsedFilter[];
  /** Arguments of a function called by GET/HEAD: parameters whose value is not a filter. */
  rpcParams: [string, string][];
  orders: EmbedOrder[];
  ranges: EmbedRange[];
  /** The root range: query parameters first, then the Range header. */
  offset: number;
  limit: number | null;
  /** `limit`/`offset` query parameters were given for the root. */
  rootRangeGiven: boolean;
  columns: string[] | null;
  onConflict: string[] | null;
  preferences: Preferences;
  accept: MediaType[];
  contentType: MediaType;
  payload: Payload | null;
  headers: Record<string, string | undefined>;
}

const RESERVED = new Set(['select', 'columns', 'on_conflict']);
const EMBEDDABLE_RESERVED = new Set(['order', 'limit', 'offset', 'and', 'or']);
const SIMPLE_OPERATORS = new Set(['eq', 'gte', 'gt', 'lte', 'lt', 'neq', 'like', 'ilike', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj', 'match', 'imatch', 'isdistinct']);
const FTS_OPERATORS = new Set(['fts', 'plfts', 'phfts', 'wfts']);

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw parseError('failed to parse the query string', `invalid percent-encoding in "${text.slice(0, 40)}"`);
  }
}

export function parseQueryString(query: string): [string, string][] {
  if (query === '') return [];
  return query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals < 0 ? [decodeComponent(pair), ''] : [decodeComponent(pair.slice(0, equals)), decodeComponent(pair.slice(equals + 1))];
    });
}

/** RFC 3986 escaping of everything but unreserved characters (Haskell's urlEncodeVars). */
const RFC3986_EXTRA = /[!'()*]/g;
const percent = (char: string) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`;
function encodeStrict(text: string): string {
  const encoded = encodeURIComponent(text);
  return /[!'()*]/.test(encoded) ? encoded.replace(RFC3986_EXTRA, percent) : encoded;
}
const byName = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** The query string with parameters sorted by name, re-encoded, as PostgREST's Content-Location shows it. */
export function canonicalQuery(params: [string, string][]): string {
  const sorted = [...params].sort(byName);
  let query = '';
  for (const [key, value] of sorted) query += `${query === '' ? '' : '&'}${encodeStrict(key)}=${encodeStrict(value)}`;
  return query;
}

function parseTarget(path: string): Target {
  const segments = path.split('/').filter((segment) => segment !== '').map(decodeComponent);
  if (segments.length === 0) return { kind: 'root' };
  if (segments.length === 1 && segments[0] !== 'rpc') return { kind: 'relation', name: segments[0] };
  if (segments.length === 2 && segments[0] === 'rpc') return { kind: 'function', name: segments[1] };
  throw invalidResourcePath();
}

const METHODS = new Set<Method>(['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS']);

function parseMethod(method: string, target: Target): Method {
  if (!METHODS.has(method as Method)) throw unsupportedMethod(method);
  if (target.kind === 'function' && !['GET', 'HEAD', 'POST', 'OPTIONS'].includes(method)) throw invalidRpcMethod(method);
  if (target.kind === 'root' && !['GET', 'HEAD', 'OPTIONS'].includes(method)) throw unsupportedMethod(method);
  return method as Method;
}

/**
 * PostgREST honours profile headers only when several schemas are exposed (`Accept-Profile` for reads,
 * `Content-Profile` for writes), and then names the schema in every response.
 */
function resolveSchema(request: HttpRequest, method: Method, schemas: string[]): { schema: string; negotiatedByProfile: boolean } {
  if (schemas.length <= 1) return { schema: schemas[0], negotiatedByProfile: false };
  const writes = method === 'POST' || method === 'PATCH' || method === 'PUT' || method === 'DELETE';
  const profile = writes ? request.headers['content-profile'] : request.headers['accept-profile'];
  if (profile === undefined) return { schema: schemas[0], negotiatedByProfile: true };
  if (!schemas.includes(profile)) throw unacceptableSchema(profile, schemas);
  return { schema: profile, negotiatedByProfile: true };
}

/** `Range: 0-9` (optionally `items=0-9`): offset and limit. Malformed headers are ignored, as PostgREST does. */
function parseRangeHeader(header: string | undefined): { offset: number; limit: number | null } | null {
  if (!header) return null;
  const match = /^\s*(?:items=)?(\d+)-(\d*)\s*$/.exec(header);
  if (!match) return null;
  const lower = Number(match[1]);
  if (!Number.isSafeInteger(lower)) return null;
  if (match[2] === '') return { offset: lower, limit: null };
  const upper = Number(match[2]);
  if (!Number.isSafeInteger(upper)) return null;
  if (upper < lower) throw invalidRange('The lower boundary must be lower than or equal to the upper boundary in the Range header.');
  return { offset: lower, limit: upper - lower + 1 };
}

/** The range entry of an embedded resource, created on first use. */
function rangeFor(ranges: EmbedRange[], path: string[]): EmbedRange {
  const key = path.join('\u0000');
  let range = ranges.find((candidate) => candidate.path.join('\u0000') === key);
  if (!range) {
    range = { path, limit: null, offset: null };
    ranges.push(range);
  }
  return range;
}

/** PostgREST's test for a query parameter meant as a filter rather than a function argument. */
function looksLikeFilter(key: string, value: string): boolean {
  if (key.includes('.')) return true;
  const parts = value.split('.');
  if (parts[0] === 'not' && parts.length > 2) return true;
  if (parts[0] === 'is' || parts[0] === 'in') return true;
  if (SIMPLE_OPERATORS.has(parts[0]) || FTS_OPERATORS.has(parts[0])) return true;
  const paren = value.split('(');
  return paren.length > 1 && FTS_OPERATORS.has(paren[0]);
}

export function parseApiRequest(request: HttpRequest, settings: RequestSettings): ApiRequest {
  const target = parseTarget(request.path);
  const method = parseMethod(request.method, target);
  const { schema, negotiatedByProfile } = resolveSchema(request, method, settings.schemas);
  const preferences = parsePreferences(request.headers.prefer, settings.allowTxOverride, settings.timezones);
  const accept = parseAccept(request.headers.accept);
  const contentType = decodeMediaType(request.headers['content-type'] ?? 'application/json');
  const params = parseQueryString(request.query);

  let select: SelectItem[] = [{ type: 'star' }];
  let defaultSelect = true;
  const filters: ParsedFilter[] = [];
  const rpcParams: [string, string][] = [];
  const orders: EmbedOrder[] = [];
  const ranges: EmbedRange[] = [];
  let columns: string[] | null = null;
  let onConflict: string[] | null = null;
  let rootLimit: number | null = null;
  let rootOffset: number | null = null;
  const argumentsInQuery = target.kind === 'function' && (method === 'GET' || method === 'HEAD');

  for (const [key, value] of params) {
    if (RESERVED.has(key)) {
      if (key === 'select') {
        select = parseSelect(value);
        defaultSelect = value.trim() === '' || value.trim() === '*';
      } else if (key === 'columns') columns = parseColumnList(value, 'columns parameter');
      else onConflict = parseColumnList(value, 'on_conflict parameter');
      continue;
    }
    const segments = splitKey(key);
    const last = segments[segments.length - 1];
    if (last === 'order' || last === 'limit' || last === 'offset') {
      const path = segments.slice(0, -1);
      if (last === 'order') orders.push({ path, terms: parseOrder(value) });
      else if (path.length === 0) {
        if (last === 'limit') rootLimit = parseInteger(value) ?? rootLimit;
        else rootOffset = parseInteger(value) ?? rootOffset;
      } else if (last === 'limit') rangeFor(ranges, path).limit = parseInteger(value) ?? rangeFor(ranges, path).limit;
      else rangeFor(ranges, path).offset = parseInteger(value) ?? rangeFor(ranges, path).offset;
      continue;
    }
    if (argumentsInQuery && !EMBEDDABLE_RESERVED.has(last) && !looksLikeFilter(key, value)) {
      rpcParams.push([key, value]);
      continue;
    }
    filters.push(parseFilter(key, value));
  }

  for (const range of ranges) {
    if ((range.limit ?? 0) < 0 || (range.offset ?? 0) < 0) throw invalidRange('Limit should be greater than or equal to zero.');
  }
  if ((rootLimit ?? 0) < 0 || (rootOffset ?? 0) < 0) throw invalidRange('Limit should be greater than or equal to zero.');
  const headerRange = method === 'GET' || method === 'HEAD' ? parseRangeHeader(request.headers.range) : null;

  const hasBody = method === 'POST' || method === 'PATCH' || method === 'PUT';
  return {
    method,
    target,
    schema,
    negotiatedByProfile,
    path: request.path,
    params,
    select,
    defaultSelect,
    filters,
    rpcParams,
    orders,
    ranges,
    offset: rootOffset ?? headerRange?.offset ?? 0,
    limit: rootLimit ?? headerRange?.limit ?? null,
    rootRangeGiven: rootLimit !== null || rootOffset !== null,
    columns,
    onConflict,
    preferences,
    accept,
    contentType,
    payload: hasBody ? parsePayload(request.body, contentType, target.kind === 'function') : null,
    headers: request.headers,
  };
}
