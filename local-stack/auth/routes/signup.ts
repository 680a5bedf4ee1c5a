import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import type { AuthContext } from '../context.ts';
import { isUniqueViolation, transaction } from '../db.ts';
import { unprocessable } from '../errors.ts';
import { assertPasswordAcceptable, hashPassword } from '../passwords.ts';
import { issueSession } from '../tokens.ts';
import { emailTaken, insertUserWithEmailIdentity } from '../users.ts';
import { parseJsonBody, signupBody, validateEmail } from '../validation.ts';

const alreadyRegistered = () => unprocessable('user_already_exists', 'User already registered');

/** POST /signup: with autoconfirm (the local default) the user is confirmed and signed in at once. */
export async function signup(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const body = parseJsonBody(request.body, signupBody);
  const email = body.email ?? '';
  const phone = body.phone ?? '';
  const password = body.password ?? '';
  // GoTrue routes a sign-up without email and phone to anonymous sign-in, which is off by default.
  if (email === '' && phone === '') throw unprocessable('anonymous_provider_disabled', 'Anonymous sign-ins are disabled');
  if (password === '') throw unprocessable('validation_failed', 'Signup requires a valid password');
  assertPasswordAcceptable(password);
  if (email !== '' && phone !== '') {
    throw unprocessable('validation_failed', 'Only an email address or phone number should be provided on signup.');
  }
  if (phone !== '') throw unprocessable('phone_provider_disabled', 'Phone signups are disabled');
  const address = validateEmail(email);
  const encryptedPassword = await hashPassword(password);

  try {
    const session = await transaction(ctx.sql, async (tx) => {
      if (await emailTaken(tx, address)) throw alreadyRegistered();
      const id = randomUUID();
      const user = await insertUserWithEmailIdentity(tx, {
        id,
        email: address,
        encryptedPassword,
        confirmed: true,
        appMetadata: { provider: 'email', providers: ['email'] },
        // Hosted Supabase copies the email identity's claims into user_metadata; confirmation sets email_verified.
        userMetadata: { ...(body.data ?? {}), sub: id, email: address, email_verified: true, phone_verified: false },
      });
      return issueSession(ctx, tx, user, request.headers['user-agent']);
    });
    return json(200, session);
  } catch (error) {
    if (isUniqueViolation(error)) throw alreadyRegistered();
    throw error;
  }
}
