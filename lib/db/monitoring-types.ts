import { z } from 'zod';
import type { Database } from './database.types';
import { modeSchema, type JobStatus } from './job-types';

type Functions = Database['public']['Functions'];

/** A row of get_job_metrics: one mode's finished jobs in the window (live and archived). */
export type JobMetric = Functions['get_job_metrics']['Returns'][number];
/** A row of get_job_timeseries: one hour or day, empty ones included. */
export type JobTimeseriesPoint = Functions['get_job_timeseries']['Returns'][number];
/** A row of get_live_workers: an opaque label, state and load, and which of the caller's jobs it runs. */
export type LiveWorker = Omit<Functions['get_live_workers']['Returns'][number], 'state'> & { state: WorkerState };
/** A row of get_stuck_jobs: one of the caller's jobs that needs attention, and why. */
export type StuckJob = Omit<Functions['get_stuck_jobs']['Returns'][number], 'reason' | 'status'> & { reason: StuckReason; status: JobStatus };

export const WORKER_STATES = ['alive', 'stale', 'stopped'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];
export const STUCK_REASONS = ['lease_expired', 'over_timeout', 'waiting'] as const;
export type StuckReason = (typeof STUCK_REASONS)[number];

export const GRANULARITIES = ['hour', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

const instantSchema = z.union([z.date(), z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone' })], {
  message: 'must be a Date or an ISO 8601 date-time',
});

/** A window [since, until): both optional (the database's default is the last 24 hours); since before until. */
export const metricsWindowSchema = z
  .object({ since: instantSchema.optional(), until: instantSchema.optional() })
  .strict()
  .refine((w) => !w.since || !w.until || new Date(w.since) < new Date(w.until), { message: 'since must be before until', path: ['since'] })
  .default({});
export type MetricsWindow = z.input<typeof metricsWindowSchema>;

/** Same limits as get_job_timeseries: hour or day buckets, at most 1000 of them. */
export const timeseriesSchema = z
  .object({
    since: instantSchema.optional(),
    until: instantSchema.optional(),
    granularity: z.enum(GRANULARITIES, { message: 'granularity must be hour or day' }).default('hour'),
    mode: modeSchema.optional(),
  })
  .strict()
  .refine((w) => !w.since || !w.until || new Date(w.since) < new Date(w.until), { message: 'since must be before until', path: ['since'] })
  .refine(
    (w) => {
      if (!w.since) return true;
      const step = w.granularity === 'hour' ? 3_600_000 : 86_400_000;
      return (new Date(w.until ?? Date.now()).getTime() - new Date(w.since).getTime()) / step <= 1000;
    },
    { message: 'at most 1000 buckets: use a shorter window or granularity day', path: ['since'] },
  )
  .default({ granularity: 'hour' });
export type TimeseriesOptions = z.input<typeof timeseriesSchema>;

export const stuckJobsSchema = z
  .object({
    /** Queued jobs due for longer than this many minutes count as waiting (default 5). */
    waitingAfterMinutes: z.number().min(0).max(10_080).optional(),
    limit: z.number().int().min(1, 'limit is at least 1').max(500, 'limit is at most 500').optional(),
  })
  .strict()
  .default({});
export type StuckJobsOptions = z.input<typeof stuckJobsSchema>;
