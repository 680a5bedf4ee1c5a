/**
 * Realtime under a light load, for correctness (the figures are `npm run bench:realtime`'s): many subscribers,
 * each its own user on an owner-only table, while rows arrive for all of them; and a client that stops reading
 * is dropped without holding the server's memory.
 */
import { createClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGateway } from '../../local-stack/http/gateway.ts';
import { freePort } from '../../local-stack/processes.ts';
import { createRealtimeApi } from '../../local-stack/realtime/index.ts';
import { roleUrl } from '../../local-stack/stack.ts';
import { LOAD_TABLE_SQL, runRealtimeLoad } from '../../scripts/realtime-load.ts';
import { nodeRealtimeOptions } from '../../lib/supabase/node-realtime.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { subscribeRecorded, until } from '../support/realtime.ts';

let db: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql.unsafe(LOAD_TABLE_SQL);
  api = await startTestApi(db);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

describe('load', () => {
  it.each([
    ['filtered by owner', true],
    ['RLS alone', false],
  ])('delivers every change to its owner only: 20 subscribers, 200 changes/s (%s)', async (_label, filterByOwner) => {
    const result = await runRealtimeLoad({
      apiUrl: api.url,
      anonKey: api.anonKey,
      jwtSecret: api.jwtSecret,
      databaseUrl: db.url,
      subscribers: 20,
      changesPerSecond: 200,
      durationMs: 2_000,
      filterByOwner,
    });
    console.log(`load (${_label}): ${result.sent} changes, latency p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms`);
    expect(result.sent).toBeGreaterThan(100);
    expect(result).toMatchObject({ delivered: result.sent, missing: 0, duplicates: 0, foreign: 0 });
  }, 120_000);

  it('drops a client that stops reading, and keeps serving the others', async () => {
    const realtime = await createRealtimeApi({
      databaseUrl: db.url,
      authenticatorUrl: roleUrl(db.url, 'authenticator'),
      jwtSecret: api.jwtSecret,
      limits: { maxBufferedBytes: 256 * 1024 },
    });
    const port = await freePort();
    const server = await startGateway({
      host: '127.0.0.1',
      port,
      apis: {},
      upgrades: { '/realtime/v1': realtime },
      apiKeys: [api.anonKey, api.serviceRoleKey],
      healthy: () => true,
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      // The slow client joins, then its process stops reading from the socket.
      const slow = new WebSocket(`ws://127.0.0.1:${port}/realtime/v1/websocket?apikey=${api.anonKey}&vsn=1.0.0`);
      const slowClosed = new Promise<void>((resolve) => slow.on('close', () => resolve()));
      await new Promise((resolve) => slow.on('open', resolve));
      const joined = new Promise((resolve) => slow.once('message', resolve));
      slow.send(JSON.stringify({ topic: 'realtime:firehose', event: 'phx_join', payload: { config: {} }, ref: '1', join_ref: '1' }));
      await joined;
      (slow as unknown as { _socket: { pause(): void } })._socket.pause();

      const sender = createClient(url, api.anonKey, { auth: { persistSession: false }, realtime: nodeRealtimeOptions });
      const listener = createClient(url, api.anonKey, { auth: { persistSession: false }, realtime: nodeRealtimeOptions });
      const out = sender.channel('firehose', { config: { broadcast: { ack: true } } });
      const heard: unknown[] = [];
      const ear = listener.channel('firehose');
      ear.on('broadcast', { event: 'blob' }, () => heard.push(1));
      await subscribeRecorded(out, { expectPostgres: false });
      await subscribeRecorded(ear, { expectPostgres: false });
      const blob = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 100 && realtime.socketCount === 3; i++) {
        expect(await out.send({ type: 'broadcast', event: 'blob', payload: { blob, i } })).toBe('ok');
      }
      // The server cut the slow socket once its unsent data passed the cap; the others go on.
      await until(() => realtime.socketCount === 2, 'the slow client to be dropped');
      (slow as unknown as { _socket: { resume(): void } })._socket.resume();
      await slowClosed;
      expect(await out.send({ type: 'broadcast', event: 'blob', payload: { blob: 'after' } })).toBe('ok');
      await until(() => heard.length > 0, 'the listener to keep hearing');
      await Promise.all([sender.removeAllChannels(), listener.removeAllChannels()]);
    } finally {
      await realtime.close();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});
