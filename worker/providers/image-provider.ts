import type { ImageInfo, ImageMimeType } from '../../lib/images/image-info.ts';
import type { ImageMode, ImageProviderName, ParsedImageParams } from '../../lib/images/image-params.ts';
import type { Logger } from '../log.ts';
import type { ProviderJob } from './provider.ts';

/** The job's input photo, downloaded from Storage, its type and size read from the bytes. */
export interface ImageInput {
  bytes: Buffer;
  info: ImageInfo;
  /** The input asset's name. */
  name: string;
  /** A short-lived signed URL of the input, for providers that hand it to a remote service. */
  signedUrl(expiresInSeconds: number): Promise<string>;
}

/** What a provider made. The pipeline checks the bytes against the declared type and size before storing them. */
export interface ImageOutput {
  bytes: Buffer;
  mimeType: ImageMimeType;
  width: number;
  height: number;
  /** What the provider did, for the job's log line (no timestamps: outputs are reproducible). */
  metadata: Record<string, unknown>;
  /** The final cost when the provider reports one; otherwise the job's estimate (the mode's price) stands. */
  costCents?: number;
}

export interface ImageRunContext {
  job: ProviderJob;
  /** Fires on timeout, cancel, lease loss or shutdown (reason: a JobAbortedError); stop promptly. */
  signal: AbortSignal;
  log: Logger;
  /** The provider's id for this job from an earlier attempt (a hosted prediction that may still be running). */
  previousProviderJobId: string | null;
  /** Records the provider's id for this attempt on the job (fenced: false when the lease is gone). */
  recordProviderJobId(id: string): Promise<boolean>;
}

/**
 * A provider that makes product images: the modes it offers, what a run is expected to cost, and one run
 * from input bytes to output bytes. Storage, the asset row and the job's completion are the pipeline's
 * business (worker/providers/image-pipeline.ts), the same for every image provider.
 */
export interface ImageProvider {
  readonly name: ImageProviderName;
  /** The modes it can run now (the http provider: those with a configured model). */
  readonly modes: readonly ImageMode[];
  /**
   * What one run with these params costs at the provider in cents, when known before running; null when
   * it is not (the job then reserves the mode's price from generation_modes, and the run may report more).
   */
  estimate(mode: ImageMode, params: ParsedImageParams['params']): number | null;
  run(input: ImageInput, params: ParsedImageParams, context: ImageRunContext): Promise<ImageOutput>;
}
