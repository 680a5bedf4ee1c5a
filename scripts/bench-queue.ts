/**
 * `npm run bench:queue`: our job queue side by side with graphile-worker 0.18 and pg-boss 12, on one
 * throwaway PostgreSQL cluster (each system in its own database, one after the other).
 *
 * For each system, two configurations: its defaults at concurrency 10, and its documented
 * high-throughput settings. Each run queues BENCH_QUEUE_JOBS no-op jobs (default 20,000) in one statement,
 * starts the worker in this process and times it until every job is recorded as done in the database
 * (capped at BENCH_QUEUE_MAX_SECONDS per run). Then, on the idle worker, it measures enqueue-to-start
 * latency for one job at a time (BENCH_QUEUE_LATENCY_SAMPLES).
 *
 * Our worker does more per job than the others: every status change also writes a job_events row (the
 * audit trail, outbox and monitoring source) in the same statement, through the rules trigger of a table
 * that users read through RLS-indexed columns.
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { Logger as GraphileLogger, run as runGraphile, type Runner as GraphileRunner } from 'graphile-worker';
import { PgBoss } from 'pg-boss';
import postgres from 'postgres';
import { createMigratedDatabase, startScratchCluster, type ScratchCluster } from '../local-stack/scratch-cluster.ts';
import { loadConfig } from '../worker/config.ts';
import { createLogger } from '../worker/log.ts';
import { providerFor, type Provider } from '../worker/providers/index.ts';
import { Runner } from '../worker/runner.ts';
import { summarize } from './latency.ts';

const JOBS = Number(process.env.BENCH_QUEUE_JOBS ?? 20_000);
const MAX_SECONDS = Number(process.env.BENCH_QUEUE_MAX_SECONDS ?? 60);
const LATENCY_SAMPLES = Number(process.env.BENCH_QUEUE_LATENCY_SAMPLES ?? 50);
/** A subset while tuning, e.g. BENCH_QUEUE_SYSTEMS=ours; the report needs all three. */
const SYSTEMS = (process.env.BENCH_QUEUE_SYSTEMS ?? 'ours,graphile-worker,pg-boss').split(',');

interface Result {
  system: 'ours' | 'graphile-worker' | 'pg-boss';
  config: string;
  enqueueMs: number;
  completed: number;
  seconds: number;
  jobsPerSecond: number;
  latency: { p50: number; p95: number };
}

/** Start signals from the handlers, for the latency runs. */
class StartSignal {
  private waiter: ((at: number) => void) | null = null;
  started(): void {
    const resolve = this.waiter;
    this.waiter = null;
    resolve?.(performance.now());
  }
  next(): Promise<number> {
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `remaining` until it reports 0 or the cap passes; returns the seconds taken and how many were done. */
async function timeUntilDone(startedAt: number, remaining: () => Promise<number>): Promise<{ seconds: number; completed: number }> {
  const deadline = startedAt + MAX_SECONDS * 1000;
  for (;;) {
    const left = await remaining();
    const now = performance.now();
    if (left === 0 || now > deadline) return { seconds: (now - startedAt) / 1000, completed: JOBS - left };
    await sleep(20);
  }
}

/** Enqueue-to-start of single jobs on an idle worker (any backlog left by a capped run is deleted first). */
async function measureLatency(signal: StartSignal, enqueueOne: () => Promise<unknown>, purgeBacklog: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await purgeBacklog();
  await sleep(2_000); // let jobs already started finish, so only the measured job signals a start
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const started = signal.next();
    const before = performance.now();
    await enqueueOne();
    samples.push((await started) - before);
    await sleep(5);
  }
  return summarize(samples);
}

async function createDatabase(cluster: ScratchCluster, name: string): Promise<string> {
  const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  return cluster.url(name);
}

// ---- ours ------------------------------------------------------------------------------------------

async function benchOurs(cluster: ScratchCluster): Promise<Result[]> {
  const url = await createMigratedDatabase(cluster, 'bench_ours');
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const userId = randomUUID();
  await sql`insert into auth.users (instance_id, id, aud, role, email) values ('00000000-0000-0000-0000-000000000000', ${userId}, 'authenticated', 'authenticated', 'bench@example.com')`;
  const [{ id: projectId }] = await sql<{ id: string }[]>`insert into public.projects (user_id, name) values (${userId}, 'Bench') returning id`;
  const signal = new StartSignal();
  const simulated = providerFor('simulated')!;
  // The real simulated provider (duration 0: a no-op), with a start signal for the latency runs.
  const recording: Provider = { name: 'simulated', run: (job, context) => (signal.started(), simulated.run(job, context)) };
  const enqueue = (count: number) =>
    sql`insert into public.generation_jobs (user_id, project_id, mode, provider, params)
        select ${userId}, ${projectId}, 'upscale', 'simulated', '{"duration_ms": 0}' from generate_series(1, ${count})`;
  const remaining = async () => {
    const [{ n }] = await sql<{ n: number }[]>`
      select (select count(*) from public.generation_jobs where status = 'queued') + (select count(*) from public.generation_jobs where status = 'running') as n`;
    return Number(n);
  };

  const configs: [string, Record<string, string>][] = [
    ['defaults (concurrency 10, claim batch 10)', {}],
    ['batched claim + completion (concurrency 200, claim batch 200)', { WORKER_CONCURRENCY: '200', WORKER_BATCH_SIZE: '200', WORKER_COMPLETION_DELAY_MS: '2' }],
  ];
  const results: Result[] = [];
  for (const [name, env] of configs) {
    await sql`truncate public.generation_jobs, public.job_events`;
    await sql`vacuum analyze public.generation_jobs, public.job_events`;
    const config = loadConfig({ DATABASE_URL: url, WORKER_ID: `bench-${results.length}`, ...env });
    const workerSql = postgres(url, { max: config.dbPoolSize, onnotice: () => {} });
    const runner = new Runner(workerSql, config, createLogger('silent'), (provider) => (provider === 'simulated' ? recording : undefined));
    const enqueueStarted = performance.now();
    await enqueue(JOBS);
    const enqueueMs = performance.now() - enqueueStarted;
    const started = performance.now();
    await runner.start();
    const { seconds, completed } = await timeUntilDone(started, remaining);
    const latency = await measureLatency(signal, () => enqueue(1), () => sql`delete from public.generation_jobs where status = 'queued'`);
    await runner.stop(1_000);
    await workerSql.end();
    results.push({ system: 'ours', config: name, enqueueMs, completed, seconds, jobsPerSecond: completed / seconds, latency });
  }
  await sql.end();
  return results;
}

// ---- graphile-worker -------------------------------------------------------------------------------

async function benchGraphile(cluster: ScratchCluster): Promise<Result[]> {
  const url = await createDatabase(cluster, 'bench_graphile');
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const signal = new StartSignal();
  const taskList = {
    noop: async () => {
      signal.started();
    },
  };
  const configs: [string, Parameters<typeof runGraphile>[0]][] = [
    ['defaults (concurrency 10)', { concurrency: 10 }],
    [
      'local queue 500 + batched completion (concurrency 24)',
      { concurrency: 24, maxPoolSize: 25, preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } } },
    ],
  ];
  const results: Result[] = [];
  let migrated = false;
  for (const [name, options] of configs) {
    const start = () => runGraphile({ connectionString: url, taskList, noHandleSignals: true, logger: quietGraphileLogger, ...options });
    if (!migrated) {
      // The first run creates the schema; stop it before queueing the measured jobs.
      await (await start()).stop();
      migrated = true;
    }
    const enqueue = (count: number) =>
      sql`select graphile_worker.add_jobs(array(
            select row('noop', '{}'::json, null, null, null, null, null, null)::graphile_worker.job_spec
            from generate_series(1, ${count})))`;
    const enqueueStarted = performance.now();
    await enqueue(JOBS);
    const enqueueMs = performance.now() - enqueueStarted;
    const started = performance.now();
    const runner: GraphileRunner = await start();
    const { seconds, completed } = await timeUntilDone(started, async () => {
      const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from graphile_worker._private_jobs`;
      return n;
    });
    const latency = await measureLatency(signal, () => enqueue(1), () => sql`delete from graphile_worker._private_jobs where locked_at is null`);
    await runner.stop();
    results.push({ system: 'graphile-worker', config: name, enqueueMs, completed, seconds, jobsPerSecond: completed / seconds, latency });
  }
  await sql.end();
  return results;
}

// graphile-worker logs every job at info; keep warnings and errors.
const quietGraphileLogger = new GraphileLogger(() => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`graphile-worker ${level}: ${message}`);
});

// ---- pg-boss ---------------------------------------------------------------------------------------

async function benchPgBoss(cluster: ScratchCluster): Promise<Result[]> {
  const url = await createDatabase(cluster, 'bench_pgboss');
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const signal = new StartSignal();
  const configs: [string, { notify: boolean; work: Record<string, unknown> }][] = [
    ['defaults (localConcurrency 10, batch 1, polling every 2 s)', { notify: false, work: { localConcurrency: 10 } }],
    [
      'batchSize 100 + burst + LISTEN/NOTIFY (localConcurrency 10)',
      { notify: true, work: { localConcurrency: 10, batchSize: 100, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 } },
    ],
  ];
  const results: Result[] = [];
  for (const [name, options] of configs) {
    const boss = new PgBoss({ connectionString: url, useListenNotify: options.notify, max: 10 });
    boss.on('error', (error: Error) => console.error(`pg-boss error: ${error.message}`));
    await boss.start();
    const queue = `noop_${results.length}`;
    await boss.createQueue(queue, { notify: options.notify });
    const enqueueStarted = performance.now();
    for (let sent = 0; sent < JOBS; sent += 5_000) {
      await boss.insert(queue, Array.from({ length: Math.min(5_000, JOBS - sent) }, () => ({ data: {} })));
    }
    const enqueueMs = performance.now() - enqueueStarted;
    const started = performance.now();
    await boss.work(queue, options.work, async (jobs: unknown[]) => {
      for (let i = 0; i < jobs.length; i++) signal.started();
    });
    const { seconds, completed } = await timeUntilDone(started, async () => {
      const [{ n }] = await sql<{ n: number }[]>`
        select count(*)::int as n from pgboss.job where name = ${queue} and state in ('created', 'retry', 'active')`;
      return n;
    });
    const latency = await measureLatency(signal, () => boss.send(queue, {}), () => sql`delete from pgboss.job where name = ${queue} and state = 'created'`);
    await boss.stop({ graceful: true, timeout: 5_000 });
    results.push({ system: 'pg-boss', config: name, enqueueMs, completed, seconds, jobsPerSecond: completed / seconds, latency });
  }
  await sql.end();
  return results;
}

// ---- report ----------------------------------------------------------------------------------------

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function report(results: Result[], load: number[][]): void {
  console.log(`\nQueue benchmark: ${fmt(JOBS)} no-op jobs per run, ${os.cpus().length} CPUs, Node ${process.version}`);
  console.log(`load average (1/5/15 min) before: ${load[0].map((v) => v.toFixed(2)).join(' ')}, after: ${load[1].map((v) => v.toFixed(2)).join(' ')}\n`);
  const rows = results.map((r) => [
    r.system,
    r.config,
    `${fmt(r.enqueueMs)} ms`,
    r.completed < JOBS ? `${fmt(r.completed)} of ${fmt(JOBS)} (capped at ${MAX_SECONDS} s)` : fmt(r.completed),
    fmt(r.jobsPerSecond),
    `${fmt(r.latency.p50, 1)} / ${fmt(r.latency.p95, 1)} ms`,
  ]);
  const header = ['system', 'configuration', 'enqueue', 'done', 'jobs/s', 'latency p50 / p95'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));

  const best = (system: Result['system']) => results.filter((r) => r.system === system).reduce((a, b) => (b.jobsPerSecond > a.jobsPerSecond ? b : a));
  const ours = best('ours');
  const graphile = best('graphile-worker');
  const boss = best('pg-boss');
  const oursLatency = Math.min(...results.filter((r) => r.system === 'ours').map((r) => r.latency.p50));
  console.log(`\nBest against best: ours ${fmt(ours.jobsPerSecond)} jobs/s (${ours.config}), graphile-worker ${fmt(graphile.jobsPerSecond)} (${graphile.config}), pg-boss ${fmt(boss.jobsPerSecond)} (${boss.config}).`);
  console.log(`Ratios: ours / graphile-worker = ${(ours.jobsPerSecond / graphile.jobsPerSecond).toFixed(2)}, ours / pg-boss = ${(ours.jobsPerSecond / boss.jobsPerSecond).toFixed(2)}.`);
  console.log(
    `queue: ours ${fmt(ours.jobsPerSecond)} jobs/s, graphile-worker ${fmt(graphile.jobsPerSecond)} (×${(ours.jobsPerSecond / graphile.jobsPerSecond).toFixed(2)}), ` +
      `pg-boss ${fmt(boss.jobsPerSecond)} (×${(ours.jobsPerSecond / boss.jobsPerSecond).toFixed(2)}), latency p50 ${fmt(oursLatency, 1)} ms`,
  );
}

const loadBefore = os.loadavg();
const cluster = await startScratchCluster('bench-queue');
try {
  const benches: [Result['system'], (cluster: ScratchCluster) => Promise<Result[]>][] = [
    ['ours', benchOurs],
    ['graphile-worker', benchGraphile],
    ['pg-boss', benchPgBoss],
  ];
  const results: Result[] = [];
  for (const [system, bench] of benches) if (SYSTEMS.includes(system)) results.push(...(await bench(cluster)));
  if (SYSTEMS.length === benches.length) report(results, [loadBefore, os.loadavg()]);
  else console.table(results.map(({ latency, ...rest }) => ({ ...rest, p50: latency.p50, p95: latency.p95 })));
} finally {
  await cluster.stop();
}
