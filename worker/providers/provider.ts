import type { JobProvider } from '../../lib/db/job-types.ts';
import type { ImageMimeType } from '../../lib/images/image-info.ts';
import type { Logger } from '../log.ts';

/** A claimed job, as a provider sees it. */
export interface ProviderJob {
  id: string;
  userId: string;
  projectId: string;
  inputAssetId: string | null;
  mode: string;
  provider: JobProvider;
  /** Mode options from generation_jobs.params (validate them: they come from users). */
  params: Record<string, unknown>;
  /** This attempt's number, from 1. */
  attempt: number;
  maxAttempts: number;
  /** The estimate set at creation (the mode's price). */
  costCents: number;
  /** The mode's timeout for one attempt; the signal fires when it passes. */
  timeoutMs: number;
}

/**
 * An image the attempt stored at generated-images/{user_id}/{project_id}/{job_id}.{extension}. The job system
 * records it as the job's output asset in the same call that completes the job (fenced by the lease).
 */
export interface StoredOutput {
  extension: 'png' | 'jpg' | 'webp';
  /** The asset's name, as the owner sees it. */
  name: string;
  mimeType: ImageMimeType;
  width: number;
  height: number;
}

/** What a successful run reports: the final cost, and the generated asset when there is one. */
export interface ProviderResult {
  costCents: number;
  /** An existing asset to record as the output. */
  outputAssetId?: string | null;
  /** A stored file to record as the output asset. */
  output?: StoredOutput;
  /**
   * Removes what the attempt stored unless the job holds it; the runner calls it when the completion is
   * refused or the lease was lost, so a result that is not recorded leaves no object behind. Never throws.
   */
  discard?: () => Promise<void>;
}

/** Why the signal fired. */
export type AbortCause = 'timeout' | 'canceled' | 'lease_lost' | 'shutdown';

/** The signal's reason: what stopped the run. */
export class JobAbortedError extends Error {
  constructor(
    readonly reason: AbortCause,
    message: string,
  ) {
    super(message);
    this.name = 'JobAbortedError';
  }
}

/** A failure worth another attempt (a timeout, a rate limit, a 5xx): the job is retried with backoff. */
export class RetryableError extends Error {
  override name = 'RetryableError';
}

/** A failure another attempt would repeat (bad input, unknown mode): the job fails at once. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/** Errors thrown by a run that are neither are treated as retryable: most failures in the wild are transient. */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof PermanentError);
}

export interface RunContext {
  /** Fires on timeout, cancel, lease loss, or shutdown after the grace period; `signal.reason` is a JobAbortedError. */
  signal: AbortSignal;
  log: Logger;
  /** The fencing token of this attempt's claim, for the job_queue calls a provider makes about the job. */
  leaseToken: string;
}

/**
 * A generation provider. `run` does one attempt of a job: it resolves with the final cost (and output asset),
 * or throws (RetryableError / PermanentError classify the failure). It must stop promptly when the signal fires.
 */
export interface Provider {
  readonly name: JobProvider;
  run(job: ProviderJob, context: RunContext): Promise<ProviderResult>;
}
