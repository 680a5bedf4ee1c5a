import type { JobProvider } from '../../lib/db/job-types.ts';
import { manualProvider } from './manual.ts';
import type { Provider } from './provider.ts';
import { simulatedProvider } from './simulated.ts';

/**
 * The providers this worker knows, by name. The claim only asks for the ones in WORKER_PROVIDERS
 * (never manual); image providers (local, http) register here.
 */
const PROVIDERS: Partial<Record<JobProvider, Provider>> = {
  simulated: simulatedProvider,
  manual: manualProvider,
};

export function providerFor(name: JobProvider): Provider | undefined {
  return PROVIDERS[name];
}

export * from './provider.ts';
