import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createNotesTable, until, watchTable } from '../support/realtime.ts';
import { signUpUser, type SignedInUser } from '../support/users.ts';

let db: TestDatabase;
let api: TestApi;
let alice: SignedInUser;
let bob: SignedInUser;

beforeAll(async () => {
  db = await createTestDatabase();
  await createNotesTable(db.sql);
  api = await startTestApi(db);
  [alice, bob] = await Promise.all([signUpUser(api, 'alice'), signUpUser(api, 'bob')]);
});
afterAll(async () => {
  await Promise.all([alice?.client.removeAllChannels(), bob?.client.removeAllChannels()]);
  await api?.stop();
  await db?.drop();
});

describe('postgres_changes', () => {
  it('delivers a subscriber its own inserts, never another user’s', async () => {
    const aliceWatch = await watchTable(alice.client, 'notes');
    const bobWatch = await watchTable(bob.client, 'notes');
    const started = performance.now();
    const { error } = await alice.client.from('notes').insert({ body: 'hello' });
    expect(error).toBeNull();
    await db.sql`insert into public.notes (owner, body) values (${bob.id}, 'bob only')`;
    await until(() => aliceWatch.changes.length >= 1 && bobWatch.changes.length >= 1, 'both changes');
    console.log(`insert → subscriber latency: ${(aliceWatch.changes[0].receivedAt - started).toFixed(1)} ms`);
    expect(aliceWatch.changes).toHaveLength(1);
    expect(aliceWatch.changes[0]).toMatchObject({
      schema: 'public',
      table: 'notes',
      eventType: 'INSERT',
      new: { body: 'hello', owner: alice.id, priority: 0, tags: [], meta: null },
      old: {},
      errors: null,
    });
    expect(bobWatch.changes.map((change) => change.new)).toEqual([expect.objectContaining({ body: 'bob only', owner: bob.id })]);
  });
});
