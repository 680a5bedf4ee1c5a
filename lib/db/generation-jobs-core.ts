import type { DbClient } from './client-binding';
import { NotFoundError } from './errors';
import {
  JOB_EVENTS,
  JOB_PROVIDERS,
  JOB_STATUSES,
  jobStatusSchema,
  newGenerationJobSchema,
  pageSchema,
  recentLimitSchema,
  transitionSchema,
  updateGenerationJobSchema,
  uuidSchema,
  type GenerationJob,
  type GenerationMode,
  type JobEvent,
  type JobProvider,
  type JobStatistic,
  type ArchivedJob,
  type JobStatus,
  type NewGenerationJob,
  type Page,
  type PageOptions,
  type RecentJob,
  type UpdateGenerationJob,
} from './job-types';
import { afterCursor, toPage } from './keyset-cursor';
import { narrow, parseInput, unwrap } from './query-result';

const JOB_TYPES = 'lib/db/job-types.ts';

/**
 * The one implementation of the generation-job helpers. Each takes the Supabase client first; which
 * client (server with the request's cookies, or browser) is the caller's choice, RLS does the rest.
 */

// One literal (not concatenated): supabase-js infers the row type from it.
const JOB_COLUMNS =
  'id, user_id, project_id, input_asset_id, mode, status, cost_cents, error_message, created_at, updated_at, provider, params, attempts, max_attempts, run_at, priority, locked_by, locked_until, lease_token, started_at, finished_at, last_error, cancel_requested_at, output_asset_id, retry_of, idempotency_key, provider_job_id';

const EVENT_COLUMNS = 'id, job_id, user_id, project_id, mode, provider, event, from_status, to_status, attempt, actor, error, cost_cents, created_at, details';

function withStatus<T extends { status: string }>(row: T): Omit<T, 'status'> & { status: JobStatus } {
  return { ...row, status: narrow(JOB_STATUSES, row.status, 'job status', JOB_TYPES) };
}

function asJob<T extends { status: string; provider: string }>(row: T): Omit<T, 'status' | 'provider'> & { status: JobStatus; provider: JobProvider } {
  return { ...row, status: narrow(JOB_STATUSES, row.status, 'job status', JOB_TYPES), provider: narrow(JOB_PROVIDERS, row.provider, 'job provider', JOB_TYPES) };
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
  return toPage(unwrap(await afterCursor(query, cursor)).map(asJob), limit);
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
  return asJob(row);
}

/**
 * Queues a job in one of the caller's projects (and optionally an input asset of that project). Without a
 * provider the database's default (`local`) runs it; with a cost and no provider it is a manual job.
 */
export async function createGenerationJob(client: DbClient, data: NewGenerationJob): Promise<GenerationJob> {
  const input = parseInput(newGenerationJobSchema, data, 'new generation job');
  return asJob(unwrap(await client.from('generation_jobs').insert(input).select(JOB_COLUMNS).single()));
}

/** Edits mode, project or input asset of a queued job (the database refuses anything else). */
export async function updateGenerationJob(client: DbClient, id: string, updates: UpdateGenerationJob): Promise<GenerationJob> {
  const jobId = parseInput(uuidSchema, id, 'job id');
  const changes = parseInput(updateGenerationJobSchema, updates, 'job update');
  const row = unwrap(await client.from('generation_jobs').update(changes).eq('id', jobId).select(JOB_COLUMNS).maybeSingle());
  if (!row) throw new NotFoundError(`generation job ${jobId} not found`);
  return asJob(row);
}

/** Moves a manual job along its workflow by hand; `error` is required when failing (other providers: PJ009). */
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
  return asJob(row);
}

/**
 * Cancels one of the caller's jobs: a queued (or manual running) job at once; a running one is asked to
 * stop and the worker acknowledges within one heartbeat (the returned row has cancel_requested_at set).
 */
export async function cancelGenerationJob(client: DbClient, id: string): Promise<GenerationJob> {
  const jobId = parseInput(uuidSchema, id, 'job id');
  return asJob(unwrap(await client.rpc('cancel_generation_job', { job_id: jobId })));
}

/** Queues a new job with the inputs of one of the caller's failed or canceled jobs (its retry_of). */
export async function retryGenerationJob(client: DbClient, id: string): Promise<GenerationJob> {
  const jobId = parseInput(uuidSchema, id, 'job id');
  return asJob(unwrap(await client.rpc('retry_generation_job', { job_id: jobId })));
}

/** The history of one of the caller's jobs, oldest first (at most 200 events). */
export async function getJobEvents(client: DbClient, jobId: string): Promise<JobEvent[]> {
  const id = parseInput(uuidSchema, jobId, 'job id');
  const rows = unwrap(await client.from('job_events').select(EVENT_COLUMNS).eq('job_id', id).order('id').limit(200));
  return rows.map((row) => ({ ...row, event: narrow(JOB_EVENTS, row.event, 'job event', JOB_TYPES) }));
}

/** The enabled modes of each provider, with their prices (public.generation_modes). */
export async function getGenerationModes(client: DbClient): Promise<GenerationMode[]> {
  return unwrap(
    await client
      .from('generation_modes')
      .select('mode, provider, description, price_cents, timeout_seconds, max_attempts, enabled, created_at, updated_at')
      .eq('enabled', true)
      .order('provider')
      .order('mode'),
  );
}

/**
 * The caller's archived jobs (finished jobs moved out after the retention period), newest first, one page at
 * a time; optionally of one project.
 */
export async function getArchivedJobs(client: DbClient, page?: PageOptions & { project_id?: string }): Promise<Page<ArchivedJob>> {
  const { project_id: projectId, ...pageOptions } = page ?? {};
  const { limit, cursor } = parseInput(pageSchema, pageOptions, 'page options');
  let query = client
    .from('generation_jobs_archive')
    .select(`${JOB_COLUMNS}, archived_at`)
    .order('created_at', { ascending: false })
    .order('id', { ascending: false })
    .limit(limit + 1);
  if (projectId !== undefined) query = query.eq('project_id', parseInput(uuidSchema, projectId, 'project id'));
  return toPage(unwrap(await afterCursor(query, cursor)).map(asJob), limit);
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
  return unwrap(await client.rpc('get_recent_jobs', { job_limit: jobLimit })).map(asJob);
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
  cancelGenerationJob,
  retryGenerationJob,
  getJobEvents,
  getGenerationModes,
  deleteGenerationJob,
  getJobStatistics,
  getRecentJobs,
  getTotalCosts,
  getArchivedJobs,
};
