import type postgres from 'postgres';

/**
 * The rollups recounted from the rows of generation_jobs and generation_jobs_archive, in TypeScript (an
 * implementation independent of the triggers'), and the rollups as stored (shards summed, zero rows dropped),
 * in the same shape, for toEqual.
 */

const HOUR_US = 3_600_000_000;
const DAY_US = 24 * HOUR_US;

/** Latency bin: exact below 32 ms; above, 16 bins per power of two. */
export function latencyBin(ms: number): number {
  if (ms < 32) return ms;
  const e = 31 - Math.clz32(ms);
  return 32 + (e - 5) * 16 + (Math.floor(ms / 2 ** (e - 4)) - 16);
}

export interface Rollups {
  statusTotals: Record<string, { jobs: number; cost: number }>;
  modeHours: Record<string, { succeeded: number; failed: number; canceled: number; cost: number }>;
  latencyBins: Record<string, { jobs: number; ms: number }>;
}

interface JobRow {
  user_id: string;
  project_id: string;
  status: string;
  mode: string;
  cost_cents: number;
  finished_us: string | null;
  wait_us: string | null;
  run_us: string | null;
}

const iso = (us: number) => new Date(us / 1000).toISOString();

function add<T extends Record<string, number>>(map: Record<string, T>, key: string, delta: T): void {
  const entry = (map[key] ??= Object.fromEntries(Object.keys(delta).map((k) => [k, 0])) as T);
  for (const k of Object.keys(delta) as (keyof T)[]) (entry[k] as number) += delta[k] as number;
}

export async function recountRollups(sql: postgres.Sql | postgres.TransactionSql): Promise<Rollups> {
  const rows = await sql<JobRow[]>`
    select user_id, project_id, status, mode, cost_cents,
           (extract(epoch from finished_at) * 1000000)::bigint::text as finished_us,
           case when started_at >= run_at then (extract(epoch from started_at - run_at) * 1000000)::bigint::text end as wait_us,
           case when started_at >= run_at then (extract(epoch from finished_at - started_at) * 1000000)::bigint::text end as run_us
    from (
      select user_id, project_id, status, mode, cost_cents, run_at, started_at, finished_at from public.generation_jobs
      union all
      select user_id, project_id, status, mode, cost_cents, run_at, started_at, finished_at from public.generation_jobs_archive
    ) j`;
  const result: Rollups = { statusTotals: {}, modeHours: {}, latencyBins: {} };
  for (const row of rows) {
    add(result.statusTotals, `${row.user_id}|${row.project_id}|${row.status}`, { jobs: 1, cost: row.cost_cents });
    if (!['succeeded', 'failed', 'canceled'].includes(row.status) || row.finished_us === null) continue;
    const finished = Number(row.finished_us);
    const hour = Math.floor(finished / HOUR_US) * HOUR_US;
    add(result.modeHours, `${row.user_id}|${iso(hour)}|${row.mode}`, {
      succeeded: row.status === 'succeeded' ? 1 : 0,
      failed: row.status === 'failed' ? 1 : 0,
      canceled: row.status === 'canceled' ? 1 : 0,
      cost: row.cost_cents,
    });
    if (row.wait_us === null) continue;
    const samples: [string, number][] = [['queue_wait', Math.max(Math.round(Number(row.wait_us) / 1000), 0)]];
    if (row.status !== 'canceled') samples.push(['run_time', Math.max(Math.round(Number(row.run_us) / 1000), 0)]);
    // Hours per mode; days over all modes (mode '*').
    for (const [width, bucket, mode] of [['hour', hour, row.mode], ['day', Math.floor(finished / DAY_US) * DAY_US, '*']] as const) {
      for (const [kind, ms] of samples) {
        add(result.latencyBins, `${row.user_id}|${width}|${iso(bucket)}|${kind}|${mode}|${latencyBin(ms)}`, { jobs: 1, ms });
      }
    }
  }
  return result;
}

export async function storedRollups(sql: postgres.Sql | postgres.TransactionSql): Promise<Rollups> {
  const result: Rollups = { statusTotals: {}, modeHours: {}, latencyBins: {} };
  const totals = await sql<{ user_id: string; project_id: string; status: string; jobs: string; cost: string }[]>`
    select user_id, project_id, status, sum(job_count) as jobs, sum(cost_cents) as cost
    from job_rollups.status_totals group by 1, 2, 3 having sum(job_count) <> 0 or sum(cost_cents) <> 0`;
  for (const r of totals) result.statusTotals[`${r.user_id}|${r.project_id}|${r.status}`] = { jobs: Number(r.jobs), cost: Number(r.cost) };
  const hours = await sql<{ user_id: string; hour: Date; mode: string; s: string; f: string; c: string; cost: string }[]>`
    select user_id, hour, mode, sum(succeeded) as s, sum(failed) as f, sum(canceled) as c, sum(cost_cents) as cost
    from job_rollups.mode_hours group by 1, 2, 3
    having sum(succeeded) <> 0 or sum(failed) <> 0 or sum(canceled) <> 0 or sum(cost_cents) <> 0`;
  for (const r of hours) {
    result.modeHours[`${r.user_id}|${r.hour.toISOString()}|${r.mode}`] = { succeeded: Number(r.s), failed: Number(r.f), canceled: Number(r.c), cost: Number(r.cost) };
  }
  const bins = await sql<{ user_id: string; width: string; bucket: Date; kind: string; mode: string; bin: number; jobs: string; ms: string }[]>`
    select user_id, width, bucket, kind, mode, bin, sum(jobs) as jobs, sum(ms_sum) as ms
    from job_rollups.latency_bins group by 1, 2, 3, 4, 5, 6 having sum(jobs) <> 0 or sum(ms_sum) <> 0`;
  for (const r of bins) {
    result.latencyBins[`${r.user_id}|${r.width}|${r.bucket.toISOString()}|${r.kind}|${r.mode}|${r.bin}`] = { jobs: Number(r.jobs), ms: Number(r.ms) };
  }
  return result;
}
