import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedDatabase, startScratchCluster, type ScratchCluster } from '../../local-stack/scratch-cluster.ts';
import { createOwner, enqueueSimulatedJobs, statusCounts, type Owner } from '../support/job-fixtures.ts';
import { killAllWorkers, spawnWorker } from '../support/worker-process.ts';

// Its own throwaway cluster: restarting the shared test cluster would break the other test files.
let cluster: ScratchCluster;
let url: string;
let sql: postgres.Sql;
let owner: Owner;
beforeAll(async () => {
  cluster = await startScratchCluster('worker-restart');
  url = await createMigratedDatabase(cluster, 'restart_test');
  sql = postgres(url, { max: 2, onnotice: () => {} });
  owner = await createOwner(sql);
}, 180_000);
afterAll(async () => {
  await killAllWorkers();
  await sql?.end({ timeout: 1 }).catch(() => undefined);
  await cluster?.stop();
});

describe('the database restarted under a running worker', () => {
  it('the worker reconnects (LISTEN included) and loses nothing', async () => {
    // Polling only every minute: a job queued after the restart is found through the renewed LISTEN.
    const worker = await spawnWorker(url, { WORKER_ID: 'resilient', WORKER_POLL_INTERVAL_MS: '60000', WORKER_CONCURRENCY: '5' });
    const ids = await enqueueSimulatedJobs(sql, owner, 60, { duration_ms: 150 });
    await expect.poll(async () => (await statusCounts(sql, ids)).succeeded ?? 0, { timeout: 60_000, interval: 100 }).toBeGreaterThan(5);

    await sql.end({ timeout: 1 });
    await cluster.restart(1_500);
    sql = postgres(url, { max: 2, onnotice: () => {} });

    await expect.poll(async () => (await statusCounts(sql, ids)).succeeded, { timeout: 90_000, interval: 250 }).toBe(60);
    // Each job finished exactly once: none lost, none run twice.
    const [events] = await sql<{ succeeded: number; jobs: number; rescued: number }[]>`
      select count(*) filter (where event = 'succeeded')::int as succeeded, count(distinct job_id)::int as jobs,
             count(*) filter (where event = 'rescued')::int as rescued
      from public.job_events where job_id = any(${ids}::uuid[])`;
    expect(events).toEqual({ succeeded: 60, jobs: 60, rescued: 0 });
    // The outage was felt (a claim, heartbeat or write failed) and survived.
    expect(worker.logs.some((line) => line.level >= 40 && /failed/.test(line.msg))).toBe(true);

    const [late] = await enqueueSimulatedJobs(sql, owner, 1, { duration_ms: 0 });
    await expect.poll(async () => (await statusCounts(sql, [late])).succeeded, { timeout: 30_000, interval: 100 }).toBe(1);
    expect(await worker.stop()).toBe(0);
  }, 240_000);
});
