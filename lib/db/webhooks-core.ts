import type { DbClient } from './client-binding';
import { DatabaseError, NotFoundError } from './errors';
import { pageSchema, uuidSchema, type Page, type PageOptions } from './job-types';
import { afterCursor, toPage } from './keyset-cursor';
import { parseInput, unwrap } from './query-result';
import {
  newWebhookEndpointSchema,
  updateWebhookEndpointSchema,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_EVENT_TYPES,
  type NewWebhookEndpoint,
  type UpdateWebhookEndpoint,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookEndpoint,
  type WebhookEventType,
  type WebhookMessageType,
} from './webhook-types';

/**
 * Webhook endpoints and their delivery log (docs/WEBHOOKS.md): the caller's own, through RLS. Secrets
 * are read only on demand; deliveries are written by the database (outbox) and the worker, never here.
 */

const ENDPOINT_COLUMNS =
  'id, user_id, project_id, url, description, event_types, enabled, disabled_reason, consecutive_failures, previous_secret_expires_at, created_at, updated_at';
const DELIVERY_COLUMNS =
  'id, message_id, project_id, endpoint_id, event_type, job_id, job_event_id, replay_of, status, attempts, next_attempt_at, locked_until, last_status_code, last_error, delivered_at, created_at, updated_at, webhook_attempts(id, delivery_id, endpoint_id, attempt, worker_id, started_at, finished_at, duration_ms, status_code, error, response_excerpt)';

function asEndpoint<T extends { event_types: string[] }>(row: T): Omit<T, 'event_types'> & { event_types: WebhookEventType[] } {
  const unknown = row.event_types.find((type) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type));
  if (unknown) throw new DatabaseError(`unknown webhook event type "${unknown}": update lib/db/webhook-types.ts`);
  return { ...row, event_types: row.event_types as WebhookEventType[] };
}

function asDelivery<T extends { event_type: string; status: string; webhook_attempts: { id: number }[] }>(
  row: T,
): Omit<T, 'event_type' | 'status'> & { event_type: WebhookMessageType; status: WebhookDeliveryStatus } {
  if (!(WEBHOOK_DELIVERY_STATUSES as readonly string[]).includes(row.status)) throw new DatabaseError(`unknown delivery status "${row.status}"`);
  return {
    ...row,
    event_type: row.event_type as WebhookMessageType,
    status: row.status as WebhookDeliveryStatus,
    webhook_attempts: [...row.webhook_attempts].sort((a, b) => a.id - b.id),
  };
}

/** The caller's endpoints of one project, oldest first (without secrets). */
export async function getWebhookEndpoints(client: DbClient, projectId: string): Promise<WebhookEndpoint[]> {
  const id = parseInput(uuidSchema, projectId, 'project id');
  const rows = unwrap(await client.from('webhook_endpoints').select(ENDPOINT_COLUMNS).eq('project_id', id).order('created_at').limit(100));
  return rows.map(asEndpoint);
}

/** Adds an endpoint to one of the caller's projects; the database generates its secret. */
export async function createWebhookEndpoint(client: DbClient, endpoint: NewWebhookEndpoint): Promise<WebhookEndpoint> {
  const input = parseInput(newWebhookEndpointSchema, endpoint, 'webhook endpoint');
  return asEndpoint(unwrap(await client.from('webhook_endpoints').insert(input).select(ENDPOINT_COLUMNS).single()));
}

/** Changes url, event types, description or enabled (re-enabling resets the failure count). */
export async function updateWebhookEndpoint(client: DbClient, id: string, changes: UpdateWebhookEndpoint): Promise<WebhookEndpoint> {
  const endpointId = parseInput(uuidSchema, id, 'endpoint id');
  const input = parseInput(updateWebhookEndpointSchema, changes, 'webhook endpoint update');
  const row = unwrap(await client.from('webhook_endpoints').update(input).eq('id', endpointId).select(ENDPOINT_COLUMNS).maybeSingle());
  if (!row) throw new NotFoundError(`webhook endpoint ${endpointId} not found`);
  return asEndpoint(row);
}

/** Deletes an endpoint and its delivery log. */
export async function deleteWebhookEndpoint(client: DbClient, id: string): Promise<void> {
  const endpointId = parseInput(uuidSchema, id, 'endpoint id');
  const rows = unwrap(await client.from('webhook_endpoints').delete().eq('id', endpointId).select('id'));
  if (rows.length === 0) throw new NotFoundError(`webhook endpoint ${endpointId} not found`);
}

/** The endpoint's signing secret (whsec_…), read only when asked for. */
export async function revealWebhookSecret(client: DbClient, id: string): Promise<string> {
  const endpointId = parseInput(uuidSchema, id, 'endpoint id');
  const row = unwrap(await client.from('webhook_endpoints').select('secret').eq('id', endpointId).maybeSingle());
  if (!row) throw new NotFoundError(`webhook endpoint ${endpointId} not found`);
  return row.secret;
}

/** A new secret for the endpoint (the previous one keeps signing for 24 hours); returns the new secret. */
export async function rotateWebhookSecret(client: DbClient, id: string): Promise<string> {
  const endpointId = parseInput(uuidSchema, id, 'endpoint id');
  return unwrap(await client.rpc('rotate_webhook_secret', { endpoint_id: endpointId })).secret;
}

/** Queues a webhook.test message to the endpoint; returns its delivery. */
export async function sendWebhookTest(client: DbClient, endpointId: string): Promise<WebhookDelivery> {
  const id = parseInput(uuidSchema, endpointId, 'endpoint id');
  const delivery = unwrap(await client.rpc('send_webhook_test', { endpoint_id: id }));
  return getWebhookDelivery(client, delivery.id);
}

/** Sends a delivery's message again (same webhook-id and payload, newly signed); returns the new delivery. */
export async function replayWebhookDelivery(client: DbClient, deliveryId: string): Promise<WebhookDelivery> {
  const id = parseInput(uuidSchema, deliveryId, 'delivery id');
  const delivery = unwrap(await client.rpc('replay_webhook_delivery', { delivery_id: id }));
  return getWebhookDelivery(client, delivery.id);
}

/** One delivery with its attempts. */
export async function getWebhookDelivery(client: DbClient, deliveryId: string): Promise<WebhookDelivery> {
  const id = parseInput(uuidSchema, deliveryId, 'delivery id');
  const row = unwrap(await client.from('webhook_deliveries').select(DELIVERY_COLUMNS).eq('id', id).maybeSingle());
  if (!row) throw new NotFoundError(`webhook delivery ${id} not found`);
  return asDelivery(row);
}

/** An endpoint's delivery log, newest first, one page at a time (keyset on created_at, id). */
export async function getWebhookDeliveries(client: DbClient, endpointId: string, page?: PageOptions): Promise<Page<WebhookDelivery>> {
  const id = parseInput(uuidSchema, endpointId, 'endpoint id');
  const { limit, cursor } = parseInput(pageSchema, page, 'page options');
  const query = client
    .from('webhook_deliveries')
    .select(DELIVERY_COLUMNS)
    .eq('endpoint_id', id)
    .order('created_at', { ascending: false })
    .order('id', { ascending: false })
    .limit(limit + 1);
  return toPage(unwrap(await afterCursor(query, cursor)).map(asDelivery), limit);
}

export const webhookQueries = {
  getWebhookEndpoints,
  createWebhookEndpoint,
  updateWebhookEndpoint,
  deleteWebhookEndpoint,
  revealWebhookSecret,
  rotateWebhookSecret,
  sendWebhookTest,
  replayWebhookDelivery,
  getWebhookDelivery,
  getWebhookDeliveries,
};
