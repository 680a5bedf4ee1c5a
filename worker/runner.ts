import os from 'node:os';
import type postgres from 'postgres';
import { Batcher } from './batcher.ts';
import type { WorkerConfig } from './config.ts';
import { DueJobsListener } from './due-jobs-listener.ts';
import type { Logger } from './log.ts';
import { isRetryable, JobAbortedError, PermanentError, providerFor, type Provider, type ProviderResult } from './providers/index.ts';
import type { JobProvider } from '../lib/db/job-types.ts';
import { leaseKey, Queue, type ClaimedJob, type Completion, type Failure, type FinishOutcome, type Lease, type OutputCompletion } from './queue.ts';
import { Scheduler, type PeriodicTask } from './scheduler.ts';
import { WebhookDeliverer } from './webhooks/deliverer.ts';
import { DUE_WEBHOOKS_CHANNEL } from './webhooks/outbox.ts';

interface ActiveJob {
  job: ClaimedJob;
  controller: AbortController;
  startedAt: number;
}

const BATCH_MAX = 500;
const RESCUE_BATCH = 1000;
const PRUNE_WORKERS_AFTER_S = 24 * 3600;
/** Batches one archival run moves at most, so a large backlog cannot hold the task for long. */
const ARCHIVE_BATCHES_PER_RUN = 100;

export interface RunnerOptions {
  /** Called with what a rescue did (job id → rescued, failed or canceled), e.g. to remove abandoned outputs. */
  onRescued?: (outcomes: Map<string, string>) => Promise<void>;
}

/** A refusal another attempt may not meet: the output object vanished between upload and completion (PS001). */
function isTransientRefusal(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'PS001';
}

/**
 * One worker process: a pool of `concurrency` slots fed by batch claims, woken by NOTIFY with polling as
 * the fallback; heartbeats keep the leases (and carry cancel requests and lost leases back to the
 * running handlers); results are written in batches without holding up the next claim; the scheduler
 * rescues expired leases; stop() drains within the grace period and releases the rest.
 */
export class Runner {
  readonly queue: Queue;
  private readonly scheduler: Scheduler;
  private readonly listener: DueJobsListener;
  /** Running handlers, by leaseKey() (the same job can come back to this worker after its lease expired). */
  private readonly active = new Map<string, ActiveJob>();
  /** Handlers that have settled but whose result is not written yet: their leases are still renewed. */
  private readonly finishing = new Map<string, Lease>();
  private readonly completions: Batcher<Completion, FinishOutcome>;
  private readonly outputs: Batcher<OutputCompletion, FinishOutcome>;
  private readonly failures: Batcher<Failure, FinishOutcome>;
  private readonly cancels: Batcher<Lease, FinishOutcome>;
  private readonly releases: Batcher<Lease, FinishOutcome>;
  /** Sends the webhook outbox (null when WEBHOOK_CONCURRENCY is 0). */
  private readonly webhooks: WebhookDeliverer | null;

  private stopping = false;
  /** Set once every result is written: heartbeats end. */
  private closed = false;
  private pendingWake = false;
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatRun: Promise<void> | null = null;

  constructor(
    sql: postgres.Sql,
    private readonly config: WorkerConfig,
    private readonly log: Logger,
    /** Where providers come from (the registry of worker/providers/; benchmarks wrap it). */
    private readonly providers: (name: JobProvider) => Provider | undefined = providerFor,
    private readonly options: RunnerOptions = {},
  ) {
    this.queue = new Queue(sql, config.workerId);
    this.scheduler = new Scheduler(sql, log);
    this.listener = new DueJobsListener(config.databaseUrl, () => this.wake(), log);
    const batcher = <Item extends Lease>(name: string, write: (items: Item[]) => Promise<Map<string, FinishOutcome>>) =>
      new Batcher<Item, FinishOutcome>({ name, delayMs: config.completionDelayMs, maxSize: BATCH_MAX, write, key: leaseKey, log });
    this.completions = batcher('complete', (items) => this.queue.complete(items));
    this.outputs = batcher('complete-with-output', (items) => this.queue.completeWithOutput(items));
    this.failures = batcher('fail', (items) => this.queue.fail(items, { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs }));
    this.cancels = batcher('cancel', (items) => this.queue.cancel(items));
    this.releases = batcher('release', (items) => this.queue.release(items));
    this.addPeriodicTask({ name: 'rescue-expired-leases', intervalMs: config.rescueIntervalMs, run: () => this.rescue() });
    this.addPeriodicTask({
      name: 'prune-workers',
      intervalMs: 3_600_000,
      exclusive: true,
      run: async () => {
        const pruned = await this.queue.pruneWorkers(PRUNE_WORKERS_AFTER_S);
        if (pruned > 0) this.log.info({ pruned }, 'forgot stopped workers');
      },
    });
    const webhooks = config.webhooks.concurrency > 0 ? new WebhookDeliverer(sql, config.workerId, config.webhooks, log, config.completionDelayMs) : null;
    this.webhooks = webhooks;
    if (webhooks) {
      this.listener.addChannel(DUE_WEBHOOKS_CHANNEL, () => webhooks.wake());
      this.addPeriodicTask({ name: 'deliver-webhooks', intervalMs: config.webhooks.pollIntervalMs, run: () => webhooks.poll() });
    }
    if (config.archiveIntervalMs > 0) {
      // Every worker may run it: batches are taken with SKIP LOCKED, so each job moves once.
      this.addPeriodicTask({ name: 'archive-finished-jobs', intervalMs: config.archiveIntervalMs, run: () => this.archive() });
    }
    if (config.compactIntervalMs > 0) {
      this.addPeriodicTask({
        name: 'compact-job-rollups',
        intervalMs: config.compactIntervalMs,
        exclusive: true,
        run: async () => {
          const folded = await this.queue.compactRollups();
          this.log.debug({ folded }, 'compacted the job rollups');
        },
      });
    }
  }

  /**
   * Registers periodic work with the worker's one scheduler (archival, webhook delivery, rollups…): it runs
   * in every worker process, so make it safe to run concurrently (SKIP LOCKED) or mark it `exclusive`.
   */
  addPeriodicTask(task: PeriodicTask): void {
    this.scheduler.add(task);
  }

  async start(): Promise<void> {
    await this.queue.register({ host: os.hostname(), pid: process.pid, providers: this.config.providers, concurrency: this.config.concurrency });
    await this.listener.ensureListening();
    this.scheduler.start();
    this.scheduleHeartbeat();
    this.loop = this.claimLoop();
    this.log.info(
      {
        providers: this.config.providers,
        concurrency: this.config.concurrency,
        batchSize: this.config.batchSize,
        leaseSeconds: this.config.leaseSeconds,
        listening: this.listener.active,
      },
      'worker started',
    );
  }

  /**
   * Stops claiming, lets running jobs finish for up to `graceMs`, aborts the rest (their handlers see
   * the signal) and gives them back to the queue, writes every pending result, then unregisters.
   */
  async stop(graceMs = this.config.shutdownGraceMs): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.wake();
    await this.loop;
    this.log.info({ running: this.active.size, graceMs }, 'stopping: no new jobs; waiting for running ones');
    await this.waitUntil(() => this.active.size === 0, graceMs);
    if (this.active.size > 0) {
      this.log.warn({ jobs: [...this.active.values()].map(({ job }) => job.id) }, 'grace period over: aborting and releasing the remaining jobs');
      for (const entry of this.active.values()) entry.controller.abort(new JobAbortedError('shutdown', 'the worker is shutting down'));
      // Handlers that ignore the signal are released anyway; their late result is dropped.
      await this.waitUntil(() => this.active.size === 0, 1_000);
      for (const entry of [...this.active.values()]) this.settle(entry, { error: entry.controller.signal.reason });
    }
    const deadline = Date.now() + 15_000;
    await Promise.all([this.completions, this.outputs, this.failures, this.cancels, this.releases].map((batcher) => batcher.drain(deadline)));
    await this.scheduler.stop();
    await this.webhooks?.stop();
    this.closed = true;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    await this.heartbeatRun;
    await this.queue.unregister().catch((error: unknown) => this.log.warn({ err: error }, 'could not record the worker as stopped'));
    await this.listener.close();
    this.log.info('worker stopped');
  }

  /** Aborts every running handler now, e.g. on a second Ctrl-C; stop() then releases them. */
  abortAll(): void {
    for (const entry of this.active.values()) entry.controller.abort(new JobAbortedError('shutdown', 'the worker is shutting down'));
  }

  // ---- claiming ------------------------------------------------------------------------------------

  private async claimLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const free = this.config.concurrency - this.active.size;
      if (free <= 0) {
        // Full: wait for a slot. A NOTIFY meanwhile needs no memory: a free slot always claims.
        this.pendingWake = false;
        await this.nextWake(this.config.pollIntervalMs);
        continue;
      }
      const want = Math.min(free, this.config.batchSize);
      this.pendingWake = false;
      let jobs: ClaimedJob[];
      try {
        jobs = await this.queue.claim(this.config.providers, want, this.config.leaseSeconds);
        failures = 0;
      } catch (error) {
        failures += 1;
        const retryInMs = Math.min(10_000, 100 * 2 ** Math.min(failures, 7));
        this.log.warn({ err: error, retryInMs }, 'claim failed (is the database reachable?)');
        await this.nextWake(retryInMs);
        continue;
      }
      for (const job of jobs) this.launch(job);
      if (jobs.length < want) {
        void this.listener.ensureListening();
        if (!this.pendingWake) await this.nextWake(this.config.pollIntervalMs);
      }
    }
  }

  private wake(): void {
    this.pendingWake = true;
    const resolve = this.wakeUp;
    this.wakeUp = null;
    resolve?.();
  }

  /** Resolves on the next wake() (a NOTIFY, a free slot, stop) or after `timeoutMs` (polling). */
  private nextWake(timeoutMs: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, timeoutMs);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  // ---- running -------------------------------------------------------------------------------------

  private launch(job: ClaimedJob): void {
    const controller = new AbortController();
    const entry: ActiveJob = { job, controller, startedAt: performance.now() };
    this.active.set(leaseKey(job), entry);
    const jobLog = this.log.child({ jobId: job.id, mode: job.mode, provider: job.provider, attempt: job.attempt });
    jobLog.debug('claimed');
    const timeout = setTimeout(
      () => controller.abort(new JobAbortedError('timeout', `timed out after ${job.timeoutMs / 1000} s (attempt ${job.attempt})`)),
      job.timeoutMs,
    );
    const provider = this.providers(job.provider);
    const attempt = provider
      ? Promise.resolve().then(() => provider.run(job, { signal: controller.signal, log: jobLog, leaseToken: job.leaseToken }))
      : Promise.reject(new PermanentError(`this worker has no ${job.provider} provider`));
    attempt
      .then(
        (result) => this.settle(entry, { result }),
        (error: unknown) => this.settle(entry, { error }),
      )
      .finally(() => clearTimeout(timeout));
  }

  private settle(entry: ActiveJob, outcome: { result: ProviderResult } | { error: unknown }): void {
    const { job, controller } = entry;
    if (this.active.get(leaseKey(job)) !== entry) return; // already settled (released at shutdown)
    this.active.delete(leaseKey(job));
    this.wake(); // a slot is free
    const ms = Math.round(performance.now() - entry.startedAt);
    const lease: Lease = { id: job.id, leaseToken: job.leaseToken };
    const log = this.log.child({ jobId: job.id, mode: job.mode, attempt: job.attempt, ms });

    if ('result' in outcome) {
      const { result } = outcome;
      if (result.output) {
        // The output asset and the completion go in one fenced call; a result that is not recorded leaves no file.
        const discard = () => void result.discard?.();
        this.record(
          lease,
          this.outputs.add({ ...lease, costCents: result.costCents, output: result.output }),
          log,
          (error) => {
            discard();
            this.record(lease, this.failures.add({ ...lease, error: `the result was refused: ${messageOf(error)}`, retryable: isTransientRefusal(error), costCents: null }), log);
          },
          (written) => {
            if (written === 'lost') discard();
          },
        );
        return;
      }
      const completion = { ...lease, costCents: result.costCents, outputAssetId: result.outputAssetId ?? null };
      // A result the database refuses (say, an output asset of another project) fails the job instead.
      this.record(lease, this.completions.add(completion), log, (error) =>
        this.record(lease, this.failures.add({ ...lease, error: `the result was refused: ${messageOf(error)}`, retryable: false, costCents: null }), log),
      );
      return;
    }
    const aborted = controller.signal.aborted ? (controller.signal.reason as unknown) : null;
    if (aborted instanceof JobAbortedError) {
      if (aborted.reason === 'lease_lost') {
        log.warn('lease lost: the job was rescued or finished elsewhere; dropping this attempt');
        return;
      }
      if (aborted.reason === 'canceled') this.record(lease, this.cancels.add(lease), log);
      else if (aborted.reason === 'shutdown') this.record(lease, this.releases.add(lease), log);
      else this.record(lease, this.failures.add({ ...lease, error: aborted.message, retryable: true, costCents: null }), log);
      return;
    }
    const error = outcome.error;
    this.record(lease, this.failures.add({ ...lease, error: messageOf(error), retryable: isRetryable(error), costCents: null }), log);
  }

  /** Keeps the lease renewed until the result is written, then logs what the database made of it. */
  private record(
    lease: Lease,
    written: Promise<FinishOutcome>,
    log: Logger,
    onRefused?: (error: unknown) => void,
    onWritten?: (outcome: FinishOutcome) => void,
  ): void {
    this.finishing.set(leaseKey(lease), lease);
    written
      .then(
        (outcome) => {
          this.finishing.delete(leaseKey(lease));
          onWritten?.(outcome);
          if (outcome === 'lost') log.warn('result refused: the lease was lost (the job was rescued or finished elsewhere)');
          else if (outcome === 'failed' || outcome === 'retry_scheduled') log.warn({ outcome }, 'job attempt failed');
          else log.info({ outcome }, 'job finished');
        },
        (error: unknown) => {
          this.finishing.delete(leaseKey(lease));
          log.error({ err: error }, 'could not record the result');
          onRefused?.(error);
        },
      );
  }

  // ---- leases --------------------------------------------------------------------------------------

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatRun = this.heartbeat().finally(() => {
        this.heartbeatRun = null;
        if (!this.closed) this.scheduleHeartbeat();
      });
    }, this.config.heartbeatMs);
  }

  private async heartbeat(): Promise<void> {
    const held: Lease[] = [
      ...[...this.active.values()].map(({ job }) => ({ id: job.id, leaseToken: job.leaseToken })),
      ...this.finishing.values(),
    ];
    void this.listener.ensureListening();
    let states: Map<string, string>;
    try {
      states = await this.queue.heartbeat(held, this.config.leaseSeconds);
    } catch (error) {
      this.log.warn({ err: error, jobs: held.length }, 'heartbeat failed (is the database reachable?)');
      return;
    }
    for (const [key, state] of states) {
      const entry = this.active.get(key);
      if (!entry || entry.controller.signal.aborted) continue;
      if (state === 'cancel_requested') entry.controller.abort(new JobAbortedError('canceled', 'canceled at the owner\'s request'));
      else if (state === 'lost') entry.controller.abort(new JobAbortedError('lease_lost', 'the lease was lost'));
    }
  }

  private async archive(): Promise<void> {
    let moved = 0;
    for (let batch = 0; batch < ARCHIVE_BATCHES_PER_RUN && !this.stopping; batch += 1) {
      const count = await this.queue.archiveFinished();
      moved += count;
      if (count === 0) break;
    }
    if (moved > 0) this.log.info({ moved }, 'archived finished jobs past the retention');
  }

  private async rescue(): Promise<void> {
    const outcomes = await this.queue.rescueExpired(RESCUE_BATCH);
    if (outcomes.size > 0) {
      this.log.warn({ jobs: Object.fromEntries(outcomes) }, 'rescued jobs whose lease expired');
      await this.options.onRescued?.(outcomes);
    }
  }

  private async waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))));
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
