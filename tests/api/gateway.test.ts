import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../local-stack/http/gateway.ts';
import type { Api } from '../../local-stack/http/types.ts';
import { freePort } from '../../local-stack/processes.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';

let db: TestDatabase;
let api: TestApi;
const logs: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  // A function that answers through RAISE SQLSTATE 'PGRST' with a header value beyond Latin-1.
  await db.sql.unsafe(`
    create function public.export_report() returns void language plpgsql as $$
    begin
      raise sqlstate 'PGRST' using
        message = json_build_object('code', 'EXP01', 'message', 'report ready')::text,
        detail = json_build_object('status', 409, 'headers', json_build_object(
          'Content-Disposition', 'attachment; filename="résumé→.csv"',
          'X-Split', E'a\\r\\nSet-Cookie: stolen=1'))::text;
    end $$;`);
  api = await startTestApi(db, { log: (line) => logs.push(line) });
});

afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

const NO_KEY = { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' };

/** Sends raw bytes and returns the status line and body of the answer (for targets fetch cannot send). */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** Starts a request that declares a large body and sends none of it; resolves with the answer's status. */
function statusBeforeBody(url: string, headers: Record<string, string>, declared: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(declared) } });
    request.on('response', (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    request.on('error', (error) => reject(error));
    request.flushHeaders();
  });
}

const port = () => Number(new URL(api.url).port);

describe('gateway: API keys (as hosted Supabase refuses requests without one)', () => {
  it('refuses REST and Auth requests without an apikey with the hosted message', async () => {
    for (const path of ['/rest/v1/projects', '/auth/v1/user', '/auth/v1/settings']) {
      const response = await fetch(`${api.url}${path}`);
      expect(response.status, path).toBe(401);
      expect(await response.json(), path).toEqual(NO_KEY);
    }
  });

  it('refuses a key that is not one of the project keys', async () => {
    const response = await fetch(`${api.url}/rest/v1/projects`, { headers: { apikey: 'not-a-key' } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ message: 'Invalid API key' });
  });

  it('accepts the key as a header or as the apikey query parameter', async () => {
    expect((await fetch(`${api.url}/auth/v1/settings`, { headers: { apikey: api.anonKey } })).status).toBe(200);
    expect((await fetch(`${api.url}/auth/v1/settings?apikey=${api.anonKey}`)).status).toBe(200);
  });

  it('leaves open what hosted leaves open: health, JWKS, Storage (which checks JWTs itself)', async () => {
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
    expect((await fetch(`${api.url}/auth/v1/.well-known/jwks.json`)).status).toBe(200);
    const storage = await fetch(`${api.url}/storage/v1/object/public/product-images/nothing.png`);
    expect(storage.status).toBe(400);
    expect(await storage.json()).toMatchObject({ statusCode: '404', error: 'Bucket not found' });
    // An email link: Auth answers it (here by redirecting to the site with the error), the gateway lets it through.
    const verify = await fetch(`${api.url}/auth/v1/verify?token=x&type=signup`, { redirect: 'manual' });
    expect(verify.status).not.toBe(401);
  });

  it('refuses a WebSocket upgrade without a key', async () => {
    const answer = await rawRequest(
      port(),
      'GET /realtime/v1/websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 (401|404)/);
  });
});

describe('gateway: bodies', () => {
  it('answers 401 to a keyless request without waiting for its body', async () => {
    const { status, body } = await statusBeforeBody(`${api.url}/rest/v1/projects`, { 'content-type': 'application/json' }, 50_000_000);
    expect(status).toBe(401);
    expect(JSON.parse(body)).toEqual(NO_KEY);
  });

  it('answers 413 at once when Content-Length is over the route limit', async () => {
    const { status } = await statusBeforeBody(`${api.url}/rest/v1/projects`, { apikey: api.anonKey, 'content-type': 'application/json' }, 50_000_000);
    expect(status).toBe(413);
  });

  it('answers 413 to a chunked body that grows past the limit', async () => {
    const response = await fetch(`${api.url}/rest/v1/projects`, {
      method: 'POST',
      headers: { apikey: api.anonKey, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 3; i++) controller.enqueue(new Uint8Array(512 * 1024).fill(32));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });
});

describe('gateway: no request takes the process down', () => {
  it('sends a non-Latin-1 header from RAISE PGRST as UTF-8 bytes and drops a header that would split the response', async () => {
    let response: Response | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      response = await fetch(`${api.url}/rest/v1/rpc/export_report`, { method: 'POST', headers: { apikey: api.anonKey } });
      if (response.status !== 404) break; // the schema cache reloads after the DDL above
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(response!.status).toBe(409);
    expect(await response!.json()).toMatchObject({ code: 'EXP01', message: 'report ready' });
    const disposition = response!.headers.get('content-disposition') ?? '';
    expect(Buffer.from(disposition, 'latin1').toString('utf8')).toBe('attachment; filename="résumé→.csv"');
    expect(response!.headers.get('x-split')).toBeNull();
    expect(response!.headers.get('set-cookie')).toBeNull();
    // Still serving.
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  });

  it('answers unparsable request targets with 400', async () => {
    for (const target of ['//[', 'http://[::1', 'http://[::1/rest/v1/projects']) {
      const answer = await rawRequest(port(), `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(answer, target).toMatch(/^HTTP\/1\.1 400 /);
    }
    const garbage = await rawRequest(port(), 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  });

  it('turns a failing handler into a 500 and keeps serving', async () => {
    const failing: Api = {
      handle: () => Promise.reject(new Error('handler bug')),
      close: async () => {},
    };
    const throwing: Api = {
      handle: () => {
        throw new TypeError('synchronous bug');
      },
      close: async () => {},
    };
    const badHeader: Api = {
      handle: async () => ({
        status: 200,
        headers: { 'bad name': 'x', 'x-split': 'a\r\nSet-Cookie: stolen=1', 'x-utf8': 'naïve→', 'x-ok': 'fine' },
        body: 'ok',
      }),
      close: async () => {},
    };
    const seen: string[] = [];
    const gatewayPort = await freePort();
    const server = await startGateway({
      host: '127.0.0.1',
      port: gatewayPort,
      apis: { '/fail': failing, '/throw': throwing, '/header': badHeader },
      apiKeys: ['k'],
      healthy: () => true,
      log: (line) => seen.push(line),
    });
    try {
      const base = `http://127.0.0.1:${gatewayPort}`;
      for (const path of ['/fail', '/throw']) {
        const response = await fetch(`${base}${path}`, { headers: { apikey: 'k' } });
        expect(response.status, path).toBe(500);
        expect(await response.json()).toEqual({ message: 'Internal error in the local stack' });
      }
      const header = await fetch(`${base}/header`, { headers: { apikey: 'k' } });
      expect(header.status).toBe(200);
      expect(header.headers.get('x-ok')).toBe('fine');
      expect(header.headers.get('x-split')).toBeNull();
      expect(header.headers.get('set-cookie')).toBeNull();
      expect(Buffer.from(header.headers.get('x-utf8') ?? '', 'latin1').toString('utf8')).toBe('naïve→');
      expect(seen.filter((line) => line.includes('dropped response header'))).toHaveLength(2);
      expect(seen.filter((line) => line.includes('unhandled error'))).toHaveLength(2);
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  });

  it('does not log stack traces for requests the client aborted', async () => {
    const before = logs.length;
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const request = http.request(`${api.url}/rest/v1/projects`, {
          method: 'POST',
          headers: { apikey: api.anonKey, 'content-type': 'application/json', 'content-length': '100000' },
        });
        request.on('error', () => resolve());
        request.write('{"name":');
        setTimeout(() => {
          request.destroy();
          resolve();
        }, 20);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
    expect(logs.slice(before).filter((line) => /\n\s+at /.test(line) || /error/i.test(line))).toEqual([]);
  });
});
