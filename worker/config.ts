import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { JobProvider } from '../lib/db/job-types.ts';

/** The local stack's database, as `supabase start` prints it: what `npm run worker` uses by default. */
export const LOCAL_DATABASE_URL = 'postgresql://postgres:postgres@127.0.0.1:54322/postgres';

/** Providers a worker can run (manual jobs are moved by hand and never claimed). */
export const RUNNABLE_PROVIDERS = ['simulated'] as const satisfies readonly Exclude<JobProvider, 'manual'>[];
export type RunnableProvider = (typeof RUNNABLE_PROVIDERS)[number];

const integer = (name: string, fallback: number, min: number, max: number) =>
  z.coerce
    .number({ message: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`)
    .default(fallback);

const envSchema = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgresql:// connection string')
      .default(LOCAL_DATABASE_URL),
    WORKER_ID: z.string().trim().min(1).max(200).optional(),
    WORKER_PROVIDERS: z
      .string()
      .default(RUNNABLE_PROVIDERS.join(','))
      .transform((value) => [...new Set(value.split(',').map((name) => name.trim()).filter(Boolean))])
      .pipe(
        z
          .array(z.enum(RUNNABLE_PROVIDERS, { message: `WORKER_PROVIDERS lists providers this worker can run: ${RUNNABLE_PROVIDERS.join(', ')}` }))
          .min(1, 'WORKER_PROVIDERS names at least one provider'),
      ),
    WORKER_CONCURRENCY: integer('WORKER_CONCURRENCY', 10, 1, 1000),
    WORKER_BATCH_SIZE: integer('WORKER_BATCH_SIZE', 10, 1, 1000),
    WORKER_POLL_INTERVAL_MS: integer('WORKER_POLL_INTERVAL_MS', 2000, 10, 600_000),
    WORKER_LEASE_SECONDS: integer('WORKER_LEASE_SECONDS', 30, 2, 3600),
    WORKER_HEARTBEAT_MS: integer('WORKER_HEARTBEAT_MS', 0, 0, 3_600_000),
    WORKER_COMPLETION_DELAY_MS: integer('WORKER_COMPLETION_DELAY_MS', 1, 0, 1000),
    WORKER_SHUTDOWN_GRACE_MS: integer('WORKER_SHUTDOWN_GRACE_MS', 10_000, 0, 3_600_000),
    WORKER_RETRY_BASE_MS: integer('WORKER_RETRY_BASE_MS', 5000, 1, 86_400_000),
    WORKER_RETRY_MAX_MS: integer('WORKER_RETRY_MAX_MS', 600_000, 1, 86_400_000),
    WORKER_RESCUE_INTERVAL_MS: integer('WORKER_RESCUE_INTERVAL_MS', 5000, 100, 3_600_000),
    WORKER_ARCHIVE_INTERVAL_MS: integer('WORKER_ARCHIVE_INTERVAL_MS', 600_000, 0, 86_400_000),
    WORKER_COMPACT_INTERVAL_MS: integer('WORKER_COMPACT_INTERVAL_MS', 600_000, 0, 86_400_000),
    WORKER_DB_POOL_SIZE: integer('WORKER_DB_POOL_SIZE', 4, 2, 100),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .refine((env) => env.WORKER_HEARTBEAT_MS === 0 || env.WORKER_HEARTBEAT_MS < env.WORKER_LEASE_SECONDS * 1000, {
    message: 'WORKER_HEARTBEAT_MS must be shorter than the lease (WORKER_LEASE_SECONDS)',
    path: ['WORKER_HEARTBEAT_MS'],
  })
  .refine((env) => env.WORKER_RETRY_BASE_MS <= env.WORKER_RETRY_MAX_MS, {
    message: 'WORKER_RETRY_BASE_MS must not exceed WORKER_RETRY_MAX_MS',
    path: ['WORKER_RETRY_BASE_MS'],
  });

export interface WorkerConfig {
  databaseUrl: string;
  /** Names this process in leases, events and job_queue.workers. */
  workerId: string;
  providers: RunnableProvider[];
  /** Jobs run at once. */
  concurrency: number;
  /** At most this many jobs per claim statement. */
  batchSize: number;
  /** Fallback when no NOTIFY arrives (behind a pooler, or a notification lost on reconnect). */
  pollIntervalMs: number;
  leaseSeconds: number;
  heartbeatMs: number;
  /** Finished jobs are written in batches gathered over this window (0: the next tick). */
  completionDelayMs: number;
  shutdownGraceMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  rescueIntervalMs: number;
  /** How often this worker archives finished jobs past the retention (0: never). */
  archiveIntervalMs: number;
  /** How often the rollups' shards are folded together (0: never). */
  compactIntervalMs: number;
  dbPoolSize: number;
  logLevel: string;
}

export class ConfigError extends Error {}

/** Reads and checks the worker's environment; a ConfigError names every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  // Empty variables count as unset, so `WORKER_CONCURRENCY= npm run worker` keeps the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `- ${issue.path.join('.') || 'environment'}: ${issue.message}`);
    throw new ConfigError(`The worker's environment is invalid:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    workerId: e.WORKER_ID ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    providers: e.WORKER_PROVIDERS,
    concurrency: e.WORKER_CONCURRENCY,
    batchSize: e.WORKER_BATCH_SIZE,
    pollIntervalMs: e.WORKER_POLL_INTERVAL_MS,
    leaseSeconds: e.WORKER_LEASE_SECONDS,
    heartbeatMs: e.WORKER_HEARTBEAT_MS || Math.max(500, Math.floor((e.WORKER_LEASE_SECONDS * 1000) / 3)),
    completionDelayMs: e.WORKER_COMPLETION_DELAY_MS,
    shutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_MS,
    retryBaseMs: e.WORKER_RETRY_BASE_MS,
    retryMaxMs: e.WORKER_RETRY_MAX_MS,
    rescueIntervalMs: e.WORKER_RESCUE_INTERVAL_MS,
    archiveIntervalMs: e.WORKER_ARCHIVE_INTERVAL_MS,
    compactIntervalMs: e.WORKER_COMPACT_INTERVAL_MS,
    dbPoolSize: e.WORKER_DB_POOL_SIZE,
    logLevel: e.LOG_LEVEL,
  };
}
