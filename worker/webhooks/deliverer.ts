import type postgres from 'postgres';
import { Batcher } from '../batcher.ts';
import type { WebhookConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { deliveryKey, Outbox, type ClaimedDelivery, type DeliveryOutcome, type RecordedAttempt } from './outbox.ts';
import { signatureHeaders } from './signing.ts';
import { WebhookSender } from './webhook-sender.ts';

/**
 * Sends the webhook outbox: claims due deliveries (SKIP LOCKED, with a lease, so any number of workers
 * share the work and a killed worker's delivery is sent again once its lease runs out), POSTs each one
 * signed, and records every attempt in batches. Runs from the worker's scheduler (polling) and on NOTIFY
 * (`wake()`); one claim loop at a time, up to `concurrency` requests in flight.
 */
export class WebhookDeliverer {
  private readonly outbox: Outbox;
  private readonly sender: WebhookSender;
  private readonly results: Batcher<RecordedAttempt, DeliveryOutcome>;
  private readonly inFlight = new Set<Promise<void>>();
  private run: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    sql: postgres.Sql,
    workerId: string,
    private readonly config: WebhookConfig,
    private readonly log: Logger,
    completionDelayMs: number,
  ) {
    this.outbox = new Outbox(sql, workerId);
    this.sender = new WebhookSender({ timeoutMs: config.timeoutMs, allowPrivateTargets: config.allowPrivateTargets });
    const policy = { retryScheduleMs: config.retryScheduleMs, disableAfterFailures: config.disableAfterFailures };
    this.results = new Batcher<RecordedAttempt, DeliveryOutcome>({
      name: 'webhook-attempts',
      delayMs: completionDelayMs,
      maxSize: 500,
      write: (items) => this.outbox.record(items, policy),
      key: deliveryKey,
      log,
    });
  }

  /** Claims and sends what is due now (a NOTIFY, a free slot); a call during a run makes it go round once more. */
  wake(): void {
    if (this.stopped) return;
    if (this.run) {
      this.again = true;
      return;
    }
    this.run = this.claimAndSend().finally(() => {
      this.run = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** The scheduler's periodic task: the same as a wake-up, awaited. */
  async poll(): Promise<void> {
    this.wake();
    await this.run;
  }

  /** Stops claiming, lets the requests in flight finish (each within the timeout), writes their results. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.run;
    await Promise.allSettled([...this.inFlight]);
    await this.results.drain(Date.now() + 15_000);
    this.sender.close();
  }

  private async claimAndSend(): Promise<void> {
    while (!this.stopped) {
      const free = this.config.concurrency - this.inFlight.size;
      if (free <= 0) return; // a finishing request wakes us
      let claimed: ClaimedDelivery[];
      try {
        claimed = await this.outbox.claim(free, this.config.leaseSeconds);
      } catch (error) {
        this.log.warn({ err: error }, 'claiming webhook deliveries failed (is the database reachable?)');
        return; // the next poll tries again
      }
      for (const delivery of claimed) this.start(delivery);
      if (claimed.length < free) return;
    }
  }

  private start(delivery: ClaimedDelivery): void {
    const attempt = this.deliver(delivery).finally(() => {
      this.inFlight.delete(attempt);
      this.wake(); // a slot is free
    });
    this.inFlight.add(attempt);
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const log = this.log.child({ deliveryId: delivery.deliveryId, endpointId: delivery.endpointId, type: delivery.eventType, attempt: delivery.attempt });
    const result = await this.sender.send({
      url: delivery.url,
      headers: signatureHeaders(delivery.messageId, delivery.secrets, delivery.payload),
      body: delivery.payload,
    });
    const recorded: RecordedAttempt = { ...result, deliveryId: delivery.deliveryId, leaseToken: delivery.leaseToken, attemptId: delivery.attemptId };
    try {
      const outcome = await this.results.add(recorded);
      const fields = { status: result.statusCode, ms: result.durationMs, outcome };
      if (outcome === 'succeeded') log.info(fields, 'webhook delivered');
      else if (outcome === 'lost') log.warn(fields, 'webhook attempt recorded, but its lease was lost: another worker has the delivery now');
      else log.warn({ ...fields, error: result.error }, 'webhook attempt failed');
    } catch (error) {
      log.error({ err: error }, 'could not record the webhook attempt (the delivery is retried when its lease expires)');
    }
  }
}
