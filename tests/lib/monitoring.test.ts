import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindClient } from '../../lib/db/client-binding.ts';
import { ValidationError } from '../../lib/db/errors.ts';
import { generationJobQueries } from '../../lib/db/generation-jobs-core.ts';
import { monitoringQueries } from '../../lib/db/monitoring-core.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createJob, createProject, createTimedJob } from '../support/job-fixtures.ts';
import { signUpUser, type SignedInUser } from '../support/users.ts';

// The monitoring helpers and the archive list through real supabase-js sessions (what lib/db's server and
// browser modules run).

const helpersFor = (user: SignedInUser) => ({
  ...bindClient(() => user.client, generationJobQueries),
  ...bindClient(() => user.client, monitoringQueries),
});

let db: TestDatabase;
let api: TestApi;
let alice: SignedInUser;
let bob: SignedInUser;
let a: ReturnType<typeof helpersFor>;
let b: ReturnType<typeof helpersFor>;
let projectId: string;
let otherProjectId: string;

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 1, 8);

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  alice = await signUpUser(api, 'alice');
  bob = await signUpUser(api, 'bob');
  a = helpersFor(alice);
  b = helpersFor(bob);
  projectId = await createProject(db.sql, alice.id, 'Shoes');
  otherProjectId = await createProject(db.sql, alice.id, 'Bags');
  for (let i = 0; i < 4; i++) {
    await createTimedJob(db.sql, { userId: alice.id, projectId, mode: 'upscale', status: i === 3 ? 'failed' : 'succeeded', createdAt: new Date(T0 + i * 60_000), waitMs: 100 * (i + 1), runMs: 2000, costCents: 60 });
  }
  await createTimedJob(db.sql, { userId: alice.id, projectId: otherProjectId, mode: 'shadow', status: 'succeeded', createdAt: new Date(T0 + 2 * HOUR), waitMs: 5, runMs: 700, costCents: 80 });
});

afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

describe('getJobMetrics / getJobTimeseries', () => {
  it('the window as Dates or ISO strings; rows per mode', async () => {
    const metrics = await a.getJobMetrics({ since: new Date(T0), until: new Date(T0 + 3 * HOUR).toISOString() });
    expect(metrics.map((m) => [m.mode, m.jobs, m.failed, m.cost_cents, m.queue_wait_p50_ms, m.run_time_p95_ms])).toEqual([
      ['shadow', 1, 0, 80, 5, 700],
      ['upscale', 4, 1, 240, 200, 2000],
    ]);
    expect(metrics.find((m) => m.mode === 'upscale')!.failure_rate).toBe(0.25);
    expect(await b.getJobMetrics({ since: new Date(T0), until: new Date(T0 + 3 * HOUR) })).toEqual([]);
    // Default: the last 24 hours (these jobs are older).
    expect(await a.getJobMetrics()).toEqual([]);
  });

  it('the series has every bucket, and a mode filter', async () => {
    const hours = await a.getJobTimeseries({ since: new Date(T0), until: new Date(T0 + 3 * HOUR), granularity: 'hour' });
    expect(hours.map((p) => [new Date(p.bucket_start).getTime() - T0, p.jobs, p.cost_cents])).toEqual([
      [0, 4, 240],
      [HOUR, 0, 0],
      [2 * HOUR, 1, 80],
    ]);
    const shadow = await a.getJobTimeseries({ since: new Date(T0), until: new Date(T0 + 12 * HOUR), granularity: 'day', mode: 'shadow' });
    expect(shadow.map((p) => [p.jobs, p.run_time_p50_ms])).toEqual([[1, 700]]);
  });

  it('bad windows are refused before any request', async () => {
    await expect(a.getJobMetrics({ since: new Date(T0 + HOUR), until: new Date(T0) })).rejects.toBeInstanceOf(ValidationError);
    await expect(a.getJobMetrics({ since: 'yesterday' } as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(a.getJobTimeseries({ granularity: 'minute' } as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(a.getJobTimeseries({ since: new Date(T0), until: new Date(T0 + 1001 * HOUR) })).rejects.toThrow(/at most 1000 buckets/);
    await expect(a.getJobTimeseries({ mode: 'Not A Mode' })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('getLiveWorkers / getStuckJobs', () => {
  it('a worker running one of alice\'s jobs and one of bob\'s: each sees only their own', async () => {
    const mine = await createJob(db.sql, { userId: alice.id, projectId, status: 'running', provider: 'manual' });
    const bobsProject = await createProject(db.sql, bob.id);
    const theirs = await createJob(db.sql, { userId: bob.id, projectId: bobsProject, status: 'running', provider: 'manual' });
    await db.sql`select job_queue.register_worker('lib-test-worker', 'host', 1, '{simulated}', 8)`;
    await db.sql`select job_queue.heartbeat('lib-test-worker', ${db.sql.json([{ id: mine, lease_token: 1 }, { id: theirs, lease_token: 1 }])}, 30)`;
    const [worker] = await a.getLiveWorkers();
    expect(worker).toMatchObject({ state: 'alive', concurrency: 8, running_jobs: 2, my_job_ids: [mine], providers: ['simulated'] });
    expect(worker.worker).toMatch(/^worker-[0-9a-f]{8}$/);
    expect((await b.getLiveWorkers())[0].my_job_ids).toEqual([theirs]);
  });

  it('stuck jobs, with the waiting threshold and a limit', async () => {
    const [waiting] = await db.sql<{ id: string }[]>`
      insert into public.generation_jobs (user_id, project_id, mode, provider) values (${alice.id}, ${projectId}, 'upscale', 'simulated') returning id`;
    await db.sql`update public.generation_jobs set run_at = now() - interval '20 minutes' where id = ${waiting.id}`;
    expect((await a.getStuckJobs()).map((j) => [j.id, j.reason])).toEqual([[waiting.id, 'waiting']]);
    expect(await a.getStuckJobs({ waitingAfterMinutes: 30 })).toEqual([]);
    expect(await b.getStuckJobs()).toEqual([]);
    await expect(a.getStuckJobs({ limit: 0 })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('getArchivedJobs', () => {
  it('pages through the caller\'s archived jobs, newest first, optionally of one project', async () => {
    const totalBefore = await a.getTotalCosts();
    const [{ moved }] = await db.sql<{ moved: number }[]>`select job_queue.archive_finished_jobs(100, interval '30 days') as moved`;
    expect(moved).toBe(5);
    const first = await a.getArchivedJobs({ limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.items[0]).toMatchObject({ mode: 'shadow', status: 'succeeded' });
    expect(typeof first.items[0].archived_at).toBe('string');
    const second = await a.getArchivedJobs({ limit: 2, cursor: first.nextCursor });
    const third = await a.getArchivedJobs({ limit: 2, cursor: second.nextCursor });
    expect(third.nextCursor).toBeNull();
    const all = [...first.items, ...second.items, ...third.items];
    expect(all).toHaveLength(5);
    expect(new Set(all.map((j) => j.id)).size).toBe(5);
    expect(all.map((j) => j.created_at)).toEqual([...all.map((j) => j.created_at)].sort().reverse());
    expect((await a.getArchivedJobs({ project_id: otherProjectId })).items.map((j) => j.mode)).toEqual(['shadow']);
    expect((await b.getArchivedJobs()).items).toEqual([]);
    await expect(a.getArchivedJobs({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
    // Statistics still count them.
    expect(await a.getTotalCosts()).toBe(totalBefore);
  });
});
