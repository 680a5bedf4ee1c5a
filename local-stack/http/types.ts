import type http from 'node:http';
import type { Readable } from 'node:stream';
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
 * A request whose body is not read by the gateway (Storage uploads): the API streams it where it belongs,
 * or reads a small body through `readBody`, which counts against the gateway's in-memory budget.
 */
export interface StreamRequest {
  method: string;
  /** Path below the API's prefix, still percent-encoded; always starts with `/`. */
  path: string;
  /** Raw query string without the leading `?`. */
  query: string;
  headers: Record<string, string | undefined>;
  /** The unread request body. */
  body: Readable;
  /** Reads the whole body into memory, refusing more than `limit` bytes (BodyTooLargeError). */
  readBody(limit: number): Promise<Buffer>;
  /** Aborted when the client goes away before the response is complete. */
  signal: AbortSignal;
}

export interface StreamResponse {
  status: number;
  headers?: Record<string, string>;
  /** A stream is piped to the client with backpressure and destroyed if the client leaves. */
  body?: string | Buffer | Readable;
}

/** An API that streams request and response bodies (Storage), mounted by the gateway under a prefix. */
export interface StreamingApi {
  handleStream(request: StreamRequest): Promise<StreamResponse>;
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
