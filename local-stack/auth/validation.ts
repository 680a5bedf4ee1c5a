import { z } from 'zod';
import { badRequest } from './errors.ts';

/**
 * Request bodies as GoTrue decodes them: unknown keys are ignored, `null` counts as absent, and a value
 * of the wrong JSON type fails the whole body with `bad_json` (Go's json.Unmarshal does the same).
 */
const text = z.string().nullish();
const flag = z.boolean().nullish();
const metadata = z.record(z.string(), z.unknown()).nullish();

export const signupBody = z.object({ email: text, phone: text, password: text, data: metadata });
export const passwordGrantBody = z.object({ email: text, phone: text, password: text });
export const refreshGrantBody = z.object({ refresh_token: text });
export const userUpdateBody = z.object({ email: text, phone: text, password: text, data: metadata, nonce: text });
export const adminUserBody = z.object({
  id: text,
  aud: text,
  role: text,
  email: text,
  phone: text,
  password: text,
  password_hash: text,
  email_confirm: flag,
  phone_confirm: flag,
  user_metadata: metadata,
  app_metadata: metadata,
  ban_duration: text,
});
export const adminDeleteBody = z.object({ should_soft_delete: flag });

export type Metadata = Record<string, unknown>;

export function parseJsonBody<T extends z.ZodType>(body: Buffer, schema: T): z.infer<T> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'invalid JSON';
    throw badRequest('bad_json', `Could not parse request body as JSON: ${reason}`);
  }
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? `field ${issue.path.join('.')}: ` : '';
    throw badRequest('bad_json', `Could not parse request body as JSON: ${where}${issue.message}`);
  }
  return parsed.data;
}

/** GoTrue's checkmail format rule: a local part of the usual characters, then dot-separated DNS labels. */
const EMAIL_FORMAT =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Returns the address lower-cased, as GoTrue stores it. */
export function validateEmail(email: string): string {
  if (email === '') throw badRequest('validation_failed', 'An email address is required');
  if (email.length > 255) throw badRequest('validation_failed', 'An email address is too long');
  if (!EMAIL_FORMAT.test(email)) {
    throw badRequest('email_address_invalid', 'Unable to validate email address: invalid format');
  }
  return email.toLowerCase();
}

export function parseUuid(value: string): string | null {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) ? value.toLowerCase() : null;
}
