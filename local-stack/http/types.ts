import type http from 'node:http';
import type { Duplex } from 'node:stream';

/** What the gateway hands to an API (auth or rest): the request fully read, headers lower-cased. */
export interface HttpRequest {
  method: string;
  /** Path below the API's prefix, e.g. `/users` for `/rest/v1/users`; always starts with `/`. */
  path: string;
  /** Raw query string without the leading `?` (PostgREST semantics need the raw form). */
  query: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** The client's socket address (rate limits count per client); absent when unknown. */
  remoteAddress?: string;
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

/**
 * An API that takes over the connection of an HTTP Upgrade request under its prefix (Realtime's
 * WebSocket at /realtime/v1/websocket): the gateway hands it the raw request, socket and head.
 */
export interface UpgradeApi {
  upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  };
}
