import { PermanentError, type Provider } from './provider.ts';

/**
 * Manual jobs are the dashboard's test bench: people move them by hand (transition_job_status), and the
 * claim never returns them. A run reaching this provider is a bug, reported as a permanent failure.
 */
export const manualProvider: Provider = {
  name: 'manual',
  async run(job) {
    throw new PermanentError(`job ${job.id} is a manual job: it is moved by hand, never run by a worker`);
  },
};
