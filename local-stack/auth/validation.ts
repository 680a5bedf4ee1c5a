import { z } from 'zod';
import { badRequest } from './errors.ts';

/**
 * Request bodies as GoTrue decodes them: unknown keys are ignored, `null` counts as absent, and a value
 * of the wrong JSON type fails the whole body with `bad_json` (Go's json.Unmarshal does the same).
 */
const text = z.string().nullish();
const flag = z.boolean().nullish();
const metadata = z.record(z.string(), z.unknown()).nullish();

const pkce = { code_challenge: text, code_challenge_method: text };

export const signupBody = z.object({ email: text, phone: text, password: text, data: metadata, channel: text, ...pkce });
export const passwordGrantBody = z.object({ email: text, phone: text, password: text });
export const refreshGrantBody = z.object({ refresh_token: text });
export const pkceGrantBody = z.object({ auth_code: text, code_verifier: text });
export const idTokenGrantBody = z.object({ id_token: text, access_token: text, nonce: text, provider: text, client_id: text, issuer: text });
export const web3GrantBody = z.object({ chain: text, message: text, signature: text });
export const userUpdateBody = z.object({
  email: text,
  phone: text,
  password: text,
  data: metadata,
  app_metadata: metadata,
  nonce: text,
  channel: text,
  ...pkce,
});
export const otpBody = z.object({ email: text, phone: text, create_user: flag, data: metadata, channel: text, ...pkce });
export const verifyBody = z.object({ type: text, token: text, token_hash: text, email: text, phone: text, redirect_to: text });
export const recoverBody = z.object({ email: text, ...pkce });
export const resendBody = z.object({ type: text, email: text, phone: text });
export const inviteBody = z.object({ email: text, data: metadata });
export const generateLinkBody = z.object({
  type: text,
  email: text,
  new_email: text,
  password: text,
  data: metadata,
  redirect_to: text,
});
export const enrollFactorBody = z.object({ factor_type: text, friendly_name: text, issuer: text, phone: text });
export const challengeFactorBody = z.object({ channel: text });
export const verifyFactorBody = z.object({ challenge_id: text, code: text });
export const adminFactorUpdateBody = z.object({ friendly_name: text, phone: text });
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

/**
 * Nesting deeper than this is refused before parsing: deep documents would overflow the stack when
 * serialised again for PostgreSQL (Go's decoder refuses them too, past 10,000 levels).
 */
const MAX_JSON_DEPTH = 1000;

function exceedsDepth(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 92) index++; // backslash: skip the escaped character
      else if (char === 34) inString = false;
    } else if (char === 34) inString = true;
    else if (char === 123 || char === 91) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (char === 125 || char === 93) depth--;
  }
  return false;
}

export function parseJsonBody<T extends z.ZodType>(body: Buffer, schema: T): z.infer<T> {
  let value: unknown;
  const text = body.toString('utf8');
  if (exceedsDepth(text)) throw badRequest('bad_json', 'Could not parse request body as JSON: exceeded max depth');
  try {
    value = JSON.parse(text);
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
