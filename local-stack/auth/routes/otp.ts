import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import { rateLimitKey } from '../../http/client-ip.ts';
import type { AuthContext } from '../context.ts';
import { transaction } from '../db.ts';
import { sendConfirmation, sendMagicLink } from '../email-flows.ts';
import { badRequest, unprocessable } from '../errors.ts';
import { createFlowState, validatePkce } from '../flow-state.ts';
import { hashPassword, randomPassword } from '../passwords.ts';
import { enforceRateLimit } from '../rate-limits.ts';
import { referrer } from '../redirect-urls.ts';
import { confirmUser, findUserByEmail, findUserById, insertPendingEmailUser } from '../users.ts';
import { otpBody, parseJsonBody, validateEmail, type Metadata } from '../validation.ts';

/** POST /otp: a magic link (with its code) by email; phone codes are off locally. */
export async function otp(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  enforceRateLimit(ctx.limiters.otp, rateLimitKey(request));
  const body = parseJsonBody(request.body, otpBody);
  const email = body.email ?? '';
  const phone = body.phone ?? '';
  if (email !== '' && phone !== '') throw badRequest('validation_failed', 'Only an email address or phone number should be provided');
  if (email !== '' && body.channel) throw badRequest('validation_failed', 'Channel should only be specified with Phone OTP');
  validatePkce(body);
  if (body.create_user === false && email !== '') {
    const existing = await findUserByEmail(ctx.sql, validateEmail(email));
    if (!existing) throw unprocessable('otp_disabled', 'Signups not allowed for otp');
  }
  if (email !== '') return magicLinkFor(ctx, request, email, body.data ?? {}, body);
  if (phone !== '') throw badRequest('phone_provider_disabled', 'Unsupported phone provider');
  throw badRequest('validation_failed', 'One of email or phone must be set');
}

/** POST /magiclink: the older name of the same thing. */
export async function magicLink(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  enforceRateLimit(ctx.limiters.otp, rateLimitKey(request));
  const body = parseJsonBody(request.body, otpBody);
  return magicLinkFor(ctx, request, body.email ?? '', body.data ?? {}, body);
}

/**
 * GoTrue's MagicLink: a confirmed user gets a magic link; an unknown or unconfirmed address is signed up
 * first (with a password nobody knows), and then gets a magic link (autoconfirm) or the confirmation mail.
 */
async function magicLinkFor(
  ctx: AuthContext,
  request: HttpRequest,
  email: string,
  data: Metadata,
  pkceParams: { code_challenge?: string | null; code_challenge_method?: string | null },
): Promise<HttpResponse> {
  if (!ctx.config.email.enabled) throw unprocessable('email_provider_disabled', 'Email logins are disabled');
  if (email === '') throw unprocessable('validation_failed', 'Password recovery requires an email');
  const address = validateEmail(email);
  const pkce = validatePkce(pkceParams);
  const redirectTo = referrer(ctx.config, request);
  const existing = await findUserByEmail(ctx.sql, address);
  const encryptedPassword = existing ? '' : await hashPassword(randomPassword());

  await transaction(ctx.sql, async (tx) => {
    let user = existing ? await findUserById(tx, existing.id, { forUpdate: true }) : null;
    if (!user || !user.email_confirmed_at) {
      if (ctx.config.disableSignup) throw unprocessable('signup_disabled', 'Signups not allowed for this instance');
      if (!user) user = await insertPendingEmailUser(tx, address, data, encryptedPassword);
      if (!ctx.config.email.autoconfirm) {
        // The confirmation mail doubles as the magic link.
        if (pkce) await createFlowState(tx, user.id, 'email', 'email/signup', pkceParams);
        await sendConfirmation(ctx, tx, user, { pkce, redirectTo });
        return;
      }
      user = await confirmUser(tx, user);
    }
    if (pkce) await createFlowState(tx, user.id, 'magiclink', 'magiclink', pkceParams);
    await sendMagicLink(ctx, tx, user, { pkce, redirectTo });
  });
  return json(200, {});
}
