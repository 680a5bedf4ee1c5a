import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeToOwnChanges, type ChangeFeedStatus, type JobChange } from '../../lib/db/job-changes.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createProject } from '../support/job-fixtures.ts';
import { until } from '../support/realtime.ts';
import { signUpUser, type SignedInUser } from '../support/users.ts';

// The dashboard's live feed (lib/db/job-changes.ts) through real supabase-js and the local stack's Realtime:
// the migration publishes the tables, RLS decides who gets what.

let db: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  db = await createTestDatabase();
  // Short-lived access tokens, to see the feed survive a refresh.
  api = await startTestApi(db, { auth: { jwt_expiry: 6 } });
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

interface Feed {
  changes: JobChange[];
  statuses: ChangeFeedStatus[];
  others: number;
  stop(): Promise<void>;
}

async function follow(user: SignedInUser): Promise<Feed> {
  const feed: Feed = { changes: [], statuses: [], others: 0, stop: async () => {} };
  feed.stop = subscribeToOwnChanges(user.client, user.id, {
    onJob: (change) => feed.changes.push(change),
    onProjectOrAsset: () => (feed.others += 1),
    onStatus: (status) => feed.statuses.push(status),
  });
  await until(() => feed.statuses.at(-1) === 'live', 'the feed to go live');
  return feed;
}

describe('subscribeToOwnChanges', () => {
  it('delivers the user\'s own job inserts, updates and deletes, parsed; never another user\'s', async () => {
    const alice = await signUpUser(api, 'alice');
    const bob = await signUpUser(api, 'bob');
    const project = await createProject(db.sql, alice.id);
    const bobsProject = await createProject(db.sql, bob.id);
    const feed = await follow(alice);
    try {
      const { data: job } = await alice.client.from('generation_jobs').insert({ project_id: project, mode: 'lifestyle', provider: 'manual', cost_cents: 5 }).select().single();
      await bob.client.from('generation_jobs').insert({ project_id: bobsProject, mode: 'lifestyle', provider: 'manual', cost_cents: 5 });
      await alice.client.rpc('transition_job_status', { job_id: job!.id, new_status: 'running' });
      await alice.client.rpc('transition_job_status', { job_id: job!.id, new_status: 'succeeded' });
      await alice.client.from('generation_jobs').delete().eq('id', job!.id);
      await until(() => feed.changes.some((c) => c.type === 'delete'), 'the delete');
      expect(feed.changes.map((c) => (c.type === 'upsert' ? `${c.type}:${c.job.status}` : c.type))).toEqual([
        'upsert:queued', 'upsert:running', 'upsert:succeeded', 'delete',
      ]);
      const first = feed.changes[0];
      expect(first.type === 'upsert' && first.job).toMatchObject({ id: job!.id, user_id: alice.id, project_id: project, cost_cents: 5, provider: 'manual' });
      expect(feed.changes.every((c) => c.type !== 'upsert' || c.job.user_id === alice.id)).toBe(true);
      expect(feed.changes.at(-1)).toEqual({ type: 'delete', id: job!.id });

      // Projects and assets: a signal to reload them.
      await alice.client.from('projects').insert({ name: 'Second' });
      await until(() => feed.others > 0, 'the project change');
    } finally {
      await feed.stop();
    }
  });

  it('keeps delivering past the first access token\'s expiry when the session is refreshed', async () => {
    const carol = await signUpUser(api, 'carol');
    const project = await createProject(db.sql, carol.id);
    const { data: session } = await carol.client.auth.getSession();
    const expiresAt = session.session!.expires_at! * 1000;
    const feed = await follow(carol);
    try {
      // What the browser client does by itself shortly before expiry: the feed hands the new token to Realtime.
      await until(() => Date.now() > expiresAt - 2000, 'the first token to near its expiry', 10_000);
      await carol.client.auth.refreshSession();
      await until(() => Date.now() > expiresAt + 1000, 'the first token to expire', 10_000);
      await db.sql`insert into public.generation_jobs (user_id, project_id, mode, provider, cost_cents) values (${carol.id}, ${project}, 'shadow', 'manual', 1)`;
      await until(() => feed.changes.length === 1, 'the change after the refresh');
      expect(feed.statuses.at(-1)).toBe('live');
      expect(feed.statuses).not.toContain('interrupted');
    } finally {
      await feed.stop();
    }
  });

  it('unsubscribing is idempotent, also right after subscribing (React StrictMode), and stops the callbacks', async () => {
    const dave = await signUpUser(api, 'dave');
    const project = await createProject(db.sql, dave.id);
    const quick = subscribeToOwnChanges(dave.client, dave.id, { onJob: () => { throw new Error('closed feed called'); }, onProjectOrAsset: () => {}, onStatus: () => {} });
    await Promise.all([quick(), quick()]);
    const feed = await follow(dave);
    await feed.stop();
    await feed.stop();
    await db.sql`insert into public.generation_jobs (user_id, project_id, mode, provider, cost_cents) values (${dave.id}, ${project}, 'shadow', 'manual', 1)`;
    // A second, live feed sees the next change; the stopped ones saw nothing.
    const witness = await follow(dave);
    try {
      await db.sql`insert into public.generation_jobs (user_id, project_id, mode, provider, cost_cents) values (${dave.id}, ${project}, 'shadow', 'manual', 2)`;
      // The first insert may reach it too: Realtime sends what it decodes after the join, and decoding can lag.
      await until(() => witness.changes.some((change) => change.type === 'upsert' && change.job.cost_cents === 2), 'the witness');
      expect(feed.changes).toEqual([]);
      expect(dave.client.realtime.getChannels()).toHaveLength(1);
    } finally {
      await witness.stop();
    }
  });
});
