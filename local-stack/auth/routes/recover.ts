import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import { rateLimitKey } from '../../http/client-ip.ts';
import type { AuthContext } from '../context.ts';
import { transaction } from '../db.ts';
import { sendRecovery } from '../email-flows.ts';
import { badRequest } from '../errors.ts';
import { createFlowState, validatePkce } from '../flow-state.ts';
import { enforceRateLimit } from '../rate-limits.ts';
import { referrer } from '../redirect-urls.ts';
import { findUserByEmail, findUserById } from '../users.ts';
import { parseJsonBody, recoverBody, validateEmail } from '../validation.ts';

/** POST /recover: a password-reset link; an unknown address gets the same empty answer (no enumeration). */
export async function recover(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  enforceRateLimit(ctx.limiters.otp, rateLimitKey(request));
  if (!ctx.config.email.enabled) throw badRequest('email_provider_disabled', 'Email logins are disabled');
  const body = parseJsonBody(request.body, recoverBody);
  if (!body.email) throw badRequest('validation_failed', 'Password recovery requires an email');
  const email = validateEmail(body.email);
  const pkce = validatePkce(body);
  const existing = await findUserByEmail(ctx.sql, email);
  if (!existing) return json(200, {});
  await transaction(ctx.sql, async (tx) => {
    const user = await findUserById(tx, existing.id, { forUpdate: true });
    if (!user) return;
    if (pkce) await createFlowState(tx, user.id, 'recovery', 'recovery', body);
    await sendRecovery(ctx, tx, user, { pkce, redirectTo: referrer(ctx.config, request) });
  });
  return json(200, {});
}
