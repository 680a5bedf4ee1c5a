import type { DbClient } from './client-binding';
import { DatabaseError, NotFoundError, ValidationError } from './errors';
import {
  JOB_STATUSES,
  jobStatusSchema,
  newGenerationJobSchema,
  pageSchema,
  recentLimitSchema,
  transitionSchema,
  updateGenerationJobSchema,
  uuidSchema,
  type GenerationJob,
  type JobStatistic,
  type JobStatus,
  type NewGenerationJob,
  type Page,
  type PageOptions,
  type RecentJob,
  type UpdateGenerationJob,
} from './job-types';
import { parseInput, unwrap } from './query-result';

/**
 * The one implementation of the generation-job helpers. Each takes the Supabase client first; which
 * client (server with the request's cookies, or browser) is the caller's choice, RLS does the rest.
 */

const JOB_COLUMNS = 'id, user_id, project_id, input_asset_id, mode, status, cost_cents, error_message, created_at, updated_at';

function withStatus<T extends { status: string }>(row: T): Omit<T, 'status'> & { status: JobStatus } {
  if (!(JOB_STATUSES as readonly string[]).includes(row.status)) {
    throw new DatabaseError(`unknown job status "${row.status}": update lib/db/job-types.ts after the migration that added it`);
  }
  return row as Omit<T, 'status'> & { status: JobStatus };
}

// base64url without Node's Buffer: the browser bundle has no Buffer with that encoding.
function toBase64Url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(value: string): string {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}

// Cursor = the last row's sort key (created_at, id), opaque to callers.
function encodeCursor(job: GenerationJob): string {
  return toBase64Url(JSON.stringify([job.created_at, job.id]));
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const [createdAt, id] = JSON.parse(fromBase64Url(cursor)) as unknown[];
    if (typeof createdAt === 'string' && !Number.isNaN(Date.parse(createdAt)) && uuidSchema.safeParse(id).success) {
      return [createdAt, id as string];
    }
  } catch {
    // fall through
  }
  throw new ValidationError('Invalid page options: cursor is not one this API returned', {}, {
    cursor: ['cursor is not one this API returned'],
  });
}

async function listJobs(
  client: DbClient,
  filter: { project_id?: string; status?: JobStatus },
  page: PageOptions | undefined,
): Promise<Page<GenerationJob>> {
  const { limit, cursor } = parseInput(pageSchema, page, 'page options');
  let query = client
    .from('generation_jobs')
    .select(JOB_COLUMNS)
    .order('created_at', { ascending: false })
    .order('id', { ascending: false })
    .limit(limit + 1);
  if (filter.project_id) query = query.eq('project_id', filter.project_id);
  if (filter.status) query = query.eq('status', filter.status);
  if (cursor) {
    const [createdAt, id] = decodeCursor(cursor);
    query = query.or(`created_at.lt."${createdAt}",and(created_at.eq."${createdAt}",id.lt.${id})`);
  }
  const rows = unwrap(await query).map(withStatus);
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]) : null };
}

/** The caller's jobs, newest first, one page at a time. */
export function getGenerationJobs(client: DbClient, page?: PageOptions): Promise<Page<GenerationJob>> {
  return listJobs(client, {}, page);
}

/** The caller's jobs of one project, newest first. */
export function getProjectJobs(client: DbClient, projectId: string, page?: PageOptions): Promise<Page<GenerationJob>> {
  return listJobs(client, { project_id: parseInput(uuidSchema, projectId, 'project id') }, page);
}

/** The caller's jobs in one status, newest first. */
export function getJobsByStatus(client: DbClient, status: JobStatus, page?: PageOptions): Promise<Page<GenerationJob>> {
  return listJobs(client, { status: parseInput(jobStatusSchema, status, 'status') }, page);
}

/** One job of the caller; NotFoundError when it does not exist or belongs to someone else. */
export async function getGenerationJob(client: DbClient, id: string): Promise<GenerationJob> {
  const jobId = parseInput(uuidSchema, id, 'job id');
  const row = unwrap(await client.from('generation_jobs').select(JOB_COLUMNS).eq('id', jobId).maybeSingle());
  if (!row) throw new NotFoundError(`generation job ${jobId} not found`);
  return withStatus(row);
}

/** Queues a job in one of the caller's projects (and optionally an input asset of that project). */
export async function createGenerationJob(client: DbClient, data: NewGenerationJob): Promise<GenerationJob> {
  const input = parseInput(newGenerationJobSchema, data, 'new generation job');
  return withStatus(unwrap(await client.from('generation_jobs').insert(input).select(JOB_COLUMNS).single()));
}

/** Edits mode, project or input asset of a queued job (the database refuses anything else). */
export async function updateGenerationJob(client: DbClient, id: string, updates: UpdateGenerationJob): Promise<GenerationJob> {
  const jobId = parseInput(uuidSchema, id, 'job id');
  const changes = parseInput(updateGenerationJobSchema, updates, 'job update');
  const row = unwrap(await client.from('generation_jobs').update(changes).eq('id', jobId).select(JOB_COLUMNS).maybeSingle());
  if (!row) throw new NotFoundError(`generation job ${jobId} not found`);
  return withStatus(row);
}

/** Moves a job along queued → running → succeeded | failed; `error` is required when failing. */
export async function transitionJobStatus(client: DbClient, id: string, status: JobStatus, error?: string): Promise<GenerationJob> {
  const input = parseInput(transitionSchema, { id, status, error }, 'status transition');
  // transition_job_status returns one row (not a set): PostgREST answers with the object itself.
  const row = unwrap(
    await client.rpc('transition_job_status', {
      job_id: input.id,
      new_status: input.status,
      ...(input.error ? { error: input.error } : {}),
    }),
  );
  return withStatus(row);
}

/** Deletes one of the caller's jobs; NotFoundError when there was none to delete. */
export async function deleteGenerationJob(client: DbClient, id: string): Promise<void> {
  const jobId = parseInput(uuidSchema, id, 'job id');
  const rows = unwrap(await client.from('generation_jobs').delete().eq('id', jobId).select('id'));
  if (rows.length === 0) throw new NotFoundError(`generation job ${jobId} not found`);
}

/** Count, total and average cost per status (every status, zeros included), for the caller's jobs. */
export async function getJobStatistics(client: DbClient): Promise<JobStatistic[]> {
  return unwrap(await client.rpc('get_job_statistics')).map(withStatus);
}

/** The caller's latest jobs (1 to 100). */
export async function getRecentJobs(client: DbClient, limit = 10): Promise<RecentJob[]> {
  const jobLimit = parseInput(recentLimitSchema, limit, 'limit');
  return unwrap(await client.rpc('get_recent_jobs', { job_limit: jobLimit })).map(withStatus);
}

/** Sum of cost_cents over all of the caller's jobs. */
export async function getTotalCosts(client: DbClient): Promise<number> {
  const statistics = await getJobStatistics(client);
  return statistics.reduce((total, row) => total + Number(row.total_cost_cents), 0);
}

export const generationJobQueries = {
  getGenerationJobs,
  getProjectJobs,
  getJobsByStatus,
  getGenerationJob,
  createGenerationJob,
  updateGenerationJob,
  transitionJobStatus,
  deleteGenerationJob,
  getJobStatistics,
  getRecentJobs,
  getTotalCosts,
};
