import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import { rateLimitKey } from '../../http/client-ip.ts';
import type { AuthContext } from '../context.ts';
import { transaction } from '../db.ts';
import { sendConfirmation, sendEmailChange } from '../email-flows.ts';
import { badRequest } from '../errors.ts';
import { enforceRateLimit } from '../rate-limits.ts';
import { referrer } from '../redirect-urls.ts';
import { findUserByEmail, findUserById } from '../users.ts';
import { parseJsonBody, resendBody, validateEmail } from '../validation.ts';

/** POST /resend: the sign-up confirmation or the email-change links again (GoTrue resends them implicit-flow). */
export async function resend(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  enforceRateLimit(ctx.limiters.otp, rateLimitKey(request));
  const body = parseJsonBody(request.body, resendBody);
  const type = body.type ?? '';
  const email = body.email ?? '';
  const phone = body.phone ?? '';
  if (!['signup', 'email_change', 'sms', 'phone_change'].includes(type)) {
    throw badRequest('validation_failed', 'Missing one of these types: signup, email_change, sms, phone_change');
  }
  if (email === '' && type === 'signup') throw badRequest('validation_failed', 'Type provided requires an email address');
  if (phone === '' && type === 'sms') throw badRequest('validation_failed', 'Type provided requires a phone number');
  if (email !== '' && phone !== '') throw badRequest('validation_failed', 'Only an email address or phone number should be provided.');
  if (email === '' && phone === '') throw badRequest('validation_failed', 'Missing email address or phone number');
  if (phone !== '') throw badRequest('phone_provider_disabled', 'Phone logins are disabled');
  if (!ctx.config.email.enabled) throw badRequest('email_provider_disabled', 'Email logins are disabled');
  const address = validateEmail(email);

  const existing = await findUserByEmail(ctx.sql, address);
  if (!existing) return json(200, {});
  await transaction(ctx.sql, async (tx) => {
    const user = await findUserById(tx, existing.id, { forUpdate: true });
    if (!user) return;
    const options = { pkce: false, redirectTo: referrer(ctx.config, request) };
    if (type === 'signup' && !user.email_confirmed_at) await sendConfirmation(ctx, tx, user, options);
    if (type === 'email_change' && user.email_change) await sendEmailChange(ctx, tx, user, user.email_change, options);
  });
  return json(200, {});
}
