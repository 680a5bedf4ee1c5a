import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { apiKeyOf, invalidApiKey, isOpenRoute, missingApiKey, upstreamCredentials, type OpaqueKeys } from './api-key.ts';
import { BodyBudget, BodyBudgetExhaustedError, BodyTooLargeError, declaredLength, readBody } from './body.ts';
import { lowerCaseHeaders, sendableHeaders } from './headers.ts';
import type { Api, HttpResponse, StreamingApi, StreamRequest, StreamResponse, UpgradeApi } from './types.ts';
import { json } from './types.ts';
import { listen } from './listen.ts';

/** Default limit of a buffered (REST, Auth) body: above it, 413 before any API sees the request. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Default bytes of request bodies held in memory across all requests at once. */
export const DEFAULT_BODY_BUDGET_BYTES = 64 * 1024 * 1024;

const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
  'access-control-allow-headers':
    'authorization, apikey, content-type, x-client-info, x-supabase-api-version, prefer, range, range-unit, accept, accept-profile, content-profile, x-retry-count, x-upsert, x-metadata, cache-control, if-none-match, if-modified-since',
  // Browsers only let supabase-js read these response headers cross-origin when they are exposed.
  'access-control-expose-headers':
    'content-range, content-location, location, preference-applied, range-unit, x-total-count, link, x-supabase-api-version, x-sb-error-code, content-length, content-type, etag, last-modified, cache-control, content-disposition, x-transformations',
  'access-control-max-age': '86400',
};

export interface GatewayOptions {
  host: string;
  port: number;
  /** Prefix (e.g. `/auth/v1`) → API that receives the body already read (with limits). */
  apis: Record<string, Api>;
  /** Prefix (e.g. `/storage/v1`) → API that streams bodies itself. */
  streamingApis?: Record<string, StreamingApi>;
  /** Prefix (e.g. `/realtime/v1`) → API that takes over Upgrade (WebSocket) requests. */
  upgrades?: Record<string, UpgradeApi>;
  /** The project's API keys (anon, service_role): outside the open routes a request must carry one. */
  apiKeys: readonly string[];
  /** Opaque keys (`sb_publishable_…`, `sb_secret_…`) let in as well, each swapped for its role's JWT. */
  opaqueKeys?: OpaqueKeys;
  /** Largest buffered body per prefix (default MAX_BODY_BYTES). */
  bodyLimits?: Record<string, number>;
  /** Bytes of request bodies held in memory across all requests (default 64 MiB). */
  bodyBudgetBytes?: number;
  /** Answered at `/health`: 200 while true. */
  healthy: () => boolean;
  log?: (line: string) => void;
}

/** The request being handled, so a last-resort handler can still answer it (see failActiveRequest). */
const activeRequest = new AsyncLocalStorage<{ res: http.ServerResponse }>();

const ABORT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED', 'ABORT_ERR']);

/** Errors that only mean the client went away: not bugs, not worth a log line each. */
export function isClientAbort(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && ABORT_CODES.has(code)) || error.name === 'AbortError' || /^(request )?aborted\b/.test(error.message);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function internalError(): HttpResponse {
  return json(500, { message: 'Internal error in the local stack' });
}

/** Last resort for an error that escaped every handler (uncaughtException): answer its request with 500. */
export function failActiveRequest(): boolean {
  const res = activeRequest.getStore()?.res;
  if (!res) return false;
  if (!res.headersSent && !res.destroyed) {
    const response = internalError();
    res.writeHead(500, { ...CORS_HEADERS, ...response.headers, connection: 'close' });
    res.end(response.body);
  } else {
    res.destroy();
  }
  return true;
}

function send(req: http.IncomingMessage, res: http.ServerResponse, response: StreamResponse, log: (line: string) => void): void {
  const body = response.body;
  if (res.headersSent || res.destroyed) {
    if (body instanceof Readable) body.destroy();
    return;
  }
  const status = Number.isInteger(response.status) && response.status >= 100 && response.status <= 599 ? response.status : 500;
  const headers = sendableHeaders({ ...CORS_HEADERS, ...response.headers }, (name) =>
    log(`[gateway] dropped response header "${name}" of ${req.method} ${req.url}: not sendable over HTTP`),
  );
  // The body is still arriving (refused before reading, or the API did not need it): close the connection
  // after the answer instead of reading what is left of it.
  if (!req.complete) headers.connection = 'close';
  try {
    res.writeHead(status, headers);
  } catch (error) {
    log(`[gateway] could not write the response head of ${req.method} ${req.url}: ${describe(error)}`);
    const fallback = internalError();
    res.writeHead(500, { ...CORS_HEADERS, ...fallback.headers });
    res.end(fallback.body);
    if (body instanceof Readable) body.destroy();
    return;
  }
  if (body instanceof Readable) {
    if (req.method === 'HEAD') {
      body.destroy();
      res.end();
      return;
    }
    pipeline(body, res).catch((error: unknown) => {
      if (!isClientAbort(error)) log(`[gateway] response stream of ${req.method} ${req.url} failed: ${describe(error)}`);
    });
    return;
  }
  res.end(req.method === 'HEAD' ? undefined : body);
}

function findPrefix<T>(routes: Record<string, T> | undefined, pathname: string): string | undefined {
  return Object.keys(routes ?? {}).find((candidate) => pathname === candidate || pathname.startsWith(`${candidate}/`));
}

function rawQuery(target: string): string {
  const index = target.indexOf('?');
  return index >= 0 ? target.slice(index + 1) : '';
}

/** The request target, or null when it is not one (`//[`, `http://[::1`): a 400, never a 500. */
function parseTarget(target: string): URL | null {
  try {
    const url = new URL(target, 'http://gateway');
    return url.pathname.startsWith('/') ? url : null;
  } catch {
    return null;
  }
}

/** A body the gateway would not read: 413 over its limit, 503 while the in-memory budget is full. */
function bodyRefusal(error: unknown): HttpResponse | null {
  if (error instanceof BodyTooLargeError) return json(413, { message: error.message });
  if (error instanceof BodyBudgetExhaustedError) return json(503, { message: error.message }, { 'retry-after': '1' });
  return null;
}

class Gateway {
  private readonly budget: BodyBudget;
  private readonly keys: Set<string>;
  private readonly log: (line: string) => void;

  constructor(private readonly options: GatewayOptions) {
    this.budget = new BodyBudget(options.bodyBudgetBytes ?? DEFAULT_BODY_BUDGET_BYTES);
    this.keys = new Set([...options.apiKeys, ...Object.keys(options.opaqueKeys ?? {})]);
    this.log = options.log ?? (() => {});
  }

  /** Refusals that need no API: bad target, preflight, health, unknown route, missing or unknown key. */
  private gate(req: http.IncomingMessage, url: URL | null): HttpResponse | null {
    if (!url) return json(400, { message: 'Bad Request: the request target is not a valid URL' });
    if ((req.method ?? 'GET').toUpperCase() === 'OPTIONS') return { status: 204 };
    if (url.pathname === '/health') {
      return this.options.healthy() ? json(200, { status: 'ok' }) : json(503, { status: 'starting' });
    }
    if (!findPrefix(this.options.apis, url.pathname) && !findPrefix(this.options.streamingApis, url.pathname)) {
      return json(404, { message: 'no Route matched with those values' });
    }
    if (!this.options.healthy()) return json(503, { message: 'The local stack is starting' });
    if (!isOpenRoute(url.pathname)) {
      const key = apiKeyOf(req.headers, url.searchParams);
      if (key === undefined) return missingApiKey();
      if (!this.keys.has(key)) return invalidApiKey();
    }
    return null;
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const aborted = new AbortController();
    const releases: (() => void)[] = [];
    res.once('close', () => {
      if (!res.writableFinished) aborted.abort();
      for (const release of releases) release();
    });
    const target = req.url ?? '/';
    const url = parseTarget(target);
    const refusal = this.gate(req, url);
    if (refusal || !url) {
      send(req, res, refusal ?? internalError(), this.log);
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const { headers, query } = upstreamCredentials(lowerCaseHeaders(req), rawQuery(target), this.options.opaqueKeys ?? {});
    const declared = declaredLength(req.headers);
    const streamingPrefix = findPrefix(this.options.streamingApis, url.pathname);
    if (streamingPrefix) {
      const request: StreamRequest = {
        method,
        path: url.pathname.slice(streamingPrefix.length) || '/',
        query,
        headers,
        body: req,
        readBody: async (limit) => {
          const { body, release } = await readBody(req, { limit, budget: this.budget, declared, signal: aborted.signal });
          releases.push(release);
          return body;
        },
        signal: aborted.signal,
      };
      let response: StreamResponse;
      try {
        response = await this.options.streamingApis![streamingPrefix].handleStream(request);
      } catch (error) {
        // A body a streaming API asked the gateway to read was refused: the same answers as for buffered APIs.
        const refusal = bodyRefusal(error);
        if (!refusal) throw error;
        response = refusal;
      }
      send(req, res, response, this.log);
      return;
    }
    const prefix = findPrefix(this.options.apis, url.pathname)!;
    const limit = this.options.bodyLimits?.[prefix] ?? MAX_BODY_BYTES;
    let body: Buffer;
    try {
      const read = await readBody(req, { limit, budget: this.budget, declared, signal: aborted.signal });
      releases.push(read.release);
      body = read.body;
    } catch (error) {
      const refusal = bodyRefusal(error);
      if (!refusal) throw error;
      send(req, res, refusal, this.log);
      return;
    }
    const response = await this.options.apis[prefix].handle({
      method,
      path: url.pathname.slice(prefix.length) || '/',
      query,
      headers,
      body,
      remoteAddress: req.socket.remoteAddress,
    });
    send(req, res, response, this.log);
  }

  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (response: HttpResponse) => {
      const text = typeof response.body === 'string' ? response.body : '';
      socket.end(
        `HTTP/1.1 ${response.status} ${http.STATUS_CODES[response.status] ?? ''}\r\nConnection: close\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
    };
    const url = parseTarget(req.url ?? '/');
    if (!url) return refuse(json(400, { message: 'Bad Request: the request target is not a valid URL' }));
    const prefix = findPrefix(this.options.upgrades, url.pathname);
    if (!prefix || !this.options.healthy()) return refuse(json(404, { message: 'no Route matched with those values' }));
    const key = apiKeyOf(req.headers, url.searchParams);
    if (key === undefined) return refuse(missingApiKey());
    if (!this.keys.has(key)) return refuse(invalidApiKey());
    const swapped = upstreamCredentials(lowerCaseHeaders(req), rawQuery(req.url ?? '/'), this.options.opaqueKeys ?? {}, { keepQueryKey: true });
    if (swapped.headers.apikey !== undefined) req.headers.apikey = swapped.headers.apikey;
    if (swapped.headers.authorization !== undefined) req.headers.authorization = swapped.headers.authorization;
    req.url = `${url.pathname}${swapped.query ? `?${swapped.query}` : ''}`;
    this.options.upgrades![prefix].upgrade(req, socket, head);
  }
}

/** The one HTTP listener of the stack, standing where Supabase's API gateway (Kong) stands. */
export async function startGateway(options: GatewayOptions): Promise<http.Server> {
  const gateway = new Gateway(options);
  const log = options.log ?? (() => {});
  const server = http.createServer((req, res) => {
    activeRequest.run({ res }, () => {
      gateway.handle(req, res).catch((error: unknown) => {
        if (isClientAbort(error) || res.destroyed) {
          res.destroy();
          return;
        }
        log(`[gateway] ${req.method} ${req.url}: unhandled error: ${describe(error)}`);
        send(req, res, internalError(), log);
      });
    });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      gateway.upgrade(req, socket, head);
    } catch (error) {
      log(`[gateway] upgrade of ${req.url} failed: ${describe(error)}`);
      socket.destroy();
    }
  });
  // Malformed requests never reach a handler: answer them like a proxy would, without a stack trace.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const [status, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout']
          : [400, 'Bad Request'];
    const body = JSON.stringify({ message });
    socket.end(
      `HTTP/1.1 ${status} ${message}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
  });
  await listen(server, options.port, options.host);
  return server;
}
