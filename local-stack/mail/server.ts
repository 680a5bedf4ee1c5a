import http from 'node:http';
import { z } from 'zod';
import { messageJson, pageJson, rawSource } from './api.ts';
import { inboxPage, messagePage } from './page.ts';
import { searchMail, type MailStore } from './store.ts';
import { listen } from '../http/listen.ts';

/** Request bodies here are a list of ids at most. */
const MAX_BODY_BYTES = 64 * 1024;
const DEFAULT_PAGE = 50;

interface Reply {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

const json = (status: number, value: unknown): Reply => ({ status, type: 'application/json; charset=utf-8', body: JSON.stringify(value) });
const text = (status: number, body: string): Reply => ({ status, type: 'text/plain; charset=utf-8', body });
const html = (body: string): Reply => ({
  status: 200,
  type: 'text/html; charset=utf-8',
  body,
  headers: { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'" },
});

const idsBody = z.object({ IDs: z.array(z.string().max(100)).max(10_000).nullish(), Read: z.boolean().nullish() }).nullish();

class BadRequest extends Error {}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BadRequest('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function parseIds(req: http.IncomingMessage) {
  const raw = await readBody(req);
  if (raw.trim() === '') return { IDs: undefined, Read: undefined };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new BadRequest('invalid JSON body');
  }
  const parsed = idsBody.safeParse(value);
  if (!parsed.success) throw new BadRequest('expected {"IDs": ["..."]}');
  return { IDs: parsed.data?.IDs ?? undefined, Read: parsed.data?.Read ?? undefined };
}

function paging(query: URLSearchParams): { start: number; limit: number } {
  const number = (name: string, fallback: number) => {
    const raw = query.get(name);
    if (raw === null || raw === '') return fallback;
    if (!/^\d{1,9}$/.test(raw)) throw new BadRequest(`${name} must be a non-negative integer`);
    return Number(raw);
  };
  return { start: number('start', 0), limit: number('limit', DEFAULT_PAGE) || DEFAULT_PAGE };
}

/** A browser form must come from this page itself (the inbox has no other defence against cross-site posts). */
function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${req.headers.host ?? ''}`;
}

async function route(store: MailStore, req: http.IncomingMessage): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://mail');
  const method = (req.method ?? 'GET').toUpperCase();
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const messageMatch = /^\/api\/v1\/message\/([^/]+)(\/raw|\/headers)?$/.exec(path);
  const viewMatch = /^\/view\/([^/]+)\.(html|txt)$/.exec(path);
  const pageMatch = /^\/message\/([^/]+)$/.exec(path);

  if (path === '/' && method === 'GET') return html(inboxPage(store.list()));
  if (path === '/delete-all' && method === 'POST') {
    if (!sameOrigin(req)) return text(403, 'cross-site request refused');
    store.delete();
    return { status: 303, type: 'text/plain; charset=utf-8', body: '', headers: { location: '/' } };
  }
  if (pageMatch && method === 'GET') {
    const message = store.get(decodeURIComponent(pageMatch[1]));
    if (!message) return text(404, 'Message not found');
    message.read = true;
    return html(messagePage(message));
  }
  if (viewMatch && method === 'GET') {
    const message = store.get(decodeURIComponent(viewMatch[1]));
    if (!message) return text(404, 'Message not found');
    if (viewMatch[2] === 'txt') return text(200, message.text);
    // The mail's own HTML, sandboxed: no scripts, links may open only on a user's click.
    return {
      status: 200,
      type: 'text/html; charset=utf-8',
      body: message.html,
      headers: { 'content-security-policy': "sandbox allow-popups allow-top-navigation-by-user-activation; default-src 'none'; style-src 'unsafe-inline'; img-src data:" },
    };
  }
  if (path === '/api/v1/info' && method === 'GET') {
    const messages = store.list();
    return json(200, { Version: 'local-stack', LatestVersion: '', Database: '', DatabaseSize: 0, Messages: messages.length, Unread: messages.filter((m) => !m.read).length, Tags: {} });
  }
  if (path === '/api/v1/messages') {
    if (method === 'GET') {
      const { start, limit } = paging(url.searchParams);
      return json(200, pageJson(store.list(), store.list(), start, limit));
    }
    if (method === 'DELETE') {
      store.delete((await parseIds(req)).IDs);
      return text(200, 'ok');
    }
    if (method === 'PUT') {
      const { IDs, Read } = await parseIds(req);
      store.setRead(IDs, Read ?? true);
      return text(200, 'ok');
    }
  }
  if (path === '/api/v1/search') {
    const query = url.searchParams.get('query') ?? '';
    if (query.trim() === '') return text(400, 'no search query');
    const matching = searchMail(store.list(), query);
    if (method === 'GET') {
      const { start, limit } = paging(url.searchParams);
      return json(200, pageJson(store.list(), matching, start, limit));
    }
    if (method === 'DELETE') {
      store.delete(matching.map((message) => message.id));
      return text(200, 'ok');
    }
  }
  if (messageMatch && method === 'GET') {
    const message = store.get(decodeURIComponent(messageMatch[1]));
    if (!message) return text(404, 'Message not found');
    if (messageMatch[2] === '/raw') return text(200, rawSource(message));
    if (messageMatch[2] === '/headers') {
      return json(200, { From: [message.from.Address], To: message.to.map((to) => to.Address), Subject: [message.subject], 'Message-ID': [`<${message.messageId}>`] });
    }
    message.read = true;
    return json(200, messageJson(message));
  }
  return text(404, '404 page not found');
}

export interface MailServer {
  url: string;
  close(): Promise<void>;
}

/** The local mail catcher's web page and Mailpit-compatible JSON API on its own port (`[local_smtp] port`). */
export async function startMailServer(store: MailStore, options: { host: string; port: number; log?: (line: string) => void }): Promise<MailServer> {
  const server = http.createServer((req, res) => {
    route(store, req)
      .catch((error: unknown): Reply => {
        if (error instanceof BadRequest || error instanceof URIError) return text(400, error.message);
        options.log?.(`[mail] ${req.method} ${req.url} failed: ${error instanceof Error ? error.message : String(error)}`);
        return text(500, 'internal error');
      })
      .then((reply) => {
        if (res.headersSent || res.destroyed) return;
        res.writeHead(reply.status, { 'content-type': reply.type, 'x-content-type-options': 'nosniff', ...reply.headers });
        res.end(req.method === 'HEAD' ? undefined : reply.body);
      })
      .catch(() => res.destroy());
  });
  await listen(server, options.port, options.host);
  return {
    url: `http://${options.host}:${options.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
