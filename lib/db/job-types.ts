import { z } from 'zod';
import type { Database, Tables, TablesInsert } from './database.types';

/**
 * The status workflow, mirrored from the database (public.job_statuses / job_status_transitions) so the
 * UI and zod can fail early. The database enforces it whatever the caller.
 */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: ['running'],
  running: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
};

/** A row of generation_jobs, with `status` narrowed to the workflow's statuses. */
export type GenerationJob = Omit<Tables<'generation_jobs'>, 'status'> & { status: JobStatus };
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

export const errorMessageSchema = z
  .string()
  .trim()
  .min(1, 'an error message is required when failing a job')
  .max(2000, 'the error message is at most 2000 characters');

export const newGenerationJobSchema = z
  .object({
    project_id: uuidSchema,
    mode: modeSchema,
    cost_cents: costCentsSchema.default(0),
    input_asset_id: uuidSchema.nullish(),
  })
  .strict();
export type NewGenerationJob = z.input<typeof newGenerationJobSchema>;

/** What can change after creation (while queued): status moves via transitionJobStatus, cost never. */
export const updateGenerationJobSchema = z
  .object({
    mode: modeSchema.optional(),
    project_id: uuidSchema.optional(),
    input_asset_id: uuidSchema.nullable().optional(),
  })
  .strict()
  .refine((value) => Object.keys(value).length > 0, 'nothing to update: pass mode, project_id or input_asset_id');
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
  .object({ name: z.string().trim().min(1, 'a project needs a name').max(100, 'a project name is at most 100 characters') })
  .strict();
export type NewProject = z.input<typeof newProjectSchema>;

export const newAssetSchema = z
  .object({
    project_id: uuidSchema,
    name: z.string().trim().min(1, 'an asset needs a name').max(200),
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
    name: z.string().trim().min(1, 'an asset needs a name').max(200, 'an asset name is at most 200 characters').optional(),
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
