/**
 * `npm run bench:scale`: the dashboard's queries at a million jobs. Builds, in a throwaway cluster, a table of
 * 1,000,000 jobs of which 500,000 belong to one account (five projects) and the rest to 1,000 light accounts
 * (tests/support/job-volume.ts), then times each query the dashboard sends, p50/p95 of the statement's round
 * trip inside a transaction set up as PostgREST sets it up:
 *   - as the user (role authenticated, RLS on), the heavy account and a light one;
 *   - as the service role (RLS bypassed; the same user's claims, so auth.uid() is that user; lists filter on
 *     user_id explicitly), which is the RLS overhead by difference.
 * Then the cost per job written with and without the rollup triggers: single-row inserts (a user creating a
 * job), 1,000-row inserts, and the queue's claim + complete in batches of 200; and archival throughput.
 *
 *   npm run bench:scale     (ITERATIONS=200 WARMUP=20 JOBS=1000000 HEAVY_JOBS=500000)
 */
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import postgres from 'postgres';
import { createMigratedDatabase, startScratchCluster } from '../local-stack/scratch-cluster.ts';
import { asRole, user, type Actor } from '../tests/support/as-role.ts';
import { dashboardQueries, loadJobVolume, SCALE_VOLUME, type Account, type DashboardQuery } from '../tests/support/job-volume.ts';
import { summarize, type Latency } from './latency.ts';

const ITERATIONS = Number(process.env.ITERATIONS ?? 200);
const WARMUP = Number(process.env.WARMUP ?? 20);
const VOLUME = {
  ...SCALE_VOLUME,
  jobs: Number(process.env.JOBS ?? SCALE_VOLUME.jobs),
  heavy: { ...SCALE_VOLUME.heavy, jobs: Number(process.env.HEAVY_JOBS ?? SCALE_VOLUME.heavy.jobs) },
};
const TARGET_MS = 5;

/** The service role bypasses RLS: the lists name the user explicitly (what RLS adds for the user). */
function forServiceRole(query: DashboardQuery, userId: string): DashboardQuery {
  const filter = `user_id = '${userId}'::uuid`;
  const statement = query.statement
    .replace(/from public\.generation_jobs where /, `from public.generation_jobs where ${filter} and `)
    .replace(/from public\.generation_jobs order by/, `from public.generation_jobs where ${filter} order by`)
    .replace(/from public\.generation_job_summary$/, `from public.generation_job_summary where ${filter}`);
  return { ...query, statement };
}

async function timeQuery(sql: postgres.Sql, actor: Actor, query: DashboardQuery): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + ITERATIONS; i += 1) {
    const ms = await asRole(sql, actor, async (tx) => {
      const start = performance.now();
      await tx.unsafe(query.statement, query.params as never[]);
      return performance.now() - start;
    });
    if (i >= WARMUP) samples.push(ms);
  }
  return summarize(samples);
}

const fmt = (ms: number) => ms.toFixed(2).padStart(6);

async function queryLatencies(sql: postgres.Sql, accounts: { name: string; account: Account }[]): Promise<boolean> {
  let allWithin = true;
  console.log(`\nStatement round trip in ms (p50 / p95 over ${ITERATIONS} runs after ${WARMUP} warm-up), one connection`);
  console.log(`${'query'.padEnd(26)}${accounts.map((a) => `${`${a.name}: user`.padEnd(18)}${`${a.name}: service`.padEnd(20)}`).join('')}`);
  const perAccount = await Promise.all(accounts.map(async (a) => dashboardQueries(sql, a.account.projectId)));
  for (let q = 0; q < perAccount[0].length; q += 1) {
    const cells: string[] = [];
    for (let a = 0; a < accounts.length; a += 1) {
      const query = perAccount[a][q];
      const { userId } = accounts[a].account;
      const asUser = await timeQuery(sql, user(userId), query);
      const asService = await timeQuery(sql, { role: 'service_role', sub: userId }, forServiceRole(query, userId));
      if (accounts[a].name === 'heavy' && asUser.p95 > TARGET_MS && !query.name.startsWith('timeseries 30 d')) allWithin = false;
      cells.push(`${fmt(asUser.p50)} /${fmt(asUser.p95)}    `, `${fmt(asService.p50)} /${fmt(asService.p95)}      `);
    }
    console.log(`${perAccount[0][q].name.padEnd(26)}${cells.join('')}`);
  }
  return allWithin;
}

/** µs per job for `run` writing `jobs` jobs, with the rollup triggers on and off. */
async function writeCost(sql: postgres.Sql, label: string, jobs: number, run: () => Promise<void>): Promise<void> {
  const triggers = ['generation_jobs_rollup_inserts', 'generation_jobs_rollup_updates'];
  const results: string[] = [];
  for (const enabled of [true, false, true, false]) {
    for (const trigger of triggers) await sql.unsafe(`alter table public.generation_jobs ${enabled ? 'enable' : 'disable'} trigger ${trigger}`);
    const start = performance.now();
    await run();
    results.push(`${enabled ? 'with' : 'without'} ${(((performance.now() - start) * 1000) / jobs).toFixed(0)} µs`);
  }
  for (const trigger of triggers) await sql.unsafe(`alter table public.generation_jobs enable trigger ${trigger}`);
  console.log(`  ${label.padEnd(52)} ${results.join(', ')} per job`);
}

async function main() {
  const cluster = await startScratchCluster('bench-scale-pg');
  let sql: postgres.Sql | null = null;
  try {
    sql = postgres(await createMigratedDatabase(cluster, 'bench_scale'), { max: 1, onnotice: () => {} });
    console.log(`Scale benchmark: ${VOLUME.jobs.toLocaleString('en-US')} jobs, one account with ${VOLUME.heavy.jobs.toLocaleString('en-US')} over ${VOLUME.heavy.projects} projects, the rest over ${VOLUME.users.toLocaleString('en-US')} accounts; ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const loadStart = performance.now();
    const { light, heavy } = await loadJobVolume(sql, VOLUME);
    console.log(`loaded, rollups rebuilt and analyzed in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
    const [sizes] = await sql<{ jobs: string; status_totals: string; mode_hours: string; latency_bins: string }[]>`
      select (select count(*) from public.generation_jobs) as jobs, (select count(*) from job_rollups.status_totals) as status_totals,
             (select count(*) from job_rollups.mode_hours) as mode_hours, (select count(*) from job_rollups.latency_bins) as latency_bins`;
    console.log(`rows: generation_jobs ${sizes.jobs}, rollups: status_totals ${sizes.status_totals}, mode_hours ${sizes.mode_hours}, latency_bins ${sizes.latency_bins}`);

    const withinTarget = await queryLatencies(sql, [
      { name: 'heavy', account: heavy! },
      { name: 'light', account: light },
    ]);

    console.log('\nCost per job written (two rounds each, rollup triggers on and off):');
    const { userId, projectId } = heavy!;
    await writeCost(sql, 'single-row insert as the user (own transaction)', 500, async () => {
      for (let i = 0; i < 500; i += 1) {
        await asRole(sql!, user(userId), (tx) => tx`insert into public.generation_jobs (project_id, mode, provider) values (${projectId}, 'upscale', 'manual')`);
      }
    });
    await writeCost(sql, '1,000-row insert (owner)', 10_000, async () => {
      for (let i = 0; i < 10; i += 1) {
        await sql!`insert into public.generation_jobs (user_id, project_id, mode, provider) select ${userId}, ${projectId}, 'upscale', 'simulated' from generate_series(1, 1000)`;
      }
    });
    await writeCost(sql, 'claim + complete, batches of 200 (the worker\'s path)', 4_000, async () => {
      await sql!`insert into public.generation_jobs (user_id, project_id, mode, provider) select ${userId}, ${projectId}, 'shadow', 'simulated' from generate_series(1, 4000)`;
      for (let i = 0; i < 20; i += 1) {
        await sql!`
          select job_queue.complete_jobs('bench', (
            select jsonb_agg(jsonb_build_object('id', c.id, 'lease_token', c.lease_token))
            from job_queue.claim_jobs('bench', '{simulated}', 200, 30) c))`;
      }
    });
    await sql`select job_rollups.rebuild()`;

    const archiveStart = performance.now();
    let moved = 0;
    for (let i = 0; i < 10; i += 1) {
      const [{ n }] = await sql<{ n: number }[]>`select job_queue.archive_finished_jobs(1000) as n`;
      moved += n;
    }
    const archiveMs = performance.now() - archiveStart;
    console.log(`\nArchival: ${moved.toLocaleString('en-US')} jobs in batches of 1,000: ${((moved / archiveMs) * 1000).toFixed(0)} jobs/s`);

    console.log(`\nscale: every listed query of the heavy account ${withinTarget ? 'within' : 'NOT within'} ${TARGET_MS} ms p95 as the user (30-day series excepted)`);
  } finally {
    await sql?.end();
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
