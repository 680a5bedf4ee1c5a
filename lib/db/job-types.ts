import { z } from 'zod';
import type { Database, Tables, TablesInsert } from './database.types';
import { visibleTextSchema } from './text-rules';

/**
 * The status workflow, mirrored from the database (public.job_statuses / job_status_transitions) so the
 * UI and zod can fail early. The database enforces it whatever the caller.
 */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: ['running', 'canceled'],
  running: ['succeeded', 'failed', 'canceled', 'queued'],
  succeeded: [],
  failed: [],
  canceled: [],
};

/** Finished: no way out (retry_generation_job creates a new job instead). */
export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];
/** A job the job system is working on (or will): cancel applies, delete does not. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'running'];

/**
 * Who runs a job (generation_jobs_provider_check): `manual` jobs are moved by hand (the seed's test bench)
 * and never claimed by a worker; the others are run by `npm run worker`.
 */
export const JOB_PROVIDERS = ['local', 'http', 'simulated', 'manual'] as const;
export type JobProvider = (typeof JOB_PROVIDERS)[number];

/** Events of public.job_events (job_events_event_check). */
export const JOB_EVENTS = [
  'created', 'claimed', 'succeeded', 'failed', 'canceled', 'cancel_requested', 'retry_scheduled', 'rescued', 'released', 'requeued',
] as const;
export type JobEventName = (typeof JOB_EVENTS)[number];

/** A row of generation_jobs, with `status` and `provider` narrowed. */
export type GenerationJob = Omit<Tables<'generation_jobs'>, 'status' | 'provider'> & { status: JobStatus; provider: JobProvider };
/** A row of generation_jobs_archive: a finished job moved out of generation_jobs, with `archived_at`. */
export type ArchivedJob = Omit<Tables<'generation_jobs_archive'>, 'status' | 'provider'> & { status: JobStatus; provider: JobProvider };
export type GenerationMode = Tables<'generation_modes'>;
export type JobEvent = Omit<Tables<'job_events'>, 'event'> & { event: JobEventName };
export type RecentJob = GenerationJob;
export type Project = Tables<'projects'>;
export type Asset = Tables<'assets'>;

type StatisticRow = Database['public']['Functions']['get_job_statistics']['Returns'][number];
export type JobStatistic = Omit<StatisticRow, 'status'> & { status: JobStatus };

type SummaryRow = Tables<'generation_job_summary'>;
export type JobSummary = Omit<SummaryRow, 'status'> & { status: JobStatus | null };

// ---- Input schemas: the database's rules, checked early for friendly messages -----------------------

export const jobStatusSchema = z.enum(JOB_STATUSES, { message: `status must be one of ${JOB_STATUSES.join(', ')}` });
export const uuidSchema = z.uuid({ message: 'must be a UUID' });

/** Same rule as generation_jobs_mode_check. */
export const modeSchema = z
  .string()
  .trim()
  .min(1, 'mode is required')
  .max(40, 'mode is at most 40 characters')
  .regex(/^[a-z][a-z0-9_-]*$/, 'mode is a lowercase slug: a letter, then letters, digits, - or _');

export const costCentsSchema = z
  .number({ message: 'cost_cents must be a number of cents' })
  .int('cost_cents must be a whole number of cents')
  .min(0, 'cost_cents cannot be negative')
  .max(2_147_483_647, 'cost_cents is too large');

/** Same rule as generation_jobs_error_message_check: a visible character, at most 2000 characters. */
export const errorMessageSchema = visibleTextSchema(
  'an error message is required when failing a job',
  2000,
  'the error message is at most 2000 characters',
);

export const providerSchema = z.enum(JOB_PROVIDERS, { message: `provider must be one of ${JOB_PROVIDERS.join(', ')}` });

/** Mode options: a JSON object of at most 16 KB (generation_jobs_params_check). */
export const paramsSchema = z
  .record(z.string(), z.json())
  .refine((value) => new TextEncoder().encode(JSON.stringify(value)).length <= 16_384, 'params are at most 16 KB of JSON');

export const idempotencyKeySchema = visibleTextSchema('an idempotency key cannot be blank', 200);

/**
 * A new job. `provider` defaults to the database's (`local`); a cost is the creator's only for manual
 * jobs (the price of the mode sets it for the others), so a job given a cost and no provider is a manual
 * one: the seed's `createGenerationJob({ project_id, mode, cost_cents })` keeps its meaning.
 */
export const newGenerationJobSchema = z
  .object({
    project_id: uuidSchema,
    mode: modeSchema,
    provider: providerSchema.optional(),
    cost_cents: costCentsSchema.optional(),
    params: paramsSchema.optional(),
    input_asset_id: uuidSchema.nullish(),
    idempotency_key: idempotencyKeySchema.optional(),
  })
  .strict()
  .transform((job) => (job.cost_cents !== undefined && job.provider === undefined ? { ...job, provider: 'manual' as const } : job))
  .refine((job) => job.cost_cents === undefined || job.provider === 'manual', {
    message: 'cost_cents is only for manual jobs: the price of the mode sets the cost of the others',
    path: ['cost_cents'],
  });
export type NewGenerationJob = z.input<typeof newGenerationJobSchema>;

/** What can change after creation (while queued): status moves via transitionJobStatus, cost never. */
export const updateGenerationJobSchema = z
  .object({
    mode: modeSchema.optional(),
    project_id: uuidSchema.optional(),
    input_asset_id: uuidSchema.nullable().optional(),
    params: paramsSchema.optional(),
  })
  .strict()
  .refine((value) => Object.keys(value).length > 0, 'nothing to update: pass mode, project_id, input_asset_id or params');
export type UpdateGenerationJob = z.input<typeof updateGenerationJobSchema>;

export const transitionSchema = z
  .object({ id: uuidSchema, status: jobStatusSchema, error: errorMessageSchema.optional() })
  .refine((value) => value.status !== 'failed' || value.error !== undefined, {
    message: 'an error message is required when failing a job',
    path: ['error'],
  })
  .refine((value) => value.status === 'failed' || value.error === undefined, {
    message: 'an error message is only allowed when failing a job',
    path: ['error'],
  });

/** Keyset pagination: newest first; pass `nextCursor` back to get the following page. */
export const pageSchema = z
  .object({
    limit: z.number().int().min(1, 'limit is at least 1').max(100, 'limit is at most 100').default(25),
    cursor: z.string().min(1).nullish(),
  })
  .strict()
  .default({ limit: 25 });
export type PageOptions = z.input<typeof pageSchema>;

export interface Page<T> {
  items: T[];
  /** Opaque; null when there is nothing more. */
  nextCursor: string | null;
}

export const recentLimitSchema = z.number().int().min(1, 'limit is at least 1').max(100, 'limit is at most 100');

export const newProjectSchema = z
  .object({ name: visibleTextSchema('a project needs a name', 100, 'a project name is at most 100 characters') })
  .strict();
export type NewProject = z.input<typeof newProjectSchema>;

export const newAssetSchema = z
  .object({
    project_id: uuidSchema,
    name: visibleTextSchema('an asset needs a name', 200, 'an asset name is at most 200 characters'),
    storage_path: z
      .string()
      .trim()
      .min(1, 'storage_path is required')
      .max(1024)
      .regex(/^[^/]/, 'storage_path is bucket-relative: no leading slash'),
    mime_type: z.string().trim().regex(/^[a-z]+\/[a-z0-9][a-z0-9.+-]*$/, 'mime_type looks like image/png'),
  })
  .strict();
export type NewAsset = z.input<typeof newAssetSchema> &
  Partial<Pick<TablesInsert<'assets'>, 'kind' | 'size_bytes' | 'bucket' | 'width' | 'height'>>;

/** A product photo to upload into a project; its type and size are read from the bytes. */
export const newUploadSchema = z
  .object({
    project_id: uuidSchema,
    name: visibleTextSchema('an asset needs a name', 200, 'an asset name is at most 200 characters').optional(),
  })
  .strict();
export type NewUpload = z.input<typeof newUploadSchema> & { file: Blob };

/** Signed thumbnail URLs: how big, and for how long they work. */
export const thumbnailOptionsSchema = z
  .object({
    size: z.number().int().min(16).max(1024).default(160),
    expiresIn: z.number().int().min(60).max(7 * 24 * 3600).default(3600),
  })
  .strict()
  .default({ size: 160, expiresIn: 3600 });
export type ThumbnailOptions = z.input<typeof thumbnailOptionsSchema>;
