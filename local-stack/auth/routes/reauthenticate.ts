import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import type { AuthContext } from '../context.ts';
import { transaction } from '../db.ts';
import { sendReauthentication } from '../email-flows.ts';
import { badRequest, unprocessable } from '../errors.ts';
import { requireUser } from '../request-auth.ts';
import { findUserById } from '../users.ts';

/** GET /reauthenticate: mails a code that PUT /user takes as `nonce` for a password change. */
export async function reauthenticate(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const { user } = await requireUser(ctx, request);
  if (!user.email && !user.phone) {
    throw badRequest('validation_failed', 'Reauthentication requires the user to have an email or a phone number');
  }
  if (user.email && !user.email_confirmed_at) throw unprocessable('email_not_confirmed', 'Please verify your email first.');
  if (!user.email) throw unprocessable('phone_provider_disabled', 'Phone logins are disabled');
  await transaction(ctx.sql, async (tx) => {
    const current = await findUserById(tx, user.id, { forUpdate: true });
    if (current) await sendReauthentication(ctx, tx, current);
  });
  return json(200, {});
}
