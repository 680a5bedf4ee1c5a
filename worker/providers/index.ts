import type { JobProvider } from '../../lib/db/job-types.ts';
import type { WorkerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Queue } from '../queue.ts';
import { httpImageProvider } from './http/http-provider.ts';
import { discardOutputs, imageJobProvider } from './image-pipeline.ts';
import { ImageStorage } from './image-storage.ts';
import { configureSharp, localImageProvider } from './local/index.ts';
import { manualProvider } from './manual.ts';
import type { Provider } from './provider.ts';
import { Semaphore } from './semaphore.ts';
import { simulatedProvider } from './simulated.ts';

/**
 * The providers that need no configuration, by name. The claim only asks for the ones in WORKER_PROVIDERS
 * (never manual).
 */
const PROVIDERS: Partial<Record<JobProvider, Provider>> = {
  simulated: simulatedProvider,
  manual: manualProvider,
};

export function providerFor(name: JobProvider): Provider | undefined {
  return PROVIDERS[name];
}

export interface ProviderRegistry {
  providerFor(name: JobProvider): Provider | undefined;
  /** Removes the outputs of jobs a rescue ended (their worker died after storing them). */
  onRescued(outcomes: Map<string, string>): Promise<void>;
  /** Modes each image provider can run, for the start-up log and enabling the http modes. */
  imageModes: Partial<Record<JobProvider, readonly string[]>>;
}

/**
 * The providers of a worker process, from its configuration: simulated and manual always; local and http
 * (through the one image pipeline, sharing Storage access and a limit on simultaneous image jobs) when
 * WORKER_PROVIDERS runs them.
 */
export function createProviders(config: WorkerConfig, queue: Queue, log: Logger): ProviderRegistry {
  const providers: Partial<Record<JobProvider, Provider>> = { ...PROVIDERS };
  const imageModes: Partial<Record<JobProvider, readonly string[]>> = {};
  const storage = config.storage ? new ImageStorage(config.storage) : null;
  if (storage && config.providers.includes('local')) {
    configureSharp(config.images.sharpThreads, config.images.concurrency);
    const local = localImageProvider({ maxInputPixels: config.images.maxInputPixels, maxOutputPixels: config.images.maxOutputPixels });
    providers.local = imageJobProvider(local, { queue, storage, limiter: new Semaphore(config.images.concurrency) });
    imageModes.local = local.modes;
  }
  if (storage && config.http && config.providers.includes('http')) {
    // Waiting on a remote model takes no local memory: no limiter beyond WORKER_CONCURRENCY.
    const http = httpImageProvider(config.http);
    providers.http = imageJobProvider(http, { queue, storage });
    imageModes.http = http.modes;
  }
  return {
    providerFor: (name) => providers[name],
    imageModes,
    async onRescued(outcomes) {
      if (!storage) return;
      const ended = [...outcomes].filter(([, outcome]) => outcome !== 'rescued').map(([id]) => ({ id, leaseToken: null }));
      await discardOutputs({ queue, storage }, ended, log);
    },
  };
}

export * from './provider.ts';
