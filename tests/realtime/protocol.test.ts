/**
 * The socket protocol as realtime-js speaks it: handshake, both serializers, heartbeats, join/leave replies,
 * token checks and refresh, broadcast (self, ack, binary), presence, private channels, bad input.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createNotesTable, fixtureClient, subscribeRecorded, until, watchTable } from '../support/realtime.ts';

let db: TestDatabase;
let api: TestApi;
let alice: Awaited<ReturnType<typeof fixtureClient>>;
const clients: SupabaseClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await createNotesTable(db.sql);
  await db.sql.unsafe(`
    create policy "members read room-1" on realtime.messages for select to authenticated
      using (realtime.topic() = 'room-1' and extension in ('broadcast', 'presence'));
    create policy "members write room-1" on realtime.messages for insert to authenticated
      with check (realtime.topic() = 'room-1' and extension = 'broadcast');
  `);
  api = await startTestApi(db);
  alice = await fixtureClient(api, 'alice');
});
afterAll(async () => {
  await Promise.all([alice?.client, ...clients].map((client) => client?.removeAllChannels()));
  await api?.stop();
  await db?.drop();
});

/** A client on one serializer; with `token`, Realtime uses it (set before any join, as `setAuth(token)` does). */
async function realtimeClient(vsn: '1.0.0' | '2.0.0', token?: string): Promise<SupabaseClient> {
  const client = createClient(api.url, api.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket, vsn },
  });
  clients.push(client);
  if (token) await client.realtime.setAuth(token);
  return client;
}

const sign = (claims: Record<string, unknown>, secret = api.jwtSecret) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
const now = () => Math.floor(Date.now() / 1000);

/** A raw WebSocket, for what supabase-js hides (handshake statuses, malformed frames). */
function raw(query: string): Promise<{ ws: WebSocket; frames: unknown[] } | { status: number; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${api.url.replace('http', 'ws')}/realtime/v1/websocket?${query}`);
    const frames: unknown[] = [];
    ws.on('message', (data, binary) => frames.push(binary ? data : JSON.parse(String(data))));
    ws.on('open', () => resolve({ ws, frames }));
    ws.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
  });
}

describe('handshake', () => {
  it('refuses a missing, forged or expired apikey at the gateway, as hosted Supabase’s gateway does', async () => {
    const missing = { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' };
    const invalid = { message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' };
    expect(await raw('vsn=2.0.0')).toEqual({ status: 401, body: JSON.stringify(missing) });
    const forged = await sign({ role: 'anon', exp: now() + 60 }, 'x'.repeat(40));
    expect(await raw(`apikey=${forged}&vsn=2.0.0`)).toEqual({ status: 401, body: JSON.stringify(invalid) });
    const expired = await sign({ role: 'anon', exp: now() - 30 });
    expect(await raw(`apikey=${expired}&vsn=2.0.0`)).toEqual({ status: 401, body: JSON.stringify(invalid) });
    expect(await raw(`apikey=not-a-jwt&vsn=2.0.0`)).toEqual({ status: 401, body: JSON.stringify(invalid) });
    expect(await raw(`apikey=${api.anonKey}&vsn=9.0.0`)).toMatchObject({ status: 403 });
  });

  it('answers heartbeats, unmatched topics, and closes a socket that sends garbage', async () => {
    const socket = await raw(`apikey=${api.anonKey}&vsn=2.0.0`);
    if (!('ws' in socket)) throw new Error(`handshake failed: ${socket.status}`);
    socket.ws.send(JSON.stringify([null, '1', 'phoenix', 'heartbeat', {}]));
    socket.ws.send(JSON.stringify([null, '2', 'realtime:nowhere', 'broadcast', {}]));
    socket.ws.send(JSON.stringify(['3', '3', 'elsewhere', 'phx_join', {}]));
    await until(() => socket.frames.length === 3, 'three replies');
    expect(socket.frames).toEqual([
      [null, '1', 'phoenix', 'phx_reply', { status: 'ok', response: {} }],
      [null, '2', 'realtime:nowhere', 'phx_reply', { status: 'error', response: { reason: 'unmatched topic' } }],
      ['3', '3', 'elsewhere', 'phx_reply', { status: 'error', response: { reason: 'unmatched topic' } }],
    ]);
    const closed = new Promise<number>((resolve) => socket.ws.on('close', (code) => resolve(code)));
    socket.ws.send('{not json');
    expect(await closed).toBe(1003);
  });

  it('refuses frames above 1 MiB without harm to the server', async () => {
    const socket = await raw(`apikey=${api.anonKey}&vsn=2.0.0`);
    if (!('ws' in socket)) throw new Error('handshake failed');
    const closed = new Promise<number>((resolve) => socket.ws.on('close', (code) => resolve(code)));
    socket.ws.send(JSON.stringify([null, '1', 'realtime:x', 'broadcast', { blob: 'x'.repeat(2 * 1024 * 1024) }]));
    expect(await closed).toBe(1009);
    const again = await raw(`apikey=${api.anonKey}&vsn=2.0.0`);
    expect('ws' in again).toBe(true);
    if ('ws' in again) again.ws.close();
  });
});

describe('hostile input', () => {
  it('answers any join payload and any frame without harm: the socket keeps answering heartbeats', async () => {
    const socket = await raw(`apikey=${api.anonKey}&vsn=2.0.0`);
    if (!('ws' in socket)) throw new Error('handshake failed');
    const binding = fc.record(
      { event: fc.oneof(fc.constantFrom('*', 'INSERT', 'insert', 'TRUNCATE'), fc.anything()), schema: fc.oneof(fc.constantFrom('public', '*'), fc.anything()),
        table: fc.oneof(fc.constantFrom('notes', 'nope', '*'), fc.anything()), filter: fc.oneof(fc.constantFrom('priority=eq.1', 'body=in.(a,"b)', 'x=like.%', 'priority=eq.'), fc.anything()) },
      { requiredKeys: [] },
    );
    const payload = fc.oneof(
      fc.anything(),
      fc.record({ config: fc.oneof(fc.anything(), fc.record({ postgres_changes: fc.oneof(fc.anything(), fc.array(binding, { maxLength: 4 })), private: fc.anything(), presence: fc.anything(), broadcast: fc.anything() })), access_token: fc.oneof(fc.anything(), fc.constant(api.anonKey)) }),
    );
    let ref = 0;
    await fc.assert(
      fc.asyncProperty(payload, fc.constantFrom('phx_join', 'broadcast', 'presence', 'access_token', 'phx_leave', 'whatever'), async (body, event) => {
        const topic = `realtime:fuzz-${ref % 5}`;
        ref++;
        socket.ws.send(JSON.stringify([String(ref), String(ref), topic, event, body]));
        const heartbeat = `hb-${ref}`;
        socket.ws.send(JSON.stringify([null, heartbeat, 'phoenix', 'heartbeat', {}]));
        await until(() => socket.frames.some((frame) => Array.isArray(frame) && frame[1] === heartbeat), 'the heartbeat reply');
      }),
      { numRuns: 60 },
    );
    socket.ws.close();
  });
});

describe.each(['1.0.0', '2.0.0'] as const)('serializer %s', (vsn) => {
  it('joins, receives postgres_changes, broadcasts (self, ack) and leaves', async () => {
    const client = await realtimeClient(vsn, alice.accessToken);
    const watch = await watchTable(client, 'notes');
    await db.sql`insert into public.notes (owner, body) values (${alice.id}, ${`via ${vsn}`})`;
    await until(() => watch.changes.length === 1, 'the change');
    expect(watch.changes[0].new).toMatchObject({ body: `via ${vsn}` });

    const other = await realtimeClient(vsn === '1.0.0' ? '2.0.0' : '1.0.0');
    const received: unknown[] = [];
    const echoes: unknown[] = [];
    const room = client.channel(`chat-${vsn}`, { config: { broadcast: { self: true, ack: true } } });
    room.on('broadcast', { event: 'msg' }, (message) => echoes.push(message.payload));
    const peer = other.channel(`chat-${vsn}`);
    peer.on('broadcast', { event: 'msg' }, (message) => received.push(message.payload));
    await subscribeRecorded(room, { expectPostgres: false });
    await subscribeRecorded(peer, { expectPostgres: false });
    expect(await room.send({ type: 'broadcast', event: 'msg', payload: { text: 'hi', n: 1 } })).toBe('ok');
    await until(() => received.length === 1 && echoes.length === 1, 'the broadcast');
    expect(received).toEqual([{ text: 'hi', n: 1 }]);
    expect(echoes).toEqual([{ text: 'hi', n: 1 }]);
    // Without `self`, the sender does not hear itself.
    await peer.send({ type: 'broadcast', event: 'msg', payload: { text: 'back' } });
    await until(() => echoes.length === 2, 'the reply');
    expect(received).toHaveLength(1);

    expect(await client.removeChannel(room)).toBe('ok');
    expect(await client.removeChannel(watch.channel)).toBe('ok');
  });
});

describe('broadcast', () => {
  it('carries binary payloads between 2.0.0 clients', async () => {
    const [a, b] = [await realtimeClient('2.0.0'), await realtimeClient('2.0.0')];
    const received: unknown[] = [];
    const sender = a.channel('bytes');
    const receiver = b.channel('bytes');
    receiver.on('broadcast', { event: 'blob' }, (message) => received.push(message.payload));
    await subscribeRecorded(sender, { expectPostgres: false });
    await subscribeRecorded(receiver, { expectPostgres: false });
    await sender.send({ type: 'broadcast', event: 'blob', payload: new Uint8Array([1, 2, 3, 250]).buffer });
    await until(() => received.length === 1, 'the bytes');
    expect([...new Uint8Array(received[0] as ArrayBuffer)]).toEqual([1, 2, 3, 250]);
  });
});

describe('broadcast over HTTP', () => {
  it('delivers httpSend (JSON and bytes) and REST send() to joined channels, and guards private topics', async () => {
    const listener = (await realtimeClient('2.0.0')).channel('news');
    const heard: unknown[] = [];
    listener.on('broadcast', { event: 'headline' }, (message) => heard.push(message.payload));
    await subscribeRecorded(listener, { expectPostgres: false });

    const sender = await realtimeClient('2.0.0');
    const out = sender.channel('news');
    expect(await out.httpSend('headline', { title: 'first' })).toEqual({ success: true });
    await out.httpSend('headline', new Uint8Array([7, 8]));
    // Not joined: realtime-js falls back to POST /api/broadcast.
    expect(await out.send({ type: 'broadcast', event: 'headline', payload: { title: 'second' } })).toBe('ok');
    await until(() => heard.length === 3, 'three broadcasts');
    expect(heard[0]).toEqual({ title: 'first' });
    expect([...new Uint8Array(heard[1] as ArrayBuffer)]).toEqual([7, 8]);
    expect(heard[2]).toEqual({ title: 'second' });

    const anonymous = (await realtimeClient('2.0.0')).channel('room-1', { config: { private: true } });
    await expect(anonymous.httpSend('x', {})).rejects.toThrow('You do not have permissions to write to this Channel topic: room-1');
    const member = (await realtimeClient('2.0.0', alice.accessToken)).channel('room-1', { config: { private: true } });
    expect(await member.httpSend('x', {})).toEqual({ success: true });
  });
});

describe('presence', () => {
  it('syncs presence_state and presence_diff as realtime-js expects', async () => {
    const [a, b] = [await realtimeClient('2.0.0'), await realtimeClient('1.0.0')];
    const first = a.channel('lobby', { config: { presence: { key: 'ann' } } });
    const second = b.channel('lobby', { config: { presence: { key: 'ben' } } });
    const leaves: string[] = [];
    first.on('presence', { event: 'sync' }, () => {});
    first.on('presence', { event: 'leave' }, ({ key }) => leaves.push(key));
    second.on('presence', { event: 'sync' }, () => {});
    await subscribeRecorded(first, { expectPostgres: false });
    expect(await first.track({ mood: 'happy' })).toBe('ok');
    await subscribeRecorded(second, { expectPostgres: false });
    expect(await second.track({ mood: 'curious' })).toBe('ok');
    await until(() => Object.keys(first.presenceState()).length === 2 && Object.keys(second.presenceState()).length === 2, 'both presences');
    expect(second.presenceState().ann).toEqual([expect.objectContaining({ mood: 'happy', presence_ref: expect.any(String) })]);
    await first.track({ mood: 'busy' });
    await until(() => (second.presenceState().ann?.[0] as { mood?: string } | undefined)?.mood === 'busy', 'the update');
    expect(second.presenceState().ann).toHaveLength(1);
    await b.removeChannel(second);
    await until(() => leaves.includes('ben') && !first.presenceState().ben, 'ben leaving');
  });
});

describe('tokens', () => {
  it('refuses a join with an expired, forged or role-less token as hosted Realtime does', async () => {
    const attempt = async (token: string) => {
      const channel = (await realtimeClient('2.0.0', token)).channel('guarded');
      const errors: Error[] = [];
      channel.subscribe((status, error) => error && errors.push(error));
      return (await until(() => errors[0], 'the join error')).message;
    };
    expect(await attempt(await sign({ role: 'authenticated', sub: alice.id, exp: now() - 5 }))).toMatch(/^InvalidJWTToken: Token has expired \d+ seconds ago$/);
    expect(await attempt(await sign({ role: 'authenticated', exp: now() + 60 }, 'y'.repeat(40)))).toBe('JwtSignatureError: Failed to validate JWT signature');
    expect(await attempt(await sign({ sub: alice.id, exp: now() + 60 }))).toBe('InvalidJWTToken: Fields `role` and `exp` are required in JWT');
  });

  it('closes the channel when its token expires, and keeps it when the token is refreshed in time', async () => {
    const claims = { role: 'authenticated', sub: alice.id, aud: 'authenticated' };
    const shortLived = await sign({ ...claims, exp: now() + 2 });
    const expiring = await realtimeClient('2.0.0', shortLived);
    const watch = await watchTable(expiring, 'notes');
    const closing = await until(() => watch.system.find((message) => message.status === 'error'), 'the expiry', 10_000);
    expect(closing).toMatchObject({ extension: 'system', message: expect.stringMatching(/^Token has expired \d+ seconds ago$/) });
    await until(() => watch.statuses.includes('CLOSED'), 'the close');

    const firstExp = now() + 2;
    const refreshed = await realtimeClient('2.0.0', await sign({ ...claims, exp: firstExp }));
    const kept = await watchTable(refreshed, 'notes');
    await refreshed.realtime.setAuth(await sign({ ...claims, exp: now() + 600 }));
    await until(() => kept.system.filter((message) => message.message === 'Subscribed to PostgreSQL').length === 2, 'the resubscription');
    await until(() => Date.now() / 1000 > firstExp + 1, 'the first token to be past its expiry', 10_000);
    await db.sql`insert into public.notes (owner, body) values (${alice.id}, 'after refresh')`;
    await until(() => kept.changes.length === 1, 'the change after the refresh');
    expect(kept.statuses).not.toContain('CLOSED');
    expect(kept.system.some((message) => message.status === 'error')).toBe(false);
  });

  it('refuses a refresh with a bad token by closing the channel', async () => {
    const client = await realtimeClient('2.0.0', alice.accessToken);
    const watch = await watchTable(client, 'notes');
    await client.realtime.setAuth('garbage');
    const closing = await until(() => watch.system.find((message) => message.status === 'error'), 'the refusal');
    expect(closing.message).toBe('The token provided is not a valid JWT');
  });
});

describe('private channels', () => {
  it('lets RLS on realtime.messages decide who may join and send', async () => {
    const member = await realtimeClient('2.0.0', alice.accessToken);
    const allowed = member.channel('room-1', { config: { private: true } });
    await subscribeRecorded(allowed, { expectPostgres: false });

    const denied = member.channel('room-2', { config: { private: true } });
    const errors: Error[] = [];
    denied.subscribe((_status, error) => error && errors.push(error));
    expect((await until(() => errors[0], 'the refusal')).message).toBe('Unauthorized: You do not have permissions to read from this Channel topic: room-2');

    const anonymous = (await realtimeClient('2.0.0')).channel('room-1', { config: { private: true } });
    const anonErrors: Error[] = [];
    anonymous.subscribe((_status, error) => error && anonErrors.push(error));
    expect((await until(() => anonErrors[0], 'the anon refusal')).message).toContain('Unauthorized');

    // A public channel of the same name is another topic: it does not hear the private one.
    const outsider = (await realtimeClient('2.0.0')).channel('room-1');
    const overheard: unknown[] = [];
    outsider.on('broadcast', { event: 'note' }, (message) => overheard.push(message));
    await subscribeRecorded(outsider, { expectPostgres: false });
    const second = (await realtimeClient('2.0.0', alice.accessToken)).channel('room-1', { config: { private: true } });
    const heard: unknown[] = [];
    second.on('broadcast', { event: 'note' }, (message) => heard.push(message.payload));
    await subscribeRecorded(second, { expectPostgres: false });
    await allowed.send({ type: 'broadcast', event: 'note', payload: { secret: true } });
    await until(() => heard.length === 1, 'the private broadcast');
    expect(overheard).toEqual([]);
  });
});
