/**
 * How fast the dashboard's queries run on a large table: EXPLAIN ANALYZE execution time of each (as one
 * user, through RLS) and the round trip of the statistics and recent-jobs functions, on a throwaway cluster
 * loaded with the same data as tests/db/plans.test.ts (which checks the plans' shape, not their speed).
 *
 *   npm run bench:plans          (ITERATIONS=50 WARMUP=5 by default)
 */
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { createMigratedDatabase, startScratchCluster } from '../local-stack/scratch-cluster.ts';
import { asRole, user } from '../tests/support/as-role.ts';
import { dashboardQueries, explainAs, JOB_VOLUME, jobAccess, loadJobVolume } from '../tests/support/job-volume.ts';
import { summarize, time } from './latency.ts';

const ITERATIONS = Number(process.env.ITERATIONS ?? 50);
const WARMUP = Number(process.env.WARMUP ?? 5);

async function main() {
  const cluster = await startScratchCluster('bench-plans-pg');
  let sql: postgres.Sql | null = null;
  try {
    sql = postgres(await createMigratedDatabase(cluster, 'bench_plans'), { max: 1, onnotice: () => {} });
    const loadStart = performance.now();
    const { userId, projectId } = await loadJobVolume(sql);
    console.log(`${JOB_VOLUME.jobs} jobs over ${JOB_VOLUME.users} users loaded and analyzed in ${(performance.now() - loadStart).toFixed(0)} ms`);
    console.log(`${ITERATIONS} runs each after ${WARMUP} warm-up, as one user through RLS\n`);

    console.log('EXPLAIN ANALYZE execution time');
    for (const query of await dashboardQueries(sql, projectId)) {
      const samples: number[] = [];
      let access = '';
      for (let i = 0; i < WARMUP + ITERATIONS; i += 1) {
        const plan = await explainAs(sql, userId, query);
        if (i >= WARMUP) samples.push(plan.ms);
        access = jobAccess(plan);
      }
      const { p50, p95 } = summarize(samples);
      console.log(`  ${query.name.padEnd(24)} p50 ${p50.toFixed(3)} ms   p95 ${p95.toFixed(3)} ms   ${access}`);
    }

    const client = sql;
    const roundTrip = await time(
      async () => {
        await asRole(client, user(userId), (tx) => tx`select * from public.get_job_statistics()`);
        await asRole(client, user(userId), (tx) => tx`select * from public.get_recent_jobs(50)`);
      },
      { iterations: ITERATIONS, warmup: WARMUP },
    );
    console.log(`\nget_job_statistics() + get_recent_jobs(50), two transactions over postgres.js: p50 ${roundTrip.p50.toFixed(3)} ms   p95 ${roundTrip.p95.toFixed(3)} ms`);
  } finally {
    await sql?.end();
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
