import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { JobProvider } from '../lib/db/job-types.ts';
import { IMAGE_MODES, type ImageMode } from '../lib/images/image-params.ts';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './webhooks/retry-schedule.ts';

/** The local stack's database, as `supabase start` prints it: what `npm run worker` uses by default. */
export const LOCAL_DATABASE_URL = 'postgresql://postgres:postgres@127.0.0.1:54322/postgres';

/** Providers a worker can run (manual jobs are moved by hand and never claimed). */
export const RUNNABLE_PROVIDERS = ['simulated', 'local', 'http'] as const satisfies readonly Exclude<JobProvider, 'manual'>[];
export type RunnableProvider = (typeof RUNNABLE_PROVIDERS)[number];

/** HTTP_PROVIDER_MODEL_STUDIO_WHITE, …: the hosted model of each mode. */
export const httpModelVariable = (mode: ImageMode) => `HTTP_PROVIDER_MODEL_${mode.toUpperCase().replace(/-/g, '_')}`;

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
    // Unset: simulated, plus the image providers whose configuration is present (see providersOf()).
    WORKER_PROVIDERS: z
      .string()
      .transform((value) => [...new Set(value.split(',').map((name) => name.trim()).filter(Boolean))])
      .pipe(
        z
          .array(z.enum(RUNNABLE_PROVIDERS, { message: `WORKER_PROVIDERS lists providers this worker can run: ${RUNNABLE_PROVIDERS.join(', ')}` }))
          .min(1, 'WORKER_PROVIDERS names at least one provider'),
      )
      .optional(),
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
    // Storage, for the image providers: inputs are read and outputs written with the service role.
    SUPABASE_URL: z.url({ protocol: /^https?$/, message: 'SUPABASE_URL must be an http(s) URL' }).optional(),
    NEXT_PUBLIC_SUPABASE_URL: z.url({ protocol: /^https?$/, message: 'NEXT_PUBLIC_SUPABASE_URL must be an http(s) URL' }).optional(),
    SUPABASE_SERVICE_ROLE_KEY: z.string().trim().min(20, 'SUPABASE_SERVICE_ROLE_KEY looks too short to be a key').optional(),
    WORKER_IMAGE_CONCURRENCY: integer('WORKER_IMAGE_CONCURRENCY', 2, 1, 64),
    WORKER_SHARP_THREADS: integer('WORKER_SHARP_THREADS', 0, 0, 64),
    LOCAL_MAX_INPUT_PIXELS: integer('LOCAL_MAX_INPUT_PIXELS', 40_000_000, 4096, 268_402_689),
    LOCAL_MAX_OUTPUT_PIXELS: integer('LOCAL_MAX_OUTPUT_PIXELS', 40_000_000, 4096, 400_000_000),
    // The hosted model API (http provider).
    HTTP_PROVIDER_BASE_URL: z.url({ protocol: /^https?$/, message: 'HTTP_PROVIDER_BASE_URL must be an http(s) URL' }).optional(),
    HTTP_PROVIDER_TOKEN: z.string().trim().min(1).optional(),
    ...Object.fromEntries(IMAGE_MODES.map((mode) => [httpModelVariable(mode), modelSchema(httpModelVariable(mode)).optional()])),
    HTTP_PROVIDER_POLL_MS: integer('HTTP_PROVIDER_POLL_MS', 1000, 50, 60_000),
    HTTP_PROVIDER_REQUEST_TIMEOUT_MS: integer('HTTP_PROVIDER_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    HTTP_PROVIDER_MAX_RETRY_AFTER_S: integer('HTTP_PROVIDER_MAX_RETRY_AFTER_S', 60, 0, 3600),
    HTTP_PROVIDER_IMAGE_INPUT: z.enum(['url', 'data-uri'], { message: 'HTTP_PROVIDER_IMAGE_INPUT must be url or data-uri' }).default('url'),
    HTTP_PROVIDER_INPUT_KEY: z.string().trim().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'HTTP_PROVIDER_INPUT_KEY must be an identifier').default('image'),
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

/** `owner/name` (the model's latest version), `owner/name:version`, or a bare version id. */
function modelSchema(name: string) {
  return z
    .string()
    .trim()
    .regex(/^([a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*(:[a-z0-9]+)?|[a-z0-9]{16,})$/i, `${name} must be owner/name, owner/name:version or a version id`);
}

export interface StorageConfig {
  url: string;
  serviceRoleKey: string;
}

export interface ImageConfig {
  /** Image jobs processed at once by this process (the local provider's sharp work). */
  concurrency: number;
  /** libvips threads per image operation (sharp.concurrency); 0: the cores divided among the image slots. */
  sharpThreads: number;
  maxInputPixels: number;
  maxOutputPixels: number;
}

export interface HttpProviderConfig {
  baseUrl: string;
  token: string | null;
  /** The model of each mode it runs; modes without one are not offered. */
  models: Partial<Record<ImageMode, string>>;
  pollMs: number;
  requestTimeoutMs: number;
  /** A Retry-After longer than this ends the attempt (retried later by the queue) instead of waiting. */
  maxRetryAfterMs: number;
  /** How the input photo reaches the model: a signed Storage URL, or the bytes inline as a data URI. */
  imageInput: 'url' | 'data-uri';
  inputKey: string;
}

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
  /** How often this worker archives finished jobs past the retention (0: never). */
  archiveIntervalMs: number;
  /** How often the rollups' shards are folded together (0: never). */
  compactIntervalMs: number;
  dbPoolSize: number;
  logLevel: string;
  /** Set when the image providers can reach Storage. */
  storage: StorageConfig | null;
  images: ImageConfig;
  /** Set when HTTP_PROVIDER_BASE_URL is. */
  http: HttpProviderConfig | null;
  /** What the worker should say at start about its defaults (e.g. an image provider left out). */
  notes: string[];
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
  const url = e.SUPABASE_URL ?? e.NEXT_PUBLIC_SUPABASE_URL;
  const storage = url && e.SUPABASE_SERVICE_ROLE_KEY ? { url, serviceRoleKey: e.SUPABASE_SERVICE_ROLE_KEY } : null;
  const models = Object.fromEntries(
    IMAGE_MODES.flatMap((mode) => {
      const model = (e as Record<string, unknown>)[httpModelVariable(mode)];
      return typeof model === 'string' ? [[mode, model]] : [];
    }),
  ) as Partial<Record<ImageMode, string>>;
  const http: HttpProviderConfig | null = e.HTTP_PROVIDER_BASE_URL
    ? {
        baseUrl: e.HTTP_PROVIDER_BASE_URL.replace(/\/+$/, ''),
        token: e.HTTP_PROVIDER_TOKEN ?? null,
        models,
        pollMs: e.HTTP_PROVIDER_POLL_MS,
        requestTimeoutMs: e.HTTP_PROVIDER_REQUEST_TIMEOUT_MS,
        maxRetryAfterMs: e.HTTP_PROVIDER_MAX_RETRY_AFTER_S * 1000,
        imageInput: e.HTTP_PROVIDER_IMAGE_INPUT,
        inputKey: e.HTTP_PROVIDER_INPUT_KEY,
      }
    : null;
  const { providers, problems, notes } = providersOf(e.WORKER_PROVIDERS, storage, http);
  if (problems.length > 0) {
    throw new ConfigError(`The worker's environment is invalid:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
  }
  const w = webhooks.data;
  return {
    databaseUrl: e.DATABASE_URL,
    workerId: e.WORKER_ID ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    providers,
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
    storage,
    images: {
      concurrency: e.WORKER_IMAGE_CONCURRENCY,
      sharpThreads: e.WORKER_SHARP_THREADS,
      maxInputPixels: e.LOCAL_MAX_INPUT_PIXELS,
      maxOutputPixels: e.LOCAL_MAX_OUTPUT_PIXELS,
    },
    http,
    notes,
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

/**
 * The providers to run: WORKER_PROVIDERS as given (each image provider must then be configured), or by
 * default simulated plus every image provider whose configuration is present.
 */
function providersOf(
  requested: RunnableProvider[] | undefined,
  storage: StorageConfig | null,
  http: HttpProviderConfig | null,
): { providers: RunnableProvider[]; problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  const storageMissing = 'SUPABASE_URL (or NEXT_PUBLIC_SUPABASE_URL) and SUPABASE_SERVICE_ROLE_KEY';
  if (requested) {
    if (!storage && requested.some((name) => name === 'local' || name === 'http')) {
      problems.push(`WORKER_PROVIDERS: the local and http providers read and write images in Storage: set ${storageMissing}`);
    }
    if (!http && requested.includes('http')) problems.push('WORKER_PROVIDERS: the http provider needs HTTP_PROVIDER_BASE_URL');
    if (http && requested.includes('http') && Object.keys(http.models).length === 0) {
      problems.push('WORKER_PROVIDERS: the http provider needs a model for at least one mode (HTTP_PROVIDER_MODEL_<MODE>)');
    }
    return { providers: requested, problems, notes };
  }
  const providers: RunnableProvider[] = ['simulated'];
  if (storage) providers.push('local');
  else notes.push(`local provider not started: set ${storageMissing} (npm run local:status -- -o env prints them for the local stack)`);
  if (http && storage && Object.keys(http.models).length > 0) providers.push('http');
  else if (http) notes.push(`http provider not started: it needs ${storage ? 'a model for at least one mode (HTTP_PROVIDER_MODEL_<MODE>)' : storageMissing}`);
  return { providers, problems, notes };
}
