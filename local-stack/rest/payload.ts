/**
 * The request body (PostgREST's Payload): JSON (depth-bounded, so no later step can overflow the stack on a
 * hostile document), form fields, CSV rows, or the raw bytes a function with one unnamed text/xml/bytea
 * parameter receives.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { invalidBody } from './errors.ts';
import { mimeOf, type MediaType } from './media-type.ts';

export type Payload =
  /** A JSON document, form fields or CSV rows: `value` is what they mean as JSON, `raw` its JSON text. */
  | { kind: 'json'; value: unknown; raw: string }
  /** text/plain, text/xml or application/octet-stream: for a function's one unnamed parameter. */
  | { kind: 'raw'; media: 'text' | 'xml' | 'octet-stream'; bytes: Buffer };

/** Deeper documents are refused before parsing (real payloads stay far below). */
export const MAX_JSON_DEPTH = 256;

const EMPTY_OR_INVALID = 'Empty or invalid json';

/** Nesting depth of a JSON text, stopping as soon as it exceeds `limit` (strings are skipped). */
function exceedsDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i += 1;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (code === 0x5d || code === 0x7d) depth -= 1;
  }
  return false;
}

export function parseJsonText(text: string): unknown {
  if (exceedsDepth(text, MAX_JSON_DEPTH)) throw invalidBody(EMPTY_OR_INVALID, `The JSON document is nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidBody(EMPTY_OR_INVALID);
  }
}

/** CSV with a header line: one object per line; the text `NULL` is SQL null, as PostgREST reads it. */
function csvRows(text: string): Record<string, string | null>[] {
  let records: string[][];
  try {
    records = parseCsv(text, { relax_column_count: false, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw invalidBody(error instanceof Error ? error.message : 'Invalid CSV');
  }
  const [header, ...lines] = records;
  if (!header) return [];
  return lines.map((line) => Object.fromEntries(header.map((name, index) => [name, line[index] === 'NULL' ? null : line[index]])));
}

export function parsePayload(body: Buffer, contentType: MediaType, forFunction: boolean): Payload | null {
  switch (contentType.kind) {
    case 'json':
    case 'any': {
      const text = body.toString('utf8');
      if (text.trim() === '') {
        if (forFunction) return { kind: 'json', value: {}, raw: '{}' };
        throw invalidBody(EMPTY_OR_INVALID);
      }
      return { kind: 'json', value: parseJsonText(text), raw: text };
    }
    case 'urlencoded': {
      const value = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      return { kind: 'json', value, raw: JSON.stringify(value) };
    }
    case 'csv': {
      if (forFunction) break;
      const value = csvRows(body.toString('utf8'));
      return { kind: 'json', value, raw: JSON.stringify(value) };
    }
    case 'text':
    case 'xml':
    case 'octet-stream':
      if (forFunction) return { kind: 'raw', media: contentType.kind, bytes: body };
      break;
    default:
      break;
  }
  throw invalidBody(`Content-Type not acceptable: ${mimeOf(contentType)}`);
}
