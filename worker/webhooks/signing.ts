import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks headers of one attempt: `webhook-id` (the message id, the same for every attempt
 * and replay), `webhook-timestamp` (seconds, now: receivers refuse old ones) and `webhook-signature`, one
 * `v1,<base64 HMAC-SHA256>` per secret, space-separated (after a rotation the previous secret signs too,
 * so receivers still holding it keep verifying).
 */
export function signatureHeaders(messageId: string, secrets: readonly string[], body: string, at: Date = new Date()): Record<string, string> {
  if (secrets.length === 0) throw new Error(`no signing secret for message ${messageId}`);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(' '),
  };
}
