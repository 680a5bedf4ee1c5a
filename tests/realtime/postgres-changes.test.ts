import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../local-stack/processes.ts';
import { createRealtimeApi } from '../../local-stack/realtime/index.ts';
import { roleUrl } from '../../local-stack/stack.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createNotesTable, fixtureClient, subscribeRecorded, until, watchTable, type Recorded } from '../support/realtime.ts';
import { untypedClient } from '../support/users.ts';

let db: TestDatabase;
let api: TestApi;
let alice: Awaited<ReturnType<typeof fixtureClient>>;
let bob: Awaited<ReturnType<typeof fixtureClient>>;

beforeAll(async () => {
  db = await createTestDatabase();
  await createNotesTable(db.sql);
  await createNotesTable(db.sql, 'full_notes', { replicaIdentityFull: true });
  await db.sql.unsafe(`
    create type public.mood as enum ('calm', 'busy');
    create table public.samples (
      id uuid primary key default gen_random_uuid(),
      n int, big bigint, amount numeric(10,2), ratio float8, flag boolean, label text, mood public.mood,
      day date, at timestamptz, plain_at timestamp, doc jsonb, list int[], raw bytea, secret text
    );
    revoke select on public.samples from anon, authenticated;
    grant select (id, n, big, amount, ratio, flag, label, mood, day, at, plain_at, doc, list, raw) on public.samples to anon, authenticated;
    create table public.unpublished (id int primary key);
    create table public.no_key (n int);
    alter publication supabase_realtime add table public.samples, public.no_key;
  `);
  api = await startTestApi(db);
  [alice, bob] = await Promise.all([fixtureClient(api, 'alice'), fixtureClient(api, 'bob')]);
});
afterAll(async () => {
  await Promise.all([alice?.client.removeAllChannels(), bob?.client.removeAllChannels()]);
  await api?.stop();
  await db?.drop();
});

const insertNote = async (owner: string, body: string, priority = 0) =>
  (await db.sql<{ id: string }[]>`insert into public.notes (owner, body, priority) values (${owner}, ${body}, ${priority}) returning id`)[0].id;

const bodies = (recorded: Recorded) =>
  recorded.changes.map((change) => (change.eventType === 'DELETE' ? change.old : (change.new as Record<string, unknown>)).body);

describe('postgres_changes', () => {
  it('delivers a subscriber its own inserts quickly, never another user’s', async () => {
    const aliceWatch = await watchTable(alice.client, 'notes');
    const bobWatch = await watchTable(bob.client, 'notes');
    const started = performance.now();
    const { error } = await alice.client.from('notes').insert({ body: 'hello' });
    expect(error).toBeNull();
    await insertNote(bob.id, 'bob only');
    await until(() => aliceWatch.changes.length >= 1 && bobWatch.changes.length >= 1, 'both changes');
    console.log(`insert through the REST API → change at the subscriber: ${(aliceWatch.changes[0].receivedAt - started).toFixed(1)} ms`);
    expect(aliceWatch.changes[0]).toMatchObject({
      schema: 'public',
      table: 'notes',
      eventType: 'INSERT',
      new: { body: 'hello', owner: alice.id, priority: 0, tags: [], meta: null },
      old: {},
      errors: null,
    });
    expect(aliceWatch.changes[0].commit_timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // Bob's change (committed after Alice's) reached Bob; Alice's stream never carried it.
    expect(bodies(bobWatch)).toEqual(['bob only']);
    await insertNote(alice.id, 'marker');
    await until(() => aliceWatch.changes.length >= 2, 'the marker');
    expect(bodies(aliceWatch)).toEqual(['hello', 'marker']);
    await Promise.all([alice.client.removeChannel(aliceWatch.channel), bob.client.removeChannel(bobWatch.channel)]);
  });

  it('sends updates with the key as old record, and deletes only under REPLICA IDENTITY FULL and RLS', async () => {
    const plain = await watchTable(alice.client, 'notes');
    const full = await watchTable(alice.client, 'full_notes');
    const bobFull = await watchTable(bob.client, 'full_notes');
    const id = await insertNote(alice.id, 'draft');
    const [{ id: fullId }] = await db.sql<{ id: string }[]>`insert into public.full_notes (owner, body) values (${alice.id}, 'draft') returning id`;
    await db.sql`update public.notes set body = 'final' where id = ${id}`;
    await db.sql`update public.full_notes set body = 'final' where id = ${fullId}`;
    await db.sql`delete from public.notes where id = ${id}`;
    await db.sql`delete from public.full_notes where id = ${fullId}`;
    await until(() => full.changes.length >= 3 && plain.changes.length >= 2, 'the changes');
    await insertNote(alice.id, 'marker');
    await until(() => plain.changes.length >= 3, 'the marker');
    expect(plain.changes.map((change) => change.eventType)).toEqual(['INSERT', 'UPDATE', 'INSERT']);
    expect(plain.changes[1]).toMatchObject({ new: { body: 'final' }, old: { id: Number(id) } });
    expect(Object.keys(plain.changes[1].old)).toEqual(['id']);
    expect(full.changes.map((change) => change.eventType)).toEqual(['INSERT', 'UPDATE', 'DELETE']);
    expect(full.changes[1].old).toMatchObject({ body: 'draft', owner: alice.id });
    // As hosted: a deleted row of an RLS table is sent as its primary key only.
    expect(full.changes[2].old).toEqual({ id: Number(fullId) });
    expect(bobFull.changes).toEqual([]);
  });

  it('applies filters with the column’s type: eq, neq, lt, lte, gt, gte, in, and combinations', async () => {
    const cases: [string, number[]][] = [
      ['priority=eq.2', [2]],
      ['priority=neq.2', [1, 3, 10, 99]],
      ['priority=lt.3', [1, 2]],
      ['priority=lte.3', [1, 2, 3]],
      ['priority=gt.3', [10, 99]],
      ['priority=gte.3', [3, 10, 99]],
      ['priority=in.(1,10)', [1, 10]],
      ['priority=gt.1,priority=lt.10', [2, 3]],
      ['priority=not.in.(1,2)', [3, 10, 99]],
      ['body=like.%keep%', [2, 10]],
      ['body=eq."a,b (keep)"', [10]],
    ];
    const watches = await Promise.all(cases.map(([filter]) => watchTable(alice.client, 'notes', { filter, event: 'INSERT' })));
    for (const [priority, body] of [[1, 'one'], [2, 'keep two'], [3, 'three'], [10, 'a,b (keep)']] as const) await insertNote(alice.id, body, priority);
    await insertNote(bob.id, 'bob', 2);
    // The end marker (priority 99) closes the stream: once the unfiltered watch has it, every watch has had its share.
    const all = await watchTable(alice.client, 'notes', { event: 'INSERT' });
    await insertNote(alice.id, 'end', 99);
    await until(() => all.changes.some((change) => (change.new as Record<string, unknown>).body === 'end'), 'the end marker');
    await until(() => watches.every((watch, i) => watch.changes.length >= cases[i][1].length), 'filtered changes');
    cases.forEach(([filter, expected], i) => {
      expect({ filter, got: watches[i].changes.map((change) => (change.new as Record<string, unknown>).priority) }).toEqual({ filter, got: expected });
    });
    await Promise.all([...watches, all].map((watch) => alice.client.removeChannel(watch.channel)));
  });

  it('sends values typed as hosted Realtime does, and only the columns the role may read', async () => {
    const watch = await watchTable(alice.client, 'samples', { filter: 'at=gt.2024-01-01T00:00:00Z' });
    await db.sql`
      insert into public.samples (n, big, amount, ratio, flag, label, mood, day, at, plain_at, doc, list, raw, secret)
      values (7, 9007199254740991, 12.50, 0.25, true, 'x', 'busy', '2024-02-29', '2024-03-01 12:00:00.123456+00', '2024-03-01 12:00:00',
              '{"a": [1, {"b": null}]}', '{1,2,3}', '\\x0102', 'hidden')`;
    await until(() => watch.changes.length === 1, 'the sample');
    const change = watch.changes[0];
    expect(change.new).toEqual({
      id: expect.any(String),
      n: 7,
      big: 9007199254740991,
      amount: 12.5,
      ratio: 0.25,
      flag: true,
      label: 'x',
      mood: 'busy',
      day: '2024-02-29',
      at: '2024-03-01T12:00:00.123456+00:00',
      plain_at: '2024-03-01T12:00:00',
      doc: { a: [1, { b: null }] },
      list: [1, 2, 3],
      raw: '\\x0102',
    });
    expect(change.new).not.toHaveProperty('secret');
    await alice.client.removeChannel(watch.channel);
  });

  it('gives anon nothing from an owner-only table, and the service role everything', async () => {
    const anonWatch = await watchTable(untypedClient(api), 'notes');
    const service = untypedClient(api, api.serviceRoleKey);
    const serviceWatch = await watchTable(service, 'notes');
    await insertNote(alice.id, 'private');
    await until(() => serviceWatch.changes.length === 1, 'the service role change');
    expect(anonWatch.changes).toEqual([]);
    await Promise.all([anonWatch.channel.unsubscribe(), serviceWatch.channel.unsubscribe()]);
  });

  it('answers bad subscriptions with hosted Realtime’s system errors, and keeps the channel', async () => {
    const attempt = async (binding: Record<string, string>) => {
      const channel = alice.client.channel(`bad-${Math.random()}`);
      channel.on('postgres_changes', { event: '*', ...binding } as never, () => {});
      const recorded = await subscribeRecorded(channel, { expectPostgres: false });
      const message = await until(() => recorded.system.find((entry) => entry.extension === 'postgres_changes'), 'the system message');
      await alice.client.removeChannel(channel);
      return message;
    };
    expect(await attempt({ schema: 'public', table: 'unpublished' })).toMatchObject({
      status: 'error',
      message: expect.stringContaining('Check that tables are part of publication supabase_realtime'),
    });
    expect((await attempt({ schema: 'public', table: 'notes', filter: 'nope=eq.1' })).message).toContain('invalid column for filter nope');
    expect((await attempt({ schema: 'public', table: 'notes', filter: 'priority=eq.abc' })).message).toContain('invalid input syntax for type integer');
    expect((await attempt({ schema: 'public', table: 'notes', filter: 'priority=between.1' })).message).toContain('Error parsing `filter` params');
    expect((await attempt({ schema: 'public', table: 'samples', filter: 'secret=eq.x' })).message).toContain('invalid column for filter secret');
  });

  it('reports a change to a table without a primary key as hosted does, without data', async () => {
    const watch = await watchTable(alice.client, 'no_key');
    await db.sql`insert into public.no_key values (1)`;
    await until(() => watch.changes.length === 1, 'the notice');
    expect(watch.changes[0]).toMatchObject({ eventType: 'INSERT', errors: ['Error 400: Bad Request, no primary key'], new: {} });
    await alice.client.removeChannel(watch.channel);
  });

  it('routes several bindings of one channel by id', async () => {
    const channel = alice.client.channel('two-bindings');
    const inserts: unknown[] = [];
    const updates: unknown[] = [];
    channel
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'notes' }, (payload) => inserts.push(payload.new))
      .on('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'notes', filter: 'priority=eq.5' }, (payload) => updates.push(payload.new));
    await subscribeRecorded(channel);
    const id = await insertNote(alice.id, 'n', 1);
    await db.sql`update public.notes set priority = 5 where id = ${id}`;
    await db.sql`update public.notes set priority = 6 where id = ${id}`;
    await until(() => inserts.length === 1 && updates.length === 1, 'both bindings');
    await insertNote(alice.id, 'marker');
    await until(() => inserts.length === 2, 'the marker');
    expect(updates).toEqual([expect.objectContaining({ priority: 5 })]);
    await alice.client.removeChannel(channel);
  });

  it('drops a replication slot left by a stack that was killed, and holds none while nobody subscribes', async () => {
    let pid = 999_999;
    while (isAlive(pid)) pid++;
    const stale = `local_stack_realtime_${pid}_0badc0de`;
    await db.sql`select pg_create_logical_replication_slot(${stale}, 'pgoutput')`;
    const realtime = await createRealtimeApi({ databaseUrl: db.url, authenticatorUrl: roleUrl(db.url, 'authenticator'), jwtSecret: api.jwtSecret });
    try {
      expect(await db.sql`select 1 from pg_replication_slots where slot_name = ${stale}`).toHaveLength(0);
      expect(realtime.slotName).toBeNull();
    } finally {
      await realtime.close();
    }
  });
});
