import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import type { AuthContext } from '../context.ts';
import { transaction } from '../db.ts';
import { badRequest, unprocessable } from '../errors.ts';
import { passwordWeakness, verifyPassword } from '../passwords.ts';
import { isBanned, issueSession, refreshTokenGrant } from '../tokens.ts';
import { findUserByEmail } from '../users.ts';
import { parseJsonBody, passwordGrantBody, refreshGrantBody } from '../validation.ts';

const INVALID_LOGIN = 'Invalid login credentials';

/** POST /token?grant_type=password|refresh_token */
export async function token(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const grantType = new URLSearchParams(request.query).get('grant_type');
  if (grantType === 'password') return passwordGrant(ctx, request);
  if (grantType === 'refresh_token') return refreshGrant(ctx, request);
  // GoTrue's exact answer for an unknown or missing grant type: the code is invalid_credentials.
  throw badRequest('invalid_credentials', 'unsupported_grant_type');
}

async function passwordGrant(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const body = parseJsonBody(request.body, passwordGrantBody);
  const email = body.email ?? '';
  const phone = body.phone ?? '';
  const password = body.password ?? '';
  if (email !== '' && phone !== '') {
    throw badRequest('validation_failed', 'Only an email address or phone number should be provided on login.');
  }
  if (phone !== '') throw unprocessable('phone_provider_disabled', 'Phone logins are disabled');
  if (email === '') throw badRequest('validation_failed', 'missing email or phone');

  const user = await findUserByEmail(ctx.sql, email);
  if (!user || !user.encrypted_password) throw badRequest('invalid_credentials', INVALID_LOGIN);
  if (isBanned(user)) throw badRequest('user_banned', 'User is banned');
  if (!(await verifyPassword(password, user.encrypted_password))) throw badRequest('invalid_credentials', INVALID_LOGIN);
  if (!user.email_confirmed_at) throw badRequest('email_not_confirmed', 'Email not confirmed');

  const session = await transaction(ctx.sql, (tx) => issueSession(ctx, tx, user, request.headers['user-agent']));
  // A correct but weak password (e.g. set before the policy) still signs in, with a warning supabase-js surfaces.
  const weakness = passwordWeakness(password);
  return json(200, weakness ? { ...session, weak_password: weakness } : session);
}

async function refreshGrant(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const body = parseJsonBody(request.body, refreshGrantBody);
  if (!body.refresh_token) {
    // GoTrue answers this one case in the OAuth2 error shape.
    return json(400, { error: 'invalid_request', error_description: 'refresh_token required' });
  }
  return json(200, await refreshTokenGrant(ctx, body.refresh_token, request.headers['user-agent']));
}
