import { z } from 'zod';
import { abortableSleep } from './abortable-sleep.ts';
import { PermanentError, RetryableError, type Provider } from './provider.ts';

const durationMs = z.number().int().min(0).max(3_600_000);

/**
 * What a simulated job does, from its params. Unknown keys are ignored (params belong to the mode).
 * - duration_ms: how long an attempt takes; a list gives one value per attempt (the last repeats). Default 2000.
 * - failure_rate: chance (0-1) that an attempt fails. fail_attempts: the first N attempts fail.
 * - failure: "retryable" (default) or "permanent".
 * - cost_cents: the final cost it reports (default: the job's estimate).
 */
const paramsSchema = z.object({
  duration_ms: z.union([durationMs, z.array(durationMs).min(1).max(25)]).default(2000),
  failure_rate: z.number().min(0).max(1).default(0),
  fail_attempts: z.number().int().min(0).max(25).default(0),
  failure: z.enum(['retryable', 'permanent']).default('retryable'),
  cost_cents: z.number().int().min(0).max(2_147_483_647).optional(),
});

export type SimulatedParams = z.input<typeof paramsSchema>;

/** A provider for tests, demos and benchmarks: it waits, then succeeds or fails as its params say. */
export const simulatedProvider: Provider = {
  name: 'simulated',
  async run(job, { signal }) {
    const parsed = paramsSchema.safeParse(job.params);
    if (!parsed.success) {
      throw new PermanentError(`invalid params for a simulated job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const params = parsed.data;
    const durations = Array.isArray(params.duration_ms) ? params.duration_ms : [params.duration_ms];
    const duration = durations[Math.min(job.attempt, durations.length) - 1];
    if (duration > 0) await abortableSleep(duration, signal);
    if (job.attempt <= params.fail_attempts || Math.random() < params.failure_rate) {
      const message = `simulated ${params.failure} failure on attempt ${job.attempt}`;
      throw params.failure === 'permanent' ? new PermanentError(message) : new RetryableError(message);
    }
    return { costCents: params.cost_cents ?? job.costCents };
  },
};
