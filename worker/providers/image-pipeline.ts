import { readImageInfo } from '../../lib/images/image-info.ts';
import { IMAGE_MODES, parseImageParams } from '../../lib/images/image-params.ts';
import type { Logger } from '../log.ts';
import type { Queue } from '../queue.ts';
import type { ImageProvider } from './image-provider.ts';
import { MAX_OUTPUT_BYTES, OUTPUT_BUCKET, type ImageStorage } from './image-storage.ts';
import { PermanentError, RetryableError, type Provider } from './provider.ts';
import type { Semaphore } from './semaphore.ts';

export interface ImagePipelineDeps {
  queue: Queue;
  storage: ImageStorage;
  /** Bounds how many runs of this provider happen at once in the process (memory-heavy work). */
  limiter?: Semaphore;
}

/**
 * "Blue mug.png" → "Blue mug - studio-white.jpg": the output asset's name, also the name a download saves
 * under (no parentheses: browsers read them poorly in a Content-Disposition filename*).
 */
function outputName(inputName: string, mode: string, extension: string): string {
  const base = inputName.replace(/\.[A-Za-z0-9]{1,5}$/, '').trim() || 'image';
  const suffix = ` - ${mode}.${extension}`;
  return base.slice(0, 200 - suffix.length) + suffix;
}

/**
 * Removes stored outputs of these jobs that nothing holds (no asset names them, no other attempt is
 * running): after a refused completion, a lost lease, or a rescue that ended the job. Logs, never throws:
 * an object left behind is untidy, not a reason to fail anything.
 */
export async function discardOutputs(
  deps: Pick<ImagePipelineDeps, 'queue' | 'storage'>,
  jobs: { id: string; leaseToken: string | null }[],
  log: Logger,
): Promise<void> {
  if (jobs.length === 0) return;
  try {
    const objects = await deps.queue.discardableOutputs(jobs);
    if (objects.length === 0) return;
    await deps.storage.remove(OUTPUT_BUCKET, objects.map((object) => object.name));
    log.info({ objects: objects.map((object) => object.name) }, 'removed outputs no job holds');
  } catch (error) {
    log.warn({ err: error, jobs: jobs.map((job) => job.id) }, 'could not remove the outputs of failed attempts');
  }
}

/**
 * The one path from a claimed image job to a stored output, for every image provider: check the mode and
 * params, read the input asset (fenced) and download it, run the provider (bounded by the limiter), check
 * what it made, upload it to generated-images/{user}/{project}/{job}.{ext} (overwriting the output of an
 * earlier attempt), and hand the runner a result it records with the output asset in one fenced call.
 * The signal is checked between stages; an attempt that stops after its upload removes the object again.
 */
export function imageJobProvider(provider: ImageProvider, deps: ImagePipelineDeps): Provider {
  return {
    name: provider.name,
    async run(job, { signal, log, leaseToken }) {
      const lease = { id: job.id, leaseToken };
      if (!(provider.modes as readonly string[]).includes(job.mode)) {
        const offered = provider.modes.length > 0 ? provider.modes.join(', ') : 'none';
        throw new PermanentError(`the ${provider.name} provider cannot run mode ${job.mode} (it runs: ${offered}; image modes: ${IMAGE_MODES.join(', ')})`);
      }
      const parsed = parseImageParams(job.mode, job.params);
      if (!parsed.ok) throw new PermanentError(`invalid params for ${job.mode}: ${parsed.error}`);
      if (!job.inputAssetId) {
        throw new PermanentError('the job has no input image (its asset was deleted, or it was created before inputs were required)');
      }

      const input = await deps.queue.jobInput(lease);
      if (!input) throw new RetryableError('the lease was lost before the input was read');
      const asset = input.asset;
      if (!asset) throw new PermanentError(`the input asset ${job.inputAssetId} no longer exists`);
      if (!asset.bucket) throw new PermanentError(`the input asset “${asset.name}” has no stored file (it was registered before uploads existed)`);
      signal.throwIfAborted();
      const bytes = await deps.storage.download(asset.bucket, asset.storagePath, signal);
      const info = readImageInfo(bytes);
      if (!info) throw new PermanentError(`the input “${asset.name}” is not a PNG, JPEG or WebP image (checked from its bytes)`);
      signal.throwIfAborted();

      const release = deps.limiter ? await deps.limiter.acquire(signal) : null;
      let made;
      try {
        made = await provider.run(
          { bytes, info, name: asset.name, signedUrl: (expiresIn) => deps.storage.signedUrl(asset.bucket!, asset.storagePath, expiresIn) },
          parsed.value,
          {
            job,
            signal,
            log,
            previousProviderJobId: input.providerJobId,
            recordProviderJobId: (id) => deps.queue.setProviderJobId(lease, id),
          },
        );
      } finally {
        release?.();
      }
      signal.throwIfAborted();

      const outputInfo = readImageInfo(made.bytes);
      if (!outputInfo || outputInfo.mimeType !== made.mimeType || outputInfo.width !== made.width || outputInfo.height !== made.height) {
        throw new RetryableError(
          `the ${provider.name} provider's output is not the ${made.mimeType} ${made.width}×${made.height} image it declared` +
            (outputInfo ? ` (its bytes: ${outputInfo.mimeType} ${outputInfo.width}×${outputInfo.height})` : ' (its bytes are not a PNG, JPEG or WebP)'),
        );
      }
      if (made.bytes.length > MAX_OUTPUT_BYTES) {
        throw new PermanentError(`the output is ${(made.bytes.length / 1048576).toFixed(1)} MB; the ${OUTPUT_BUCKET} bucket takes at most ${MAX_OUTPUT_BYTES / 1048576} MB (try a smaller size or scale)`);
      }

      const folder = `${job.userId}/${job.projectId}`;
      const path = `${folder}/${job.id}.${outputInfo.extension}`;
      if (job.attempt > 1) {
        // A crashed earlier attempt may have stored another format (its params were edited while it waited).
        await discardOutputs(deps, [lease], log);
      }
      await deps.storage.upload(path, made.bytes, outputInfo.mimeType, signal);
      const discard = () => discardOutputs(deps, [lease], log);
      if (signal.aborted) {
        await discard();
        throw signal.reason;
      }
      log.info({ ...made.metadata, output: path, bytes: made.bytes.length, width: made.width, height: made.height }, 'output stored');
      return {
        // What the run reported, else the provider's own price for it, else the estimate the job reserved.
        costCents: made.costCents ?? provider.estimate(parsed.value.mode, parsed.value.params) ?? job.costCents,
        output: {
          extension: outputInfo.extension,
          name: outputName(asset.name, job.mode, outputInfo.extension),
          mimeType: outputInfo.mimeType,
          width: outputInfo.width,
          height: outputInfo.height,
        },
        discard,
      };
    },
  };
}
