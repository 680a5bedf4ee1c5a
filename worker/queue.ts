import type postgres from 'postgres';
import type { JobProvider } from '../lib/db/job-types.ts';
import type { ProviderJob, StoredOutput } from './providers/provider.ts';

/**
 * The worker's SQL: one call per job_queue function (supabase/migrations/*_job_queue_functions.sql).
 * postgres.js prepares each statement once per connection, so every call after the first sends only its
 * parameters. Batches go as one JSON array, one statement per batch.
 */

export interface ClaimedJob extends ProviderJob {
  /** The fencing token of this claim: every later call about the job must present it. */
  leaseToken: string;
}

/** A job the worker holds, as the finishing calls name it. */
export interface Lease {
  id: string;
  leaseToken: string;
}

export type HeartbeatState = 'running' | 'cancel_requested' | 'lost';
export type FinishOutcome = 'succeeded' | 'failed' | 'retry_scheduled' | 'canceled' | 'released' | 'lost';

export interface Completion extends Lease {
  costCents: number | null;
  outputAssetId: string | null;
}

export interface OutputCompletion extends Lease {
  costCents: number | null;
  output: StoredOutput;
}

/** The input asset of a held job, and what an earlier attempt started at a hosted provider. */
export interface JobInput {
  providerJobId: string | null;
  asset: {
    id: string;
    bucket: string | null;
    storagePath: string;
    name: string;
    mimeType: string;
    sizeBytes: number | null;
  } | null;
}

/** An object of generated-images that nothing holds any more. */
export interface DiscardableOutput {
  jobId: string;
  bucket: string;
  name: string;
}

export interface Failure extends Lease {
  error: string;
  retryable: boolean;
  costCents: number | null;
}

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

interface ClaimRow {
  id: string;
  user_id: string;
  project_id: string;
  input_asset_id: string | null;
  mode: string;
  provider: JobProvider;
  params: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
  cost_cents: number;
  lease_token: string;
  timeout_seconds: number;
}

type OutcomeRow = { job_id: string; lease_token: string; outcome: FinishOutcome };

const lease = (job: Lease) => ({ id: job.id, lease_token: job.leaseToken });

/**
 * Results are keyed by job and token: a worker whose lease expired may have rescued and claimed the same
 * job again while the first attempt still runs.
 */
export const leaseKey = (job: Lease): string => `${job.id}/${job.leaseToken}`;

export class Queue {
  constructor(
    private readonly sql: postgres.Sql,
    readonly workerId: string,
  ) {}

  async register(info: { host: string; pid: number; providers: string[]; concurrency: number }): Promise<void> {
    await this.sql`select job_queue.register_worker(${this.workerId}, ${info.host}, ${info.pid}, ${info.providers}, ${info.concurrency})`;
  }

  async unregister(): Promise<void> {
    await this.sql`select job_queue.stop_worker(${this.workerId})`;
  }

  async pruneWorkers(olderThanSeconds: number): Promise<number> {
    const [row] = await this.sql<{ pruned: number }[]>`
      select job_queue.prune_workers(make_interval(secs => ${olderThanSeconds})) as pruned`;
    return row.pruned;
  }

  /** Up to `limit` due jobs of `providers`, now leased to this worker. */
  async claim(providers: readonly string[], limit: number, leaseSeconds: number): Promise<ClaimedJob[]> {
    const rows = await this.sql<ClaimRow[]>`
      select id, user_id, project_id, input_asset_id, mode, provider, params, attempts, max_attempts, cost_cents,
             lease_token, timeout_seconds
      from job_queue.claim_jobs(${this.workerId}, ${providers as string[]}, ${limit}, ${leaseSeconds})`;
    return rows.map((row) => ({
      id: row.id,
      userId: row.user_id,
      projectId: row.project_id,
      inputAssetId: row.input_asset_id,
      mode: row.mode,
      provider: row.provider,
      params: row.params,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
      costCents: row.cost_cents,
      timeoutMs: row.timeout_seconds * 1000,
      leaseToken: row.lease_token,
    }));
  }

  /** Extends the leases still held; says which jobs have a cancel request and which were lost. */
  /** By leaseKey(). */
  async heartbeat(jobs: Lease[], leaseSeconds: number): Promise<Map<string, HeartbeatState>> {
    const rows = await this.sql<{ job_id: string; lease_token: string; state: HeartbeatState }[]>`
      select job_id, lease_token, state from job_queue.heartbeat(${this.workerId}, ${this.sql.json(jobs.map(lease))}, ${leaseSeconds})`;
    return new Map(rows.map((row) => [leaseKey({ id: row.job_id, leaseToken: row.lease_token }), row.state]));
  }

  async complete(jobs: Completion[]): Promise<Map<string, FinishOutcome>> {
    const batch = jobs.map((job) => ({ ...lease(job), cost_cents: job.costCents, output_asset_id: job.outputAssetId }));
    return outcomes(await this.sql<OutcomeRow[]>`select job_id, lease_token, outcome from job_queue.complete_jobs(${this.workerId}, ${this.sql.json(batch)})`);
  }

  /** Records each job's stored image as its output asset and completes it, in one transaction (fenced). */
  async completeWithOutput(jobs: OutputCompletion[]): Promise<Map<string, FinishOutcome>> {
    const batch = jobs.map((job) => ({
      ...lease(job),
      cost_cents: job.costCents,
      output: { extension: job.output.extension, name: job.output.name, mime_type: job.output.mimeType, width: job.output.width, height: job.output.height },
    }));
    return outcomes(await this.sql<OutcomeRow[]>`
      select job_id, lease_token, outcome from job_queue.complete_jobs_with_output(${this.workerId}, ${this.sql.json(batch)})`);
  }

  /** The job's input asset while this worker holds it; null once the lease is gone. */
  async jobInput(job: Lease): Promise<JobInput | null> {
    const rows = await this.sql<
      { provider_job_id: string | null; asset_id: string | null; bucket: string | null; storage_path: string; name: string; mime_type: string; size_bytes: string | null }[]
    >`select provider_job_id, asset_id, bucket, storage_path, name, mime_type, size_bytes from job_queue.job_inputs(${this.workerId}, ${this.sql.json([lease(job)])})`;
    const row = rows[0];
    if (!row) return null;
    return {
      providerJobId: row.provider_job_id,
      asset: row.asset_id
        ? { id: row.asset_id, bucket: row.bucket, storagePath: row.storage_path, name: row.name, mimeType: row.mime_type, sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes) }
        : null,
    };
  }

  /** Records the id a hosted provider gave this attempt's work; false when the lease is gone. */
  async setProviderJobId(job: Lease, providerJobId: string): Promise<boolean> {
    const [row] = await this.sql<{ held: boolean }[]>`
      select job_queue.set_provider_job_id(${this.workerId}, ${job.id}, ${job.leaseToken}, ${providerJobId}) as held`;
    return row.held;
  }

  /** Stored outputs of these jobs that no asset and no other running attempt holds (leaseToken null: any). */
  async discardableOutputs(jobs: { id: string; leaseToken: string | null }[]): Promise<DiscardableOutput[]> {
    const rows = await this.sql<{ job_id: string; bucket: string; name: string }[]>`
      select job_id, bucket, name from job_queue.discardable_outputs(${this.workerId}, ${this.sql.json(jobs.map((job) => ({ id: job.id, lease_token: job.leaseToken })))})`;
    return rows.map((row) => ({ jobId: row.job_id, bucket: row.bucket, name: row.name }));
  }

  /** Enables a provider's modes (those it is configured for); returns the ones that were off. */
  async enableModes(provider: string, modes: string[]): Promise<string[]> {
    const rows = await this.sql<{ mode: string }[]>`select mode from job_queue.enable_modes(${this.workerId}, ${provider}, ${modes}::text[]) as mode`;
    return rows.map((row) => row.mode);
  }

  async fail(jobs: Failure[], backoff: Backoff): Promise<Map<string, FinishOutcome>> {
    const batch = jobs.map((job) => ({ ...lease(job), error: job.error, retryable: job.retryable, cost_cents: job.costCents }));
    return outcomes(await this.sql<OutcomeRow[]>`
      select job_id, lease_token, outcome from job_queue.fail_jobs(${this.workerId}, ${this.sql.json(batch)}, ${backoff.baseMs}, ${backoff.maxMs})`);
  }

  /** Acknowledges cancel requests: the jobs become canceled. */
  async cancel(jobs: Lease[]): Promise<Map<string, FinishOutcome>> {
    return outcomes(await this.sql<OutcomeRow[]>`select job_id, lease_token, outcome from job_queue.cancel_jobs(${this.workerId}, ${this.sql.json(jobs.map(lease))})`);
  }

  /** Gives jobs back to the queue (shutdown) without using up their attempt. */
  async release(jobs: Lease[]): Promise<Map<string, FinishOutcome>> {
    return outcomes(await this.sql<OutcomeRow[]>`select job_id, lease_token, outcome from job_queue.release_jobs(${this.workerId}, ${this.sql.json(jobs.map(lease))})`);
  }

  /**
   * Moves one batch of jobs finished longer ago than the retention (job_queue.settings, default 90 days) to
   * generation_jobs_archive; returns how many moved. Safe with several workers at once (SKIP LOCKED).
   */
  async archiveFinished(): Promise<number> {
    const [row] = await this.sql<{ moved: number }[]>`select job_queue.archive_finished_jobs() as moved`;
    return row.moved;
  }

  /** Folds the rollups' shards together and drops rows that sum to zero; returns the rows folded. */
  async compactRollups(): Promise<number> {
    const [row] = await this.sql<{ folded: number }[]>`select job_queue.compact_job_rollups() as folded`;
    return row.folded;
  }

  /** Requeues (or fails, or cancels) running jobs whose lease expired; returns what happened to each. */
  async rescueExpired(limit: number): Promise<Map<string, string>> {
    const rows = await this.sql<{ job_id: string; outcome: string }[]>`select job_id, outcome from job_queue.rescue_expired_jobs(${this.workerId}, ${limit})`;
    return new Map(rows.map((row) => [row.job_id, row.outcome]));
  }
}

/** By leaseKey(). */
function outcomes(rows: OutcomeRow[]): Map<string, FinishOutcome> {
  return new Map(rows.map((row) => [leaseKey({ id: row.job_id, leaseToken: row.lease_token }), row.outcome]));
}
