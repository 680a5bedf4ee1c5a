import type postgres from 'postgres';
import { createAuthUser } from './auth-users.ts';

/** Fixtures written as the superuser (RLS bypassed, but every trigger and constraint still applies). */
export async function createProject(sql: postgres.Sql, userId: string, name = 'Project'): Promise<string> {
  const [row] = await sql<{ id: string }[]>`insert into public.projects (user_id, name) values (${userId}, ${name}) returning id`;
  return row.id;
}

export async function createAsset(sql: postgres.Sql, userId: string, projectId: string, name = 'photo.png'): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into public.assets (user_id, project_id, name, storage_path, kind, mime_type, size_bytes)
    values (${userId}, ${projectId}, ${name}, ${`${userId}/${projectId}/${name}`}, 'input', 'image/png', 1024)
    returning id`;
  return row.id;
}

/**
 * An asset with a file, as an upload leaves it: a storage.objects row in product-images (bytes are the
 * Storage API's business; the database only checks the row exists) and the asset naming it.
 */
export async function createStoredAsset(sql: postgres.Sql, userId: string, projectId: string, name = 'photo.png'): Promise<string> {
  const path = `${userId}/${projectId}/${crypto.randomUUID()}.png`;
  await sql`insert into storage.objects (bucket_id, name, version, metadata) values ('product-images', ${path}, ${crypto.randomUUID()}, '{"size": 1024, "mimetype": "image/png"}')`;
  const [row] = await sql<{ id: string }[]>`
    insert into public.assets (user_id, project_id, name, storage_path, bucket, kind, mime_type, width, height)
    values (${userId}, ${projectId}, ${name}, ${path}, 'product-images', 'input', 'image/png', 640, 480)
    returning id`;
  return row.id;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
export type JobProvider = 'manual' | 'simulated' | 'local' | 'http';

/**
 * A job created queued and moved to `status` along the workflow, as the database owner (the job system)
 * would. Manual (hand-driven, the seed's flow) unless `provider` says otherwise; the cost of a manual job
 * is the caller's, other providers are priced from generation_modes.
 */
export async function createJob(
  sql: postgres.Sql,
  job: {
    userId: string;
    projectId: string;
    inputAssetId?: string | null;
    mode?: string;
    costCents?: number;
    status?: JobStatus;
    provider?: JobProvider;
    params?: Record<string, unknown>;
  },
): Promise<string> {
  const provider = job.provider ?? 'manual';
  const mode = job.mode ?? 'lifestyle';
  const [row] = await sql<{ id: string }[]>`
    insert into public.generation_jobs (user_id, project_id, input_asset_id, mode, provider, params, cost_cents)
    values (${job.userId}, ${job.projectId}, ${job.inputAssetId ?? null}, ${mode}, ${provider},
            ${sql.json((job.params ?? {}) as postgres.JSONValue)}, ${provider === 'manual' ? (job.costCents ?? 100) : 0})
    returning id`;
  const status = job.status ?? 'queued';
  if (status === 'canceled') {
    await sql`update public.generation_jobs set status = 'canceled' where id = ${row.id}`;
    return row.id;
  }
  if (status !== 'queued') await sql`update public.generation_jobs set status = 'running' where id = ${row.id}`;
  if (status === 'succeeded') await sql`update public.generation_jobs set status = 'succeeded' where id = ${row.id}`;
  if (status === 'failed') {
    await sql`update public.generation_jobs set status = 'failed', error_message = 'fixture failure' where id = ${row.id}`;
  }
  return row.id;
}

export interface Owner {
  userId: string;
  projectId: string;
  assetId: string;
}

/** A user with one project holding one asset. */
export async function createOwner(sql: postgres.Sql): Promise<Owner> {
  const userId = await createAuthUser(sql);
  const projectId = await createProject(sql, userId);
  const assetId = await createAsset(sql, userId, projectId);
  return { userId, projectId, assetId };
}

export const JOB_STATUSES: JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'canceled'];
export const ALLOWED_TRANSITIONS = new Set([
  'queued>running',
  'queued>canceled',
  'running>succeeded',
  'running>failed',
  'running>canceled',
  'running>queued',
]);
export const TERMINAL_STATUSES: JobStatus[] = ['succeeded', 'failed', 'canceled'];

/** Queues `count` simulated jobs for `owner` in one statement (one NOTIFY); returns their ids. */
export async function enqueueSimulatedJobs(
  sql: postgres.Sql,
  owner: { userId: string; projectId: string },
  count: number,
  params: Record<string, unknown> = {},
  mode = 'upscale',
): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    insert into public.generation_jobs (user_id, project_id, mode, provider, params)
    select ${owner.userId}, ${owner.projectId}, ${mode}, 'simulated', ${sql.json(params as postgres.JSONValue)}
    from generate_series(1, ${count})
    returning id`;
  return rows.map((row) => row.id);
}

/** How many of `ids` are in each status. */
export async function statusCounts(sql: postgres.Sql, ids: string[]): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }[]>`
    select status, count(*)::int as n from public.generation_jobs where id = any(${ids}::uuid[]) group by status`;
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/**
 * A finished job with the timestamps given (the job system, the database owner, may set them): created at
 * `createdAt`, due at `runAt` (default: created), started after `waitMs`, finished `runMs` later. `runMs`
 * null: canceled before it started. For metrics and archival tests.
 */
export async function createTimedJob(
  sql: postgres.Sql,
  job: {
    userId: string;
    projectId: string;
    mode?: string;
    provider?: JobProvider;
    status: 'succeeded' | 'failed' | 'canceled';
    costCents?: number;
    createdAt: Date;
    waitMs: number;
    runMs: number | null;
    retryOf?: string | null;
  },
): Promise<string> {
  const provider = job.provider ?? 'simulated';
  const [row] = await sql<{ id: string }[]>`
    insert into public.generation_jobs (user_id, project_id, mode, provider, cost_cents, created_at, retry_of)
    values (${job.userId}, ${job.projectId}, ${job.mode ?? 'upscale'}, ${provider}, ${provider === 'manual' ? (job.costCents ?? 0) : 0},
            ${job.createdAt}, ${job.retryOf ?? null})
    returning id`;
  if (job.runMs === null) {
    await sql`update public.generation_jobs set status = 'canceled' where id = ${row.id}`;
  } else {
    await sql`update public.generation_jobs set status = 'running' where id = ${row.id}`;
    await sql`
      update public.generation_jobs set status = ${job.status}, error_message = ${job.status === 'failed' ? 'fixture failure' : null}
      where id = ${row.id}`;
  }
  const created = job.createdAt.getTime();
  await sql`
    update public.generation_jobs
       set run_at = ${job.createdAt},
           started_at = ${job.runMs === null ? null : new Date(created + job.waitMs)},
           finished_at = ${new Date(created + job.waitMs + (job.runMs ?? 0))},
           cost_cents = case when provider = 'manual' then cost_cents else ${job.costCents ?? 0} end
     where id = ${row.id}`;
  return row.id;
}
