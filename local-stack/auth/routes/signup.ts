import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import { clientOf, rateLimitKey } from '../../http/client-ip.ts';
import type { AuthContext } from '../context.ts';
import { isUniqueViolation, transaction } from '../db.ts';
import { sendConfirmation } from '../email-flows.ts';
import { badRequest, unprocessable } from '../errors.ts';
import { createFlowState, validatePkce } from '../flow-state.ts';
import { assertPasswordAcceptable, hashPassword } from '../passwords.ts';
import { enforceRateLimit } from '../rate-limits.ts';
import { referrer } from '../redirect-urls.ts';
import { fullUserJson, issueSession } from '../tokens.ts';
import { confirmUser, findUserByEmail, findUserById, insertPendingEmailUser, insertUserWithEmailIdentity } from '../users.ts';
import type { UserRow } from '../user-json.ts';
import { parseJsonBody, signupBody, validateEmail, type Metadata } from '../validation.ts';

const signupsDisabled = () => unprocessable('signup_disabled', 'Signups not allowed for this instance');

/** POST /signup: an email (or phone) sign-up, or, without either, an anonymous sign-in. */
export async function signup(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const body = parseJsonBody(request.body, signupBody);
  const email = body.email ?? '';
  const phone = body.phone ?? '';
  if (email === '' && phone === '') {
    if (!ctx.config.anonymousSignIns) throw unprocessable('anonymous_provider_disabled', 'Anonymous sign-ins are disabled');
    enforceRateLimit(ctx.limiters.anonymous, rateLimitKey(request));
    return signInAnonymously(ctx, request, body.data ?? {});
  }
  enforceRateLimit(ctx.limiters.otp, rateLimitKey(request));
  if (ctx.config.disableSignup) throw signupsDisabled();

  const password = body.password ?? '';
  if (password === '') throw badRequest('validation_failed', 'Signup requires a valid password');
  assertPasswordAcceptable(ctx.config.password, password);
  if (email !== '' && phone !== '') {
    throw badRequest('validation_failed', 'Only an email address or phone number should be provided on signup.');
  }
  if (phone !== '' && body.code_challenge) throw badRequest('validation_failed', 'PKCE not supported for phone signups');
  const pkce = validatePkce(body);
  if (phone !== '') throw badRequest('phone_provider_disabled', 'Phone signups are disabled');
  if (!ctx.config.email.enabled) throw badRequest('email_provider_disabled', 'Email signups are disabled');
  const address = validateEmail(email);

  const existing = await findUserByEmail(ctx.sql, address);
  // Hashing happens outside any transaction: it is the slow part and must not hold a connection.
  const encryptedPassword = existing ? '' : await hashPassword(password);
  const redirectTo = referrer(ctx.config, request);
  try {
    const outcome = await transaction(ctx.sql, async (tx): Promise<{ session: Record<string, unknown> } | { user: UserRow } | { exists: true }> => {
      let user = existing ? await findUserById(tx, existing.id, { forUpdate: true }) : null;
      if (user?.email_confirmed_at) return { exists: true };
      if (!user) user = await insertPendingEmailUser(tx, address, body.data ?? {}, encryptedPassword);
      if (ctx.config.email.autoconfirm) {
        const confirmed = await confirmUser(tx, user);
        return { session: await issueSession(ctx, tx, confirmed, clientOf(request), 'password') };
      }
      if (pkce) await createFlowState(tx, user.id, 'email', 'email/signup', body);
      return { user: await sendConfirmation(ctx, tx, user, { pkce, redirectTo }) };
    });
    if ('session' in outcome) return json(200, outcome.session);
    if ('exists' in outcome) {
      if (ctx.config.email.autoconfirm) throw unprocessable('user_already_exists', 'User already registered');
      // With confirmations on, GoTrue does not reveal that the address is taken: a look-alike user comes back.
      return json(200, obfuscatedUser(address, body.data ?? {}));
    }
    const user = await fullUserJson(ctx.sql, outcome.user);
    return json(200, outcome.user.invited_at ? { ...user, user_metadata: {}, identities: [] } : user);
  } catch (error) {
    if (isUniqueViolation(error)) throw unprocessable('user_already_exists', 'User already registered');
    throw error;
  }
}

/** GoTrue's sanitizeUser: what a repeated sign-up of a confirmed address gets instead of an error. */
function obfuscatedUser(email: string, data: Metadata): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    aud: 'authenticated',
    role: '',
    email,
    phone: '',
    confirmation_sent_at: now,
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: data,
    identities: [],
    created_at: now,
    updated_at: now,
    is_anonymous: false,
  };
}

/** GoTrue's SignupAnonymously: a user with no address or identity, signed in at once. */
async function signInAnonymously(ctx: AuthContext, request: HttpRequest, data: Metadata): Promise<HttpResponse> {
  if (ctx.config.disableSignup) throw signupsDisabled();
  const session = await transaction(ctx.sql, async (tx) => {
    const user = await insertUserWithEmailIdentity(tx, {
      encryptedPassword: '',
      confirmed: false,
      isAnonymous: true,
      appMetadata: {},
      userMetadata: data,
    });
    return issueSession(ctx, tx, user, clientOf(request), 'anonymous');
  });
  return json(200, session);
}
