import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createOwner, enqueueSimulatedJobs, statusCounts, type Owner } from '../support/job-fixtures.ts';
import { killAllWorkers, spawnWorker, type WorkerProcess } from '../support/worker-process.ts';

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

describe('2,000 simulated jobs across 4 worker processes', () => {
  it('finalises every job exactly once (the events prove it), losing none, and the workers stop cleanly', async () => {
    const workers: WorkerProcess[] = await Promise.all(
      Array.from({ length: 4 }, (_, i) => spawnWorker(db.url, { WORKER_ID: `many-${i}`, WORKER_RETRY_BASE_MS: '10', WORKER_RETRY_MAX_MS: '50' })),
    );
    // Some attempts fail and are retried, so the finishing paths all run at volume.
    const ids = await enqueueSimulatedJobs(db.sql, owner, 2_000, { duration_ms: 2, failure_rate: 0.1 });

    await expect
      .poll(async () => {
        const counts = await statusCounts(db.sql, ids);
        return (counts.succeeded ?? 0) + (counts.failed ?? 0);
      }, { timeout: 120_000, interval: 250 })
      .toBe(2_000);

    const perJob = await db.sql<{ terminal: number; claimed: number; attempts: number; status: string }[]>`
      select count(*) filter (where e.event in ('succeeded', 'failed', 'canceled'))::int as terminal,
             count(*) filter (where e.event = 'claimed')::int as claimed,
             j.attempts, j.status
      from public.generation_jobs j join public.job_events e on e.job_id = j.id
      where j.id = any(${ids}::uuid[])
      group by j.id, j.attempts, j.status`;
    expect(perJob).toHaveLength(2_000);
    expect(perJob.every((job) => job.terminal === 1)).toBe(true);
    expect(perJob.every((job) => job.claimed === job.attempts)).toBe(true);
    expect(perJob.filter((job) => job.status === 'failed').every((job) => job.attempts === 3)).toBe(true);
    const [{ rescued, retries }] = await db.sql<{ rescued: number; retries: number }[]>`
      select count(*) filter (where event = 'rescued')::int as rescued, count(*) filter (where event = 'retry_scheduled')::int as retries
      from public.job_events where job_id = any(${ids}::uuid[])`;
    expect(rescued).toBe(0);
    expect(retries).toBeGreaterThan(0);

    const byWorker = await db.sql<{ actor: string; n: number }[]>`
      select actor, count(*)::int as n from public.job_events where event = 'claimed' and job_id = any(${ids}::uuid[]) group by actor order by actor`;
    expect(byWorker.map((row) => row.actor)).toEqual(workers.map((w) => `worker:${w.id}`).sort());

    expect(await Promise.all(workers.map((worker) => worker.stop('SIGTERM')))).toEqual([0, 0, 0, 0]);
    const registered = await db.sql<{ id: string; stopped: boolean }[]>`
      select id, stopped_at is not null as stopped from job_queue.workers where id like 'many-%' order by id`;
    expect(registered).toEqual(workers.map((w) => ({ id: w.id, stopped: true })).sort((a, b) => a.id.localeCompare(b.id)));
  }, 180_000);
});
