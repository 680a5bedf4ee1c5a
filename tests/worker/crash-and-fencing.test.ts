import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createOwner, enqueueSimulatedJobs, statusCounts, type Owner } from '../support/job-fixtures.ts';
import { killAllWorkers, spawnWorker } from '../support/worker-process.ts';

let db: TestDatabase;
let owner: Owner;
beforeAll(async () => {
  db = await createTestDatabase();
  owner = await createOwner(db.sql);
});
afterAll(async () => {
  await killAllWorkers();
  await db.drop();
});

const eventTrail = async (id: string) =>
  (await db.sql<{ event: string; actor: string }[]>`select event, actor from public.job_events where job_id = ${id} order by id`).map(
    (e) => `${e.event}:${e.actor}`,
  );

describe('a worker SIGKILLed mid-job', () => {
  it('its jobs are rescued once the lease expires and finish on another worker, exactly once', async () => {
    const doomed = await spawnWorker(db.url, { WORKER_ID: 'doomed', WORKER_LEASE_SECONDS: '2', WORKER_CONCURRENCY: '5' });
    // The first attempt would take a minute; the retry is quick.
    const ids = await enqueueSimulatedJobs(db.sql, owner, 5, { duration_ms: [60_000, 20] });
    await expect.poll(async () => (await statusCounts(db.sql, ids)).running, { timeout: 30_000 }).toBe(5);
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBeNull();

    const survivor = await spawnWorker(db.url, { WORKER_ID: 'survivor' });
    await expect.poll(async () => (await statusCounts(db.sql, ids)).succeeded, { timeout: 60_000 }).toBe(5);
    for (const id of ids) {
      expect(await eventTrail(id)).toEqual([
        'created:db:postgres',
        'claimed:worker:doomed',
        'rescued:worker:survivor',
        'claimed:worker:survivor',
        'succeeded:worker:survivor',
      ]);
    }
    const [row] = await db.sql`select attempts, last_error from public.generation_jobs where id = ${ids[0]}`;
    expect(row).toEqual({ attempts: 2, last_error: 'lease expired: worker doomed stopped renewing it' });
    expect(await survivor.stop()).toBe(0);
  }, 120_000);
});

describe('fencing between real worker processes', () => {
  it('a stale worker\'s late finish is refused: the job keeps the result of the worker holding the lease', async () => {
    // The stale worker renews its lease rarely and leaves rescue to the others, so nothing tells it the job
    // moved on before it finishes; one slot, so it cannot take the job back meanwhile.
    const stale = await spawnWorker(db.url, {
      WORKER_ID: 'stale',
      WORKER_CONCURRENCY: '1',
      WORKER_LEASE_SECONDS: '60',
      WORKER_HEARTBEAT_MS: '50000',
      WORKER_RESCUE_INTERVAL_MS: '3600000',
    });
    const [id] = await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: [6_000, 20], cost_cents: 11 });
    await expect.poll(async () => (await statusCounts(db.sql, [id])).running, { timeout: 30_000 }).toBe(1);
    // Its lease runs out (as if it had been paused): another worker rescues the job and runs it.
    await db.sql`update public.generation_jobs set locked_until = now() - interval '1 second' where id = ${id}`;
    const current = await spawnWorker(db.url, { WORKER_ID: 'current' });
    await expect.poll(async () => (await statusCounts(db.sql, [id])).succeeded, { timeout: 30_000 }).toBe(1);

    // The stale worker's first attempt ends now; its result is refused by the fencing token.
    await stale.waitForLog((line) => line.jobId === id && line.msg.startsWith('result refused: the lease was lost'), 30_000);
    expect(await eventTrail(id)).toEqual([
      'created:db:postgres',
      'claimed:worker:stale',
      'rescued:worker:current',
      'claimed:worker:current',
      'succeeded:worker:current',
    ]);
    const [row] = await db.sql`select status, attempts, locked_by from public.generation_jobs where id = ${id}`;
    expect(row).toEqual({ status: 'succeeded', attempts: 2, locked_by: null });
    expect(await Promise.all([stale.stop(), current.stop()])).toEqual([0, 0]);
  }, 120_000);
});
