import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import { rateLimitKey } from '../../http/client-ip.ts';
import type { AuthContext } from '../context.ts';
import { isUniqueViolation, transaction } from '../db.ts';
import { sendEmailChange } from '../email-flows.ts';
import { clearOneTimeTokens, isExpired, tokenHash } from '../email-tokens.ts';
import { AuthError, badRequest, forbidden, unprocessable } from '../errors.ts';
import { createFlowState, validatePkce } from '../flow-state.ts';
import { assertPasswordAcceptable, hashPassword, verifyPassword } from '../passwords.ts';
import { enforceRateLimit } from '../rate-limits.ts';
import { referrer } from '../redirect-urls.ts';
import { requireUser } from '../request-auth.ts';
import { logout } from '../sessions.ts';
import { fullUserJson } from '../tokens.ts';
import { emailTaken, factorsOf, findUserById, mergeMetadata, setUserColumns } from '../users.ts';
import type { UserRow } from '../user-json.ts';
import { applyEmailChange } from '../verification.ts';
import { parseJsonBody, userUpdateBody, validateEmail } from '../validation.ts';

export const emailExists = () =>
  unprocessable('email_exists', 'A user with this email address has already been registered');

/** A password change asks for a fresh sign-in or a reauthentication code after this long (GoTrue: 24 h). */
const RECENT_SIGN_IN_MS = 24 * 60 * 60 * 1000;

/** GET /user */
export async function getUser(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const { user } = await requireUser(ctx, request);
  return json(200, await fullUserJson(ctx.sql, user));
}

/** GoTrue's verifyReauthentication: the `nonce` must be the code GET /reauthenticate mailed. */
function assertNonce(ctx: AuthContext, user: UserRow, nonce: string): void {
  const invalid = () => unprocessable('reauthentication_not_valid', 'Nonce has expired or is invalid');
  if (!user.reauthentication_token || !user.reauthentication_sent_at || !user.email) throw invalid();
  if (isExpired(user.reauthentication_sent_at, ctx.config.email.otpExpirySeconds)) throw invalid();
  if (tokenHash(user.email, nonce) !== user.reauthentication_token) throw invalid();
}

/**
 * PUT /user: metadata, password (after reauthentication when `secure_password_change` is on) and email.
 * A new email is confirmed by mail (both addresses with `double_confirm_changes`); only an anonymous user
 * under autoconfirm gets it at once.
 */
export async function updateCurrentUser(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  enforceRateLimit(ctx.limiters.otp, rateLimitKey(request));
  const { user, session, claims } = await requireUser(ctx, request);
  const body = parseJsonBody(request.body, userUpdateBody);
  const email = body.email ? validateEmail(body.email) : undefined;
  if (body.phone) throw unprocessable('phone_provider_disabled', 'Phone logins are disabled');
  const password = body.password ?? undefined;
  if (password !== undefined) assertPasswordAcceptable(ctx.config.password, password);
  if (body.app_metadata) throw forbidden('not_admin', 'Updating app_metadata requires admin privileges');
  const pkce = validatePkce(body);
  const changesEmail = email !== undefined && email !== user.email;

  const verifiedFactors = (await factorsOf(ctx.sql, user.id)).filter((factor) => factor.status === 'verified');
  if (verifiedFactors.length > 0 && claims.aal !== 'aal2' && (Boolean(password) || changesEmail)) {
    throw new AuthError(401, 'insufficient_aal', 'AAL2 session is required to update email or password when MFA is enabled.');
  }
  if (user.is_anonymous && password && !email) {
    throw unprocessable('validation_failed', 'Updating password of an anonymous user without an email or phone is not allowed');
  }
  if (changesEmail && (await emailTaken(ctx.sql, email, user.id))) throw emailExists();

  let encryptedPassword: string | undefined;
  if (password !== undefined) {
    const recent = session !== null && Date.now() - session.created_at.getTime() < RECENT_SIGN_IN_MS;
    if (ctx.config.email.securePasswordChange && !recent) {
      if (!body.nonce) throw badRequest('reauthentication_needed', 'Password update requires reauthentication');
      assertNonce(ctx, user, body.nonce);
    }
    if (password !== '' && (await verifyPassword(password, user.encrypted_password))) {
      throw unprocessable('same_password', 'New password should be different from the old password.');
    }
    encryptedPassword = await hashPassword(password);
  }

  try {
    const updated = await transaction(ctx.sql, async (tx) => {
      let current = await findUserById(tx, user.id, { forUpdate: true });
      if (!current) throw unprocessable('user_not_found', 'User not found');
      if (encryptedPassword !== undefined) {
        current = await setUserColumns(tx, current.id, { encrypted_password: encryptedPassword, reauthentication_token: '' });
        await clearOneTimeTokens(tx, current.id, ['reauthentication_token']);
        // As GoTrue: a new password signs out every other session (all of them for a token without one).
        await logout(tx, current.id, session?.id ?? null, session ? 'others' : 'global');
      }
      if (body.data) current = await setUserColumns(tx, current.id, { raw_user_meta_data: mergeMetadata(current.raw_user_meta_data, body.data) });
      if (changesEmail) {
        if (current.is_anonymous && ctx.config.email.autoconfirm) {
          current = await applyEmailChange(tx, current, email);
        } else {
          if (pkce) await createFlowState(tx, current.id, 'email_change', 'email_change', body);
          current = await sendEmailChange(ctx, tx, current, email, { pkce, redirectTo: referrer(ctx.config, request) });
        }
      }
      return current;
    });
    return json(200, await fullUserJson(ctx.sql, updated));
  } catch (error) {
    if (isUniqueViolation(error)) throw emailExists();
    throw error;
  }
}
