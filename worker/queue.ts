import type postgres from 'postgres';
import type { JobProvider } from '../lib/db/job-types.ts';
import type { ProviderJob } from './providers/index.ts';

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
