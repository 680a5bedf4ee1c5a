import type postgres from 'postgres';
import type { AttemptResult } from './webhook-sender.ts';

/**
 * The worker's SQL for webhook deliveries: one call per job_queue function
 * (supabase/migrations/*_webhooks.sql), one statement per batch.
 */

/** Channel NOTIFYed when deliveries are created (outbox trigger, replay, test event); the payload is how many. */
export const DUE_WEBHOOKS_CHANNEL = 'webhook_deliveries_due';

export interface ClaimedDelivery {
  deliveryId: string;
  messageId: string;
  endpointId: string;
  eventType: string;
  attempt: number;
  attemptId: string;
  /** Fencing token of this claim: the result is recorded against it. */
  leaseToken: string;
  url: string;
  /** The current secret, then the previous one while it is still valid after a rotation. */
  secrets: string[];
  /** The body, exactly as signed and sent. */
  payload: string;
}

export interface RecordedAttempt extends AttemptResult {
  deliveryId: string;
  leaseToken: string;
  attemptId: string;
}

export type DeliveryOutcome = 'succeeded' | 'retry_scheduled' | 'failed' | 'lost';

export interface DeliveryPolicy {
  retryScheduleMs: number[];
  disableAfterFailures: number;
}

interface ClaimRow {
  delivery_id: string;
  message_id: string;
  endpoint_id: string;
  event_type: string;
  attempt: number;
  attempt_id: string;
  lease_token: string;
  url: string;
  secrets: string[];
  payload: string;
}

/** PostgreSQL text (and jsonb) cannot hold U+0000. */
const withoutNul = (text: string) => text.replaceAll('\u0000', '');

/** Results are keyed by delivery and token: the same message may come back to this worker after its lease expired. */
export const deliveryKey = (item: { deliveryId: string; leaseToken: string }): string => `${item.deliveryId}/${item.leaseToken}`;

export class Outbox {
  constructor(
    private readonly sql: postgres.Sql,
    readonly workerId: string,
  ) {}

  async claim(limit: number, leaseSeconds: number): Promise<ClaimedDelivery[]> {
    const rows = await this.sql<ClaimRow[]>`
      select delivery_id, message_id, endpoint_id, event_type, attempt, attempt_id, lease_token, url, secrets, payload
      from job_queue.claim_webhook_deliveries(${this.workerId}, ${limit}, ${leaseSeconds})`;
    return rows.map((row) => ({
      deliveryId: row.delivery_id,
      messageId: row.message_id,
      endpointId: row.endpoint_id,
      eventType: row.event_type,
      attempt: row.attempt,
      attemptId: String(row.attempt_id),
      leaseToken: String(row.lease_token),
      url: row.url,
      secrets: row.secrets,
      payload: row.payload,
    }));
  }

  /** Logs the attempts and decides each message's fate; by deliveryKey(). */
  async record(attempts: RecordedAttempt[], policy: DeliveryPolicy): Promise<Map<string, DeliveryOutcome>> {
    const batch = attempts.map((a) => ({
      delivery_id: a.deliveryId,
      lease_token: a.leaseToken,
      attempt_id: a.attemptId,
      status_code: a.statusCode,
      duration_ms: a.durationMs,
      error: a.error && withoutNul(a.error),
      response_excerpt: a.responseExcerpt && withoutNul(a.responseExcerpt),
      retryable: a.retryable,
    }));
    const rows = await this.sql<{ delivery_id: string; lease_token: string; outcome: DeliveryOutcome }[]>`
      select delivery_id, lease_token, outcome
      from job_queue.record_webhook_attempts(${this.workerId}, ${this.sql.json(batch)}, ${policy.retryScheduleMs}::integer[], ${policy.disableAfterFailures})`;
    return new Map(rows.map((row) => [deliveryKey({ deliveryId: row.delivery_id, leaseToken: String(row.lease_token) }), row.outcome]));
  }
}
