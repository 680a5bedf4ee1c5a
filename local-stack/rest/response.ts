/**
 * Stage 4: the HTTP response for a plan's result: status (200/201/204/206), Content-Range, Preference-Applied,
 * Content-Location/Location and the body in the negotiated media type.
 */
import type { HttpResponse } from '../http/types.ts';
import type { ApiRequest } from './api-request.ts';
import { invalidRange } from './errors.ts';
import type { Plan } from './plan.ts';
import type { QueryResult } from './query.ts';

const JSON_TYPE = 'application/json; charset=utf-8';
const OBJECT_TYPE = 'application/vnd.pgrst.object+json; charset=utf-8';
const CSV_TYPE = 'text/csv; charset=utf-8';

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A JSON array of objects as CSV with a header line (keys of the first row). */
function toCsv(json: string): string {
  const parsed: unknown = JSON.parse(json);
  const rows = (Array.isArray(parsed) ? parsed : [parsed]).filter(
    (row): row is Record<string, unknown> => row !== null && typeof row === 'object' && !Array.isArray(row),
  );
  if (rows.length === 0) return '';
  const keys = Object.keys(rows[0]);
  return [keys.map(csvCell).join(','), ...rows.map((row) => keys.map((key) => csvCell(row[key])).join(','))].join('\n');
}

function contentRange(offset: number, rows: number, total: number | null): string {
  const range = rows > 0 ? `${offset}-${offset + rows - 1}` : '*';
  return `${range}/${total ?? '*'}`;
}

function preferenceApplied(request: ApiRequest, plan: Plan): string | null {
  const applied: string[] = [];
  const { preferences } = request;
  if (preferences.return && plan.kind !== 'read' && plan.kind !== 'call') applied.push(`return=${preferences.return}`);
  if (preferences.count) applied.push(`count=${preferences.count}`);
  if (preferences.resolution && plan.kind === 'insert') applied.push(`resolution=${preferences.resolution}`);
  if (preferences.missing && plan.kind === 'insert') applied.push(`missing=${preferences.missing}`);
  return applied.length > 0 ? applied.join(', ') : null;
}

function bodyResponse(request: ApiRequest, status: number, body: string | null, headers: Record<string, string>): HttpResponse {
  if (body === null || request.method === 'HEAD') {
    const contentType = request.media.kind === 'csv' ? CSV_TYPE : request.media.kind === 'object' ? OBJECT_TYPE : JSON_TYPE;
    return { status, headers: { 'content-type': contentType, ...headers } };
  }
  if (request.media.kind === 'csv') return { status, headers: { 'content-type': CSV_TYPE, ...headers }, body: toCsv(body) };
  return { status, headers: { 'content-type': request.media.kind === 'object' ? OBJECT_TYPE : JSON_TYPE, ...headers }, body };
}

/** `Location: /books?id=eq.1` for an insert with `return=headers-only`. */
function location(request: ApiRequest, plan: Plan, body: string | null): string | null {
  if (plan.kind !== 'insert' || body === null) return null;
  const parsed: unknown = JSON.parse(body);
  const row = Array.isArray(parsed) ? parsed[0] : parsed;
  if (row === null || typeof row !== 'object') return null;
  const query = plan.relation.primaryKey
    .map((key) => `${encodeURIComponent(key)}=eq.${encodeURIComponent(String((row as Record<string, unknown>)[key]))}`)
    .join('&');
  return `/${encodeURIComponent(plan.relation.name)}${query ? `?${query}` : ''}`;
}

export function respond(request: ApiRequest, plan: Plan, result: QueryResult): HttpResponse {
  const headers: Record<string, string> = {};
  const applied = preferenceApplied(request, plan);
  if (applied) headers['preference-applied'] = applied;

  if (plan.kind === 'read' || (plan.kind === 'call' && plan.tree !== null)) {
    const tree = plan.kind === 'read' ? plan.tree : plan.tree;
    const offset = tree?.offset ?? 0;
    const { total, pageTotal } = result;
    if (total !== null && offset > total) {
      throw invalidRange(`An offset of ${offset} was requested, but there are only ${total} rows.`);
    }
    headers['content-range'] = contentRange(offset, pageTotal, total);
    if (plan.kind === 'read') headers['content-location'] = `${request.path}${request.query ? `?${request.query}` : ''}`;
    const status = total !== null && pageTotal < total ? 206 : 200;
    return bodyResponse(request, status, result.body ?? (request.media.kind === 'object' ? 'null' : '[]'), headers);
  }

  if (plan.kind === 'call') {
    if (plan.fn.returns === 'void') return { status: 204, headers };
    return bodyResponse(request, 200, result.body ?? 'null', headers);
  }

  const returned = request.preferences.return;
  if (plan.kind === 'insert') {
    headers['content-range'] = contentRange(0, 0, result.total);
    if (returned === 'headers-only') {
      const target = location(request, plan, result.body);
      if (target) headers.location = target;
      return { status: 201, headers };
    }
    if (returned === 'representation') return bodyResponse(request, 201, result.body, headers);
    return { status: 201, headers };
  }
  headers['content-range'] = contentRange(0, result.pageTotal, result.total);
  if (returned === 'representation') return bodyResponse(request, 200, result.body, headers);
  return { status: 204, headers };
}
