/**
 * Stage 4 (PostgREST's Response): status, Content-Range, Content-Location, Location, Preference-Applied,
 * Content-Type/Content-Profile and the body for a plan's result, then the status and headers the SQL set
 * (`response.status`, `response.headers`).
 */
import type { HttpResponse } from '../http/types.ts';
import { canonicalQuery, type ApiRequest } from './api-request.ts';
import { errorResponse, gucHeadersError, gucStatusError, headerField, invalidRange } from './errors.ts';
import { contentTypeOf } from './media-type.ts';
import type { ActionPlan } from './plan-types.ts';
import { preferenceApplied, type Preferences } from './preferences.ts';
import type { QueryResult } from './query.ts';

type Headers = Record<string, string>;

/** PostgREST's contentRangeH: `lower-upper/total`, `*` when the page is empty or the total is 0 or unknown. */
function contentRange(lower: number, upper: number, total: number | null): string {
  const range = total !== 0 && lower <= upper ? `${lower}-${upper}` : '*';
  return `${range}/${total ?? '*'}`;
}

/** Status and Content-Range of a page of rows (reads and function calls). */
function pageStatus(offset: number, rows: number, total: number | null): { status: number; range: string } {
  const upper = offset + rows - 1;
  let status = 200;
  if (total !== null) {
    if (offset > total) status = 416;
    else if (1 + upper - offset < total) status = 206;
  }
  return { status, range: contentRange(offset, upper, total) };
}

function typeHeaders(request: ApiRequest, action: ActionPlan): Headers {
  const headers: Headers = { 'content-type': contentTypeOf(action.output.media) };
  if (request.negotiatedByProfile) headers['content-profile'] = request.schema;
  return headers;
}

const RFC3986 = /[!'()*]/g;
const encodeQueryPart = (text: string) => encodeURIComponent(text).replace(RFC3986, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');

/** `Location: /books?id=eq.1` from the first inserted row's primary key. */
function location(table: string, firstRow: string | null): string | null {
  if (firstRow === null) return null;
  const row = JSON.parse(firstRow) as Record<string, unknown>;
  const query = Object.entries(row)
    .map(([key, value]) => `${encodeQueryPart(key)}=${encodeQueryPart(value === null ? 'is.null' : `eq.${typeof value === 'string' ? value : JSON.stringify(value)}`)}`)
    .join('&');
  return `/${table}${query ? `?${query}` : ''}`;
}

/** What each kind of response reports in Preference-Applied (PostgREST's Response.hs). */
const KEPT = {
  read: new Set<keyof Preferences>(['count', 'tx', 'handling', 'timezone']),
  call: new Set<keyof Preferences>(['count', 'tx', 'handling', 'timezone', 'maxAffected']),
  put: new Set<keyof Preferences>(['return', 'count', 'tx', 'handling', 'timezone']),
  insert: new Set<keyof Preferences>(['resolution', 'missing', 'return', 'count', 'tx', 'handling', 'timezone']),
  insertWithoutKey: new Set<keyof Preferences>(['missing', 'return', 'count', 'tx', 'handling', 'timezone']),
  update: new Set<keyof Preferences>(['return', 'count', 'tx', 'missing', 'handling', 'timezone', 'maxAffected']),
  delete: new Set<keyof Preferences>(['return', 'count', 'tx', 'handling', 'timezone', 'maxAffected']),
};

function setApplied(headers: Headers, preferences: Preferences, kept: ReadonlySet<keyof Preferences>): void {
  const value = preferenceApplied(preferences, kept);
  if (value) headers['preference-applied'] = value;
}

/** `response.status` and `response.headers` set by the request's SQL override what PostgREST would send. */
function overrides(result: QueryResult, status: number, headers: Headers): { status: number; headers: Headers } {
  let finalStatus = status;
  if (result.responseStatus !== null) {
    const parsed = Number(result.responseStatus);
    if (!/^\d+$/.test(result.responseStatus.trim()) || parsed < 100 || parsed > 599) throw gucStatusError();
    finalStatus = parsed;
  }
  if (result.responseHeaders === null) return { status: finalStatus, headers };
  let list: unknown;
  try {
    list = JSON.parse(result.responseHeaders);
  } catch {
    throw gucHeadersError();
  }
  if (!Array.isArray(list)) throw gucHeadersError();
  const pairs: [string, string][] = [];
  for (const item of list) {
    const entries = item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.entries(item as Record<string, unknown>) : [];
    if (entries.length !== 1 || typeof entries[0][1] !== 'string') throw gucHeadersError();
    const [name, value] = entries[0] as [string, string];
    const header = headerField(name, value);
    if (header) pairs.push(header);
  }
  return { status: finalStatus, headers: { ...headers, ...Object.fromEntries(pairs) } };
}

function withBody(status: number, headers: Headers, body: string | null): HttpResponse {
  return body === null ? { status, headers } : { status, headers, body };
}

export function respond(request: ApiRequest, action: ActionPlan, result: QueryResult): HttpResponse {
  const { plan, preferences } = action;
  const head = request.method === 'HEAD';
  if (action.output.media.kind === 'plan') return { status: 200, headers: typeHeaders(request, action), body: result.body ?? '' };

  let status: number;
  let headers: Headers = {};
  let body: string | null = null;

  if (plan.kind === 'read' || plan.kind === 'call') {
    const offset = plan.kind === 'read' ? plan.root.offset : (plan.root?.offset ?? 0);
    const page = pageStatus(offset, result.pageTotal, result.total);
    headers['content-range'] = page.range;
    if (plan.kind === 'read') {
      const query = canonicalQuery(request.params);
      headers['content-location'] = `/${plan.relation.name}${query ? `?${query}` : ''}`;
      setApplied(headers, preferences, KEPT.read);
    } else {
      setApplied(headers, preferences, KEPT.call);
    }
    if (plan.kind === 'call' && plan.fn.returns === 'void') {
      status = 204;
    } else {
      status = page.status;
      headers = { ...headers, ...typeHeaders(request, action) };
      if (status === 416) {
        const error = invalidRange(`An offset of ${offset} was requested, but there are only ${result.total ?? 0} rows.`);
        body = errorResponse(error).body as string;
      } else if (!head) body = result.body ?? (action.output.single ? 'null' : '[]');
    }
  } else if (plan.kind === 'insert' && plan.put) {
    setApplied(headers, preferences, KEPT.put);
    if (preferences.return === 'representation') {
      status = (result.inserted ?? 0) > 0 ? 201 : 200;
      headers = { ...typeHeaders(request, action), ...headers };
      body = result.body;
    } else status = 204;
  } else if (plan.kind === 'insert') {
    const resolutionApplies = plan.relation.primaryKey.length > 0 || request.onConflict !== null;
    setApplied(headers, preferences, resolutionApplies ? KEPT.insert : KEPT.insertWithoutKey);
    const target = preferences.return === 'headers-only' ? location(plan.relation.name, result.firstRow) : null;
    if (target) headers.location = target;
    headers['content-range'] = contentRange(1, 0, action.count === 'exact' || action.count === 'estimated' ? result.pageTotal : null);
    status = result.inserted !== null && result.inserted <= 0 && preferences.resolution === 'merge-duplicates' ? 200 : 201;
    if (preferences.return === 'representation') {
      headers = { ...headers, ...typeHeaders(request, action) };
      body = result.body ?? '[]';
    }
  } else {
    const counted = action.count === 'exact' || action.count === 'estimated' ? result.pageTotal : null;
    if (plan.kind === 'update') {
      headers['content-range'] = contentRange(0, result.pageTotal - 1, counted);
      setApplied(headers, preferences, KEPT.update);
    } else {
      headers['content-range'] = contentRange(1, 0, counted);
      setApplied(headers, preferences, KEPT.delete);
    }
    if (preferences.return === 'representation') {
      status = 200;
      headers = { ...headers, ...typeHeaders(request, action) };
      body = result.body ?? (action.output.single ? 'null' : '[]');
    } else status = 204;
  }

  const final = overrides(result, status, headers);
  return withBody(final.status, final.headers, head ? null : body);
}
