import type http from 'node:http';

/** RFC 9110 token characters: what Node accepts as a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What Node accepts in a header value once it is a byte string. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const BEYOND_LATIN1 = /[^\x00-\xff]/;

export function lowerCaseHeaders(req: http.IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * Response headers as Node can send them. A value with characters beyond Latin-1 (a function's
 * `Content-Disposition: attachment; filename="résumé→.csv"`) goes out as its UTF-8 bytes, as PostgREST
 * sends it; a name or value that can never be valid (CR/LF, control characters) is dropped and reported,
 * never thrown: one bad header must not turn into a crash.
 */
export function sendableHeaders(
  headers: Record<string, string | number | readonly string[] | undefined>,
  onDropped: (name: string) => void,
): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    if (!HEADER_NAME.test(name)) {
      onDropped(name);
      continue;
    }
    const values = (Array.isArray(raw) ? raw : [String(raw)]).map((value: string) =>
      BEYOND_LATIN1.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value,
    );
    if (!values.every((value) => HEADER_VALUE.test(value))) {
      onDropped(name);
      continue;
    }
    result[name] = values.length === 1 ? values[0] : values;
  }
  return result;
}
