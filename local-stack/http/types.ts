/** What the gateway hands to an API (auth or rest): the request fully read, headers lower-cased. */
export interface HttpRequest {
  method: string;
  /** Path below the API's prefix, e.g. `/users` for `/rest/v1/users`; always starts with `/`. */
  path: string;
  /** Raw query string without the leading `?` (PostgREST semantics need the raw form). */
  query: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type Handler = (request: HttpRequest) => Promise<HttpResponse>;

/** An API mounted by the gateway under a prefix. */
export interface Api {
  handle: Handler;
  close(): Promise<void>;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  };
}
