import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { JobProvider } from '../lib/db/job-types.ts';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './webhooks/retry-schedule.ts';

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

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => ['true', '1', 'yes'].includes(value));

/** Webhook delivery (docs/WORKER.md "Webhook delivery"). */
const webhookEnvSchema = z
  .object({
    WEBHOOK_CONCURRENCY: integer('WEBHOOK_CONCURRENCY', 10, 0, 1000),
    WEBHOOK_POLL_INTERVAL_MS: integer('WEBHOOK_POLL_INTERVAL_MS', 5000, 10, 600_000),
    WEBHOOK_TIMEOUT_MS: integer('WEBHOOK_TIMEOUT_MS', 10_000, 100, 300_000),
    WEBHOOK_LEASE_SECONDS: integer('WEBHOOK_LEASE_SECONDS', 60, 2, 3600),
    WEBHOOK_RETRY_SCHEDULE: z
      .string()
      .default(DEFAULT_RETRY_SCHEDULE)
      .transform((value, context) => {
        const parsed = parseRetrySchedule(value);
        if (parsed.ok) return parsed.delaysMs;
        context.addIssue({ code: 'custom', message: `WEBHOOK_RETRY_SCHEDULE: ${parsed.error}` });
        return z.NEVER;
      }),
    WEBHOOK_DISABLE_AFTER_FAILURES: integer('WEBHOOK_DISABLE_AFTER_FAILURES', 20, 1, 100_000),
    WEBHOOK_ALLOW_PRIVATE_TARGETS: flag.default(false),
  })
  .refine((env) => env.WEBHOOK_TIMEOUT_MS + 1000 <= env.WEBHOOK_LEASE_SECONDS * 1000, {
    message: 'WEBHOOK_LEASE_SECONDS must exceed WEBHOOK_TIMEOUT_MS by at least a second (a delivery holds its lease while it is sent)',
    path: ['WEBHOOK_LEASE_SECONDS'],
  });

export interface WebhookConfig {
  /** Deliveries sent at once by this worker; 0: this worker sends none. */
  concurrency: number;
  /** Fallback when no NOTIFY arrives. */
  pollIntervalMs: number;
  /** Whole request: connect, send, status line and the response excerpt. */
  timeoutMs: number;
  /** How long a claimed delivery is this worker's; a killed worker's deliveries are retried after it. */
  leaseSeconds: number;
  /** Wait after each failed attempt; its length is the number of retries. */
  retryScheduleMs: number[];
  /** Consecutive failed attempts after which an endpoint is disabled. */
  disableAfterFailures: number;
  /** Deliver to loopback, private, link-local… addresses (the local stack); off in production. */
  allowPrivateTargets: boolean;
}

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
  dbPoolSize: number;
  logLevel: string;
  webhooks: WebhookConfig;
}

export class ConfigError extends Error {}

/** Reads and checks the worker's environment; a ConfigError names every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  // Empty variables count as unset, so `WORKER_CONCURRENCY= npm run worker` keeps the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  const webhooks = webhookEnvSchema.safeParse(present);
  if (!parsed.success || !webhooks.success) {
    const issues = [...(parsed.error?.issues ?? []), ...(webhooks.error?.issues ?? [])];
    const lines = issues.map((issue) => `- ${issue.path.join('.') || 'environment'}: ${issue.message}`);
    throw new ConfigError(`The worker's environment is invalid:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const w = webhooks.data;
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
    dbPoolSize: e.WORKER_DB_POOL_SIZE,
    logLevel: e.LOG_LEVEL,
    webhooks: {
      concurrency: w.WEBHOOK_CONCURRENCY,
      pollIntervalMs: w.WEBHOOK_POLL_INTERVAL_MS,
      timeoutMs: w.WEBHOOK_TIMEOUT_MS,
      leaseSeconds: w.WEBHOOK_LEASE_SECONDS,
      retryScheduleMs: w.WEBHOOK_RETRY_SCHEDULE,
      disableAfterFailures: w.WEBHOOK_DISABLE_AFTER_FAILURES,
      allowPrivateTargets: w.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    },
  };
}
