/**
 * Stage 1 (PostgREST's ApiRequest): the HTTP request → a typed request. Path, method, query string,
 * Prefer/Accept/Range/profile headers and the JSON body; no schema knowledge.
 */
import type { HttpRequest } from '../http/types.ts';
import {
  invalidBody,
  invalidPreferences,
  invalidRange,
  invalidResourcePath,
  invalidRpcMethod,
  notImplemented,
  parseError,
  unacceptableMediaType,
  unacceptableSchema,
  unsupportedContentType,
  unsupportedMethod,
} from './errors.ts';
import {
  parseColumnList,
  parseFilter,
  parseNonNegativeInteger,
  parseOrder,
  parseSelect,
  splitKey,
  type OrderTerm,
  type ParsedFilter,
  type SelectItem,
} from './query-params.ts';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE';

export type Target = { kind: 'relation'; name: string } | { kind: 'function'; name: string };

export interface Preferences {
  return: 'minimal' | 'representation' | 'headers-only' | null;
  count: 'exact' | 'planned' | 'estimated' | null;
  resolution: 'merge-duplicates' | 'ignore-duplicates' | null;
  missing: 'default' | 'null' | null;
}

/** What the client accepts: a JSON array, one JSON object (`.single()`), or CSV; `nulls=stripped` drops null keys. */
export interface MediaType {
  kind: 'array' | 'object' | 'csv';
  stripNulls: boolean;
}

export interface EmbedOrder {
  path: string[];
  terms: OrderTerm[];
}

export interface EmbedRange {
  path: string[];
  limit: number | null;
  offset: number | null;
}

export interface ApiRequest {
  method: Method;
  target: Target;
  /** Path and query as received (for `request.path` and Content-Location). */
  path: string;
  query: string;
  select: SelectItem[];
  /** Parsed filters; for a GET/HEAD call the non-reserved parameters stay raw until the function is known. */
  filters: ParsedFilter[];
  rawParams: [string, string][];
  orders: EmbedOrder[];
  ranges: EmbedRange[];
  /** The root range: query parameters first, then the Range header. */
  offset: number;
  limit: number | null;
  columns: string[] | null;
  onConflict: string[] | null;
  preferences: Preferences;
  media: MediaType;
  /** The parsed JSON body (undefined for GET/HEAD/DELETE). */
  body: unknown;
  headers: Record<string, string | undefined>;
}

const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict']);

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

function parseTarget(path: string): Target {
  const segments = path.split('/').filter((segment) => segment !== '').map(decodeComponent);
  if (segments.length === 1 && segments[0] !== 'rpc') return { kind: 'relation', name: segments[0] };
  if (segments.length === 2 && segments[0] === 'rpc') return { kind: 'function', name: segments[1] };
  if (segments.length === 0) throw notImplemented('The root endpoint (OpenAPI description)');
  throw invalidResourcePath();
}

function parseMethod(method: string, target: Target): Method {
  if (target.kind === 'function') {
    if (method === 'GET' || method === 'HEAD' || method === 'POST') return method;
    throw invalidRpcMethod(method);
  }
  if (method === 'GET' || method === 'HEAD' || method === 'POST' || method === 'PATCH' || method === 'DELETE') return method;
  if (method === 'PUT') throw unsupportedMethod(method, 'PUT upserts are not supported by the local REST API; use POST with Prefer: resolution=merge-duplicates');
  throw unsupportedMethod(method);
}

/** `Prefer: return=representation, count=exact` (several Prefer headers arrive joined with commas). */
export function parsePreferences(header: string | undefined): Preferences {
  const preferences: Preferences = { return: null, count: null, resolution: null, missing: null };
  const invalid: string[] = [];
  let strict = false;
  for (const raw of (header ?? '').split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [key, value = ''] = item.split('=').map((part) => part.trim());
    switch (key) {
      case 'return':
        if (value === 'minimal' || value === 'representation' || value === 'headers-only') preferences.return = value;
        else invalid.push(item);
        break;
      case 'count':
        if (value === 'exact' || value === 'planned' || value === 'estimated') preferences.count = value;
        else invalid.push(item);
        break;
      case 'resolution':
        if (value === 'merge-duplicates' || value === 'ignore-duplicates') preferences.resolution = value;
        else invalid.push(item);
        break;
      case 'missing':
        if (value === 'default' || value === 'null') preferences.missing = value;
        else invalid.push(item);
        break;
      case 'handling':
        if (value === 'strict') strict = true;
        else if (value !== 'lenient') invalid.push(item);
        break;
      case 'tx':
      case 'timezone':
      case 'params':
      case 'max-affected':
        // Accepted and ignored, as PostgREST does when the server does not allow them.
        break;
      default:
        invalid.push(item);
    }
  }
  if (strict && invalid.length > 0) throw invalidPreferences(invalid);
  return preferences;
}

/** Picks the first supported media type of the Accept header. */
export function parseAccept(header: string | undefined): MediaType {
  if (header === undefined || header.trim() === '') return { kind: 'array', stripNulls: false };
  const offered = header.split(',').map((part) => part.trim()).filter((part) => part !== '');
  for (const entry of offered) {
    const [type, ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    const stripNulls = params.includes('nulls=stripped');
    switch (type) {
      case '*/*':
      case 'application/*':
      case 'application/json':
      case 'application/vnd.pgrst.array+json':
        return { kind: 'array', stripNulls };
      case 'application/vnd.pgrst.object+json':
      case 'application/vnd.pgrst.object':
        return { kind: 'object', stripNulls };
      case 'text/csv':
        return { kind: 'csv', stripNulls: false };
      default:
        break;
    }
  }
  throw unacceptableMediaType(offered.map((entry) => entry.split(';')[0].trim()));
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

function checkProfile(request: HttpRequest, method: Method): void {
  const header = method === 'GET' || method === 'HEAD' ? request.headers['accept-profile'] : request.headers['content-profile'];
  if (header !== undefined && header.trim() !== 'public') throw unacceptableSchema(header.trim());
}

function parseBody(request: HttpRequest, method: Method, target: Target): unknown {
  if (method === 'GET' || method === 'HEAD' || method === 'DELETE') return undefined;
  const contentType = (request.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
  const isJson = contentType === '' || contentType === 'application/json' || /^application\/[\w.+-]*\+json$/.test(contentType);
  if (!isJson) throw unsupportedContentType(contentType);
  const text = request.body.toString('utf8');
  if (text.trim() === '') {
    if (target.kind === 'function') return {};
    throw invalidBody('Empty or invalid json');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidBody('Empty or invalid json');
  }
}

export function parseApiRequest(request: HttpRequest): ApiRequest {
  const target = parseTarget(request.path);
  const method = parseMethod(request.method, target);
  checkProfile(request, method);
  const preferences = parsePreferences(request.headers.prefer);
  const media = parseAccept(request.headers.accept);
  const params = parseQueryString(request.query);

  let select: SelectItem[] = [{ type: 'star' }];
  const filters: ParsedFilter[] = [];
  const rawParams: [string, string][] = [];
  const orders: EmbedOrder[] = [];
  const ranges: EmbedRange[] = [];
  let columns: string[] | null = null;
  let onConflict: string[] | null = null;
  let rootLimit: number | null = null;
  let rootOffset: number | null = null;
  const deferFilters = target.kind === 'function' && method !== 'POST';

  const rangeFor = (path: string[]): EmbedRange => {
    const key = path.join('\u0000');
    let range = ranges.find((candidate) => candidate.path.join('\u0000') === key);
    if (!range) {
      range = { path, limit: null, offset: null };
      ranges.push(range);
    }
    return range;
  };

  for (const [key, value] of params) {
    if (RESERVED.has(key)) {
      switch (key) {
        case 'select':
          select = parseSelect(value);
          break;
        case 'order':
          orders.push({ path: [], terms: parseOrder(value) });
          break;
        case 'limit':
          rootLimit = parseNonNegativeInteger(value, 'limit');
          break;
        case 'offset':
          rootOffset = parseNonNegativeInteger(value, 'offset');
          break;
        case 'columns':
          columns = parseColumnList(value, 'columns parameter');
          break;
        case 'on_conflict':
          onConflict = parseColumnList(value, 'on_conflict parameter');
          break;
      }
      continue;
    }
    const segments = splitKey(key);
    const last = segments[segments.length - 1];
    if (segments.length > 1 && (last === 'order' || last === 'limit' || last === 'offset')) {
      const path = segments.slice(0, -1);
      if (last === 'order') orders.push({ path, terms: parseOrder(value) });
      else if (last === 'limit') rangeFor(path).limit = parseNonNegativeInteger(value, 'limit');
      else rangeFor(path).offset = parseNonNegativeInteger(value, 'offset');
      continue;
    }
    if (deferFilters) rawParams.push([key, value]);
    else filters.push(parseFilter(key, value));
  }

  for (const range of ranges) {
    if ((range.limit ?? 0) < 0 || (range.offset ?? 0) < 0) throw invalidRange('Limit should be greater than or equal to zero.');
  }
  if ((rootLimit ?? 0) < 0 || (rootOffset ?? 0) < 0) throw invalidRange('Limit should be greater than or equal to zero.');
  const headerRange = method === 'GET' || method === 'HEAD' ? parseRangeHeader(request.headers.range) : null;
  const offset = rootOffset ?? headerRange?.offset ?? 0;
  const limit = rootLimit ?? headerRange?.limit ?? null;

  return {
    method,
    target,
    path: request.path,
    query: request.query,
    select,
    filters,
    rawParams,
    orders,
    ranges,
    offset,
    limit,
    columns,
    onConflict,
    preferences,
    media,
    body: parseBody(request, method, target),
    headers: request.headers,
  };
}
