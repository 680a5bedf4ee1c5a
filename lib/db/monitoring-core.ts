import type { DbClient } from './client-binding';
import { JOB_STATUSES } from './job-types';
import {
  metricsWindowSchema,
  STUCK_REASONS,
  stuckJobsSchema,
  timeseriesSchema,
  WORKER_STATES,
  type JobMetric,
  type JobTimeseriesPoint,
  type LiveWorker,
  type MetricsWindow,
  type StuckJob,
  type StuckJobsOptions,
  type TimeseriesOptions,
} from './monitoring-types';
import { narrow, parseInput, unwrap } from './query-result';

const MONITORING_TYPES = 'lib/db/monitoring-types.ts';

/**
 * Monitoring helpers over the database's functions (docs/GENERATION_JOBS_SCHEMA.md, "Monitoring"): each takes
 * the Supabase client first, like the job helpers; the figures are the signed-in user's own.
 */

const iso = (value: Date | string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());

/** Per mode: jobs, outcomes, failure rate, queue wait and run time p50/p95, cost; default window: the last 24 hours. */
export async function getJobMetrics(client: DbClient, window?: MetricsWindow): Promise<JobMetric[]> {
  const { since, until } = parseInput(metricsWindowSchema, window, 'metrics window');
  return unwrap(await client.rpc('get_job_metrics', { since: iso(since), until: iso(until) }));
}

/** The same figures per hour or day (every bucket, empty ones included), optionally of one mode: chart data. */
export async function getJobTimeseries(client: DbClient, options?: TimeseriesOptions): Promise<JobTimeseriesPoint[]> {
  const { since, until, granularity, mode } = parseInput(timeseriesSchema, options, 'time series options');
  return unwrap(await client.rpc('get_job_timeseries', { since: iso(since), until: iso(until), granularity, job_mode: mode }));
}

/** Worker processes seen in the last hour: state, load, and which of the caller's jobs they run. */
export async function getLiveWorkers(client: DbClient): Promise<LiveWorker[]> {
  return unwrap(await client.rpc('get_live_workers')).map((row) => ({ ...row, state: narrow(WORKER_STATES, row.state, 'worker state', MONITORING_TYPES) }));
}

/** The caller's jobs that need attention: expired lease, past the mode's timeout, or waiting too long. */
export async function getStuckJobs(client: DbClient, options?: StuckJobsOptions): Promise<StuckJob[]> {
  const { waitingAfterMinutes, limit } = parseInput(stuckJobsSchema, options, 'stuck job options');
  const rows = unwrap(
    await client.rpc('get_stuck_jobs', {
      ...(waitingAfterMinutes === undefined ? {} : { waiting_after: `${waitingAfterMinutes} minutes` }),
      ...(limit === undefined ? {} : { max_rows: limit }),
    }),
  );
  return rows.map((row) => ({ ...row, reason: narrow(STUCK_REASONS, row.reason, 'stuck reason', MONITORING_TYPES), status: narrow(JOB_STATUSES, row.status, 'job status', 'lib/db/job-types.ts') }));
}

export const monitoringQueries = { getJobMetrics, getJobTimeseries, getLiveWorkers, getStuckJobs };
