import { z } from 'zod';
import type { Tables } from './database.types';
import { visibleTextSchema } from './text-rules';
import { uuidSchema } from './job-types';

/** Job events an endpoint can subscribe to (webhook_endpoints_event_types_check). */
export const WEBHOOK_EVENT_TYPES = ['job.created', 'job.started', 'job.succeeded', 'job.failed', 'job.canceled'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** What a new endpoint gets unless told otherwise: finished jobs. */
export const DEFAULT_WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = ['job.succeeded', 'job.failed', 'job.canceled'];

/** A delivery's message type: a job event, or the owner's test event. */
export type WebhookMessageType = WebhookEventType | 'webhook.test';
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

type EndpointRow = Tables<'webhook_endpoints'>;
/** An endpoint as lists show it: everything but its secrets (revealWebhookSecret reads the secret on demand). */
export type WebhookEndpoint = Omit<EndpointRow, 'secret' | 'previous_secret' | 'event_types'> & { event_types: WebhookEventType[] };

export type WebhookAttempt = Omit<Tables<'webhook_attempts'>, 'user_id'>;
/** A delivery as the log shows it (without its payload), with its attempts, oldest first. */
export type WebhookDelivery = Omit<Tables<'webhook_deliveries'>, 'payload' | 'user_id' | 'locked_by' | 'lease_token' | 'event_type' | 'status'> & {
  event_type: WebhookMessageType;
  status: WebhookDeliveryStatus;
  webhook_attempts: WebhookAttempt[];
};

/** Same rule as webhook_endpoints_url_check; where it may point (private networks) is the worker's check. */
export const webhookUrlSchema = z
  .string()
  .trim()
  .max(2048, 'the URL is at most 2048 characters')
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !/\s/.test(value);
    } catch {
      return false;
    }
  }, 'enter an http:// or https:// URL without a user name or password');

export const webhookEventTypesSchema = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { message: `event types are ${WEBHOOK_EVENT_TYPES.join(', ')}` }))
  .min(1, 'choose at least one event type')
  .transform((types) => [...new Set(types)]);

export const newWebhookEndpointSchema = z
  .object({
    project_id: uuidSchema,
    url: webhookUrlSchema,
    event_types: webhookEventTypesSchema.optional(),
    description: visibleTextSchema('a description cannot be blank', 200).nullish(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type NewWebhookEndpoint = z.input<typeof newWebhookEndpointSchema>;

export const updateWebhookEndpointSchema = newWebhookEndpointSchema
  .omit({ project_id: true })
  .partial()
  .strict()
  .refine((value) => Object.keys(value).length > 0, 'nothing to update: pass url, event_types, description or enabled');
export type UpdateWebhookEndpoint = z.input<typeof updateWebhookEndpointSchema>;
