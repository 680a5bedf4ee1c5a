import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Api, HttpRequest, HttpResponse, UpgradeApi } from './types.ts';
import { json } from './types.ts';

/** Bodies above this are refused with 413 before any API sees them. */
export const MAX_BODY_BYTES = 1024 * 1024;

const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
  'access-control-allow-headers':
    'authorization, apikey, content-type, x-client-info, x-supabase-api-version, prefer, range, range-unit, accept, accept-profile, content-profile, x-retry-count',
  // Browsers only let supabase-js read these response headers cross-origin when they are exposed.
  'access-control-expose-headers':
    'content-range, content-location, location, preference-applied, range-unit, x-total-count, link, x-supabase-api-version, x-sb-error-code',
  'access-control-max-age': '86400',
};

export interface GatewayOptions {
  host: string;
  port: number;
  /** Prefix (e.g. `/auth/v1`) → API. */
  apis: Record<string, Api>;
  /** Prefix (e.g. `/realtime/v1`) → API that takes over Upgrade (WebSocket) requests. */
  upgrades?: Record<string, UpgradeApi>;
  /** Answered at `/health`: 200 while true. */
  healthy: () => boolean;
  log?: (line: string) => void;
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function lowerCaseHeaders(req: http.IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function route(req: http.IncomingMessage, options: GatewayOptions): Promise<HttpResponse> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  const method = (req.method ?? 'GET').toUpperCase();
  if (method === 'OPTIONS') return { status: 204 };
  if (url.pathname === '/health') {
    return options.healthy() ? json(200, { status: 'ok' }) : json(503, { status: 'starting' });
  }
  const prefix = Object.keys(options.apis).find(
    (candidate) => url.pathname === candidate || url.pathname.startsWith(`${candidate}/`),
  );
  if (!prefix) return json(404, { message: 'no Route matched with those values' });
  if (!options.healthy()) return json(503, { message: 'The local stack is starting' });
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLarge) return json(413, { message: `Request body exceeds ${MAX_BODY_BYTES} bytes` });
    throw error;
  }
  const request: HttpRequest = {
    method,
    path: url.pathname.slice(prefix.length) || '/',
    query: (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : '',
    headers: lowerCaseHeaders(req),
    body,
    remoteAddress: req.socket.remoteAddress,
  };
  return options.apis[prefix].handle(request);
}

/** The one HTTP listener of the stack, standing where Supabase's API gateway stands. */
export async function startGateway(options: GatewayOptions): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    route(req, options)
      .catch((error: unknown) => {
        options.log?.(`[gateway] unhandled error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return json(500, { message: 'Internal error in the local stack' });
      })
      .then((response) => {
        if (res.headersSent) return;
        res.writeHead(response.status, { ...CORS_HEADERS, ...response.headers });
        res.end(req.method === 'HEAD' ? undefined : response.body);
      });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://gateway').pathname;
    const prefix = Object.keys(options.upgrades ?? {}).find((candidate) => pathname.startsWith(`${candidate}/`));
    if (!prefix || !options.healthy()) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    options.upgrades![prefix].upgrade(req, socket, head);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
