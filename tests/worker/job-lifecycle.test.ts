import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole, user } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createOwner, enqueueSimulatedJobs, statusCounts, type Owner } from '../support/job-fixtures.ts';
import { killAllWorkers, spawnWorker, type WorkerProcess } from '../support/worker-process.ts';

let db: TestDatabase;
let owner: Owner;
let worker: WorkerProcess;
const BASE_MS = 200;
const MAX_MS = 1000;

beforeAll(async () => {
  db = await createTestDatabase();
  owner = await createOwner(db.sql);
  // Quick timeouts for one mode, so a stuck attempt is cut short (copied into jobs at creation).
  await db.sql`update public.generation_modes set timeout_seconds = 1, max_attempts = 2 where mode = 'shadow' and provider = 'simulated'`;
  worker = await spawnWorker(db.url, {
    WORKER_ID: 'lifecycle',
    WORKER_LEASE_SECONDS: '3',
    WORKER_RETRY_BASE_MS: String(BASE_MS),
    WORKER_RETRY_MAX_MS: String(MAX_MS),
  });
});
afterAll(async () => {
  await killAllWorkers();
  await db.drop();
});

interface Event {
  event: string;
  attempt: number;
  actor: string;
  error: string | null;
  created_at: Date;
  details: { run_at?: string };
}
const events = (id: string) =>
  db.sql<Event[]>`select event, attempt, actor, error, created_at, details from public.job_events where job_id = ${id} order by id`;
const job = async (id: string) => (await db.sql`select * from public.generation_jobs where id = ${id}`)[0];
const waitFor = (id: string, status: string, timeout = 30_000) =>
  expect.poll(async () => (await job(id)).status, { timeout, interval: 100 }).toBe(status);

describe('retries', () => {
  it('follow the exponential backoff (read from the recorded run_at) and stop at max_attempts', async () => {
    const [id] = await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 0, fail_attempts: 25 });
    await waitFor(id, 'failed');
    const trail = await events(id);
    expect(trail.map((e) => `${e.event}:${e.attempt}`)).toEqual([
      'created:0', 'claimed:1', 'retry_scheduled:1', 'claimed:2', 'retry_scheduled:2', 'claimed:3', 'failed:3',
    ]);
    const retries = trail.filter((e) => e.event === 'retry_scheduled');
    retries.forEach((retry, i) => {
      // d = min(max, base * 2^(attempt - 1)); run_at = failure time + d/2 + random * d/2.
      const d = Math.min(MAX_MS, BASE_MS * 2 ** i);
      const delay = Date.parse(retry.details.run_at!) - retry.created_at.getTime();
      expect(delay).toBeGreaterThanOrEqual(d / 2 - 1);
      expect(delay).toBeLessThanOrEqual(d + 1);
      // The next attempt is not claimed before its run_at.
      const nextClaim = trail[trail.indexOf(retry) + 1];
      expect(nextClaim.created_at.getTime()).toBeGreaterThanOrEqual(Date.parse(retry.details.run_at!) - 1);
      expect(retry.error).toBe(`simulated retryable failure on attempt ${i + 1}`);
    });
    expect(await job(id)).toMatchObject({ attempts: 3, max_attempts: 3, error_message: 'simulated retryable failure on attempt 3' });
  }, 60_000);

  it('a permanent failure fails at once; a flaky job succeeds on a later attempt', async () => {
    const [permanent] = await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 0, fail_attempts: 1, failure: 'permanent' });
    const [flaky] = await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 0, fail_attempts: 1, cost_cents: 33 });
    await waitFor(permanent, 'failed');
    await waitFor(flaky, 'succeeded');
    expect((await events(permanent)).map((e) => e.event)).toEqual(['created', 'claimed', 'failed']);
    expect(await job(flaky)).toMatchObject({ attempts: 2, cost_cents: 33, last_error: 'simulated retryable failure on attempt 1' });
  }, 60_000);
});

describe('timeouts', () => {
  it('abort the handler through its AbortSignal when the mode\'s timeout passes; the lease is not needed', async () => {
    const [id] = await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 600_000 }, 'shadow');
    await waitFor(id, 'failed');
    expect(await job(id)).toMatchObject({ attempts: 2, error_message: 'timed out after 1 s (attempt 2)' });
    expect((await events(id)).map((e) => `${e.event}:${e.error ?? ''}`)).toEqual([
      'created:',
      'claimed:',
      'retry_scheduled:timed out after 1 s (attempt 1)',
      'claimed:',
      'failed:timed out after 1 s (attempt 2)',
    ]);
  }, 60_000);
});

describe('cancel', () => {
  const cancel = (id: string) => asRole(db.sql, user(owner.userId), (tx) => tx`select status from public.cancel_generation_job(${id})`);

  it('of a queued job: at once, and no worker ever runs it', async () => {
    const insert = (delay: string) =>
      asRole(db.sql, user(owner.userId), (tx) => tx<{ id: string }[]>`
        insert into public.generation_jobs (project_id, mode, provider, params, run_at)
        values (${owner.projectId}, 'upscale', 'simulated', '{"duration_ms": 0}', now() + ${delay}::interval) returning id`);
    const [{ id }] = await insert('1 second');
    expect(await cancel(id)).toEqual([{ status: 'canceled' }]);
    // A job due after it: once the worker has run that one, it would have claimed the canceled job first.
    const [{ id: marker }] = await insert('1.5 seconds');
    await waitFor(marker, 'succeeded');
    expect((await events(id)).map((e) => e.event)).toEqual(['created', 'canceled']);
  }, 30_000);

  it('of a running job: the worker aborts it and acknowledges within one heartbeat', async () => {
    const [id] = await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 600_000 });
    await waitFor(id, 'running');
    expect(await cancel(id)).toEqual([{ status: 'running' }]);
    await waitFor(id, 'canceled', 15_000);
    expect((await events(id)).map((e) => `${e.event}:${e.actor}`)).toEqual([
      'created:db:postgres',
      'claimed:worker:lifecycle',
      `cancel_requested:user:${owner.userId}`,
      'canceled:worker:lifecycle',
    ]);
    await worker.waitForLog((line) => line.jobId === id && line.outcome === 'canceled');
  }, 60_000);
});

// Last: it stops the shared worker.
describe('SIGTERM', () => {
  it('drains: no new claims, running jobs finish within the grace period, the rest go back to the queue', async () => {
    const draining = await spawnWorker(db.url, { WORKER_ID: 'draining', WORKER_SHUTDOWN_GRACE_MS: '4000', WORKER_PROVIDERS: 'simulated' });
    await worker.stop(); // the other worker must not take the jobs
    const [quick] = await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 1_000 });
    const [slow] = await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 600_000 });
    await expect.poll(async () => (await statusCounts(db.sql, [quick, slow])).running, { timeout: 30_000, interval: 50 }).toBe(2);
    const signalled = draining.stop('SIGTERM');
    // Once the claim loop has ended, a new job stays queued.
    await draining.waitForLog((line) => line.msg.startsWith('stopping: no new jobs'));
    const [waiting] = await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 0 });
    expect(await signalled).toBe(0);

    expect(await job(quick)).toMatchObject({ status: 'succeeded' });
    expect(await job(slow)).toMatchObject({ status: 'queued', attempts: 0, locked_by: null });
    expect((await events(slow)).map((e) => e.event)).toEqual(['created', 'claimed', 'released']);
    expect((await job(waiting)).status).toBe('queued');
    const [row] = await db.sql`select stopped_at is not null as stopped, running_job_ids from job_queue.workers where id = 'draining'`;
    expect(row).toEqual({ stopped: true, running_job_ids: [] });
  }, 60_000);
});
