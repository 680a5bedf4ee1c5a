import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createOwner, enqueueSimulatedJobs, type Owner } from '../support/job-fixtures.ts';
import { recountRollups, storedRollups } from '../support/rollup-recount.ts';
import { killAllWorkers, spawnWorker, type WorkerProcess } from '../support/worker-process.ts';

// The worker's periodic upkeep (docs/WORKER.md): archival of finished jobs past the retention, from several
// workers at once, and compaction of the rollups, while the same workers run jobs.

let db: TestDatabase;
let owner: Owner;
let workers: WorkerProcess[];

beforeAll(async () => {
  db = await createTestDatabase();
  owner = await createOwner(db.sql);
  // 300 jobs that finished 100 days ago (the job system may backdate), due for archival.
  await db.sql`
    insert into public.generation_jobs (user_id, project_id, mode, provider, cost_cents, created_at)
    select ${owner.userId}, ${owner.projectId}, 'lifestyle', 'manual', n, now() - interval '101 days' from generate_series(1, 300) n`;
  await db.sql`update public.generation_jobs set status = 'canceled' where user_id = ${owner.userId}`;
  await db.sql`update public.generation_jobs set finished_at = now() - interval '100 days' where user_id = ${owner.userId}`;
  await db.sql`update job_queue.settings set archive_batch_size = 40`;
  const env = { WORKER_ARCHIVE_INTERVAL_MS: '300', WORKER_COMPACT_INTERVAL_MS: '300' };
  workers = await Promise.all([spawnWorker(db.url, env), spawnWorker(db.url, env)]);
});
afterAll(async () => {
  await killAllWorkers();
  await db.drop();
});

describe('periodic upkeep', () => {
  it('two workers archive every old finished job exactly once, compact the rollups, and run jobs meanwhile', async () => {
    const before = await storedRollups(db.sql);
    const running = await enqueueSimulatedJobs(db.sql, owner, 50, { duration_ms: 5 });
    await expect
      .poll(async () => (await db.sql<{ n: string }[]>`select count(*) as n from public.generation_jobs_archive`)[0].n, { timeout: 30_000, interval: 100 })
      .toBe('300');
    await expect
      .poll(async () => (await db.sql<{ n: string }[]>`select count(*) as n from public.generation_jobs where id = any(${running}::uuid[]) and status = 'succeeded'`)[0].n, { timeout: 30_000, interval: 100 })
      .toBe('50');
    const [{ live }] = await db.sql<{ live: string }[]>`select count(*) as live from public.generation_jobs where status = 'canceled'`;
    expect(live).toBe('0');
    expect(workers.flatMap((w) => w.logs).filter((line) => line.msg === 'archived finished jobs past the retention').length).toBeGreaterThan(0);
    // The archived jobs still count: the canceled ones are as they were.
    const after = await storedRollups(db.sql);
    const canceledKey = `${owner.userId}|${owner.projectId}|canceled`;
    expect(after.statusTotals[canceledKey]).toEqual(before.statusTotals[canceledKey]);
    expect(after).toEqual(await recountRollups(db.sql));
    // Compaction runs once nothing is written: every shard folded into shard 0.
    await expect
      .poll(async () => (await db.sql<{ n: string }[]>`select count(*) as n from job_rollups.status_totals where shard <> 0`)[0].n, { timeout: 15_000, interval: 100 })
      .toBe('0');
    expect(await storedRollups(db.sql)).toEqual(await recountRollups(db.sql));
  });
});
