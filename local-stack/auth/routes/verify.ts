import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import { methodForVerificationType } from '../amr.ts';
import { clientOf, rateLimitKey } from '../../http/client-ip.ts';
import type { AuthContext } from '../context.ts';
import { transaction } from '../db.ts';
import { tokenHash } from '../email-tokens.ts';
import { AuthError, badRequest, unprocessable } from '../errors.ts';
import { issueAuthCode } from '../flow-state.ts';
import { enforceRateLimit } from '../rate-limits.ts';
import { referrer } from '../redirect-urls.ts';
import { issueSession, type SessionResponse } from '../tokens.ts';
import { applyVerification, isEmailVerificationType, verifyEmailOtp, verifyTokenHash } from '../verification.ts';
import { parseJsonBody, validateEmail, verifyBody } from '../validation.ts';

const SINGLE_CONFIRMATION = 'Confirmation link accepted. Please proceed to confirm link sent to the other email';

/** RFC 6749 error names GoTrue puts next to its own error_code in redirects. */
const OAUTH_ERRORS: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized_client',
  403: 'access_denied',
  500: 'server_error',
  503: 'temporarily_unavailable',
};

const redirect = (location: string): HttpResponse => ({ status: 303, headers: { location }, body: '' });

/** GET /verify: the link in a mail. Redirects with tokens in the fragment, or `?code=` for PKCE flows. */
export async function verifyGet(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  enforceRateLimit(ctx.limiters.verify, rateLimitKey(request));
  const query = new URLSearchParams(request.query);
  const token = query.get('token') ?? '';
  const type = query.get('type') ?? '';
  if (type === '') throw badRequest('validation_failed', 'Verify requires a verification type');
  if (token === '') throw badRequest('validation_failed', 'Verify requires a token or a token hash');
  const redirectTo = referrer(ctx.config, request);
  const pkce = token.startsWith('pkce_');
  const pkceMethod = pkce ? methodForVerificationType(type) : null;
  if (pkce && !pkceMethod) throw badRequest('validation_failed', `unsupported authentication method "${type}"`);

  let location: string;
  try {
    location = await transaction(ctx.sql, async (tx) => {
      if (!isEmailVerificationType(type)) throw badRequest('validation_failed', 'Invalid email verification type');
      const verified = await verifyTokenHash(ctx, tx, type, token);
      const outcome = await applyVerification(ctx, tx, verified, token);
      if ('singleConfirmation' in outcome) return messageRedirect(redirectTo, pkce);
      if (pkce && pkceMethod) {
        const code = await issueAuthCode(tx, outcome.user.id, pkceMethod);
        if (!code) throw unprocessable('flow_state_not_found', 'No valid flow state found for user.');
        const url = new URL(redirectTo);
        url.searchParams.set('code', code);
        return url.toString();
      }
      const session = await issueSession(ctx, tx, outcome.user, clientOf(request), 'otp');
      return fragmentRedirect(redirectTo, session, verified.type);
    });
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    location = errorRedirect(redirectTo, error, pkce);
  }
  return redirect(location);
}

/** GoTrue's AsRedirectURL: the session in the fragment, keys in Go's sorted order. */
function fragmentRedirect(redirectTo: string, session: SessionResponse, type: string): string {
  const values: Record<string, string> = {
    access_token: String(session.access_token),
    expires_at: String(session.expires_at),
    expires_in: String(session.expires_in),
    refresh_token: String(session.refresh_token),
    token_type: String(session.token_type),
    type,
  };
  return `${redirectTo}#${new URLSearchParams(values).toString()}`;
}

/** GoTrue's prepErrorRedirectURL: the error in the fragment, and in the query too for PKCE flows. */
function errorRedirect(redirectTo: string, error: AuthError, pkce: boolean): string {
  const url = new URL(redirectTo);
  const params = new URLSearchParams();
  const name = OAUTH_ERRORS[error.status];
  if (name) params.set('error', name);
  params.set('error_code', error.code);
  params.set('error_description', error.message);
  if (pkce) for (const [key, value] of params) url.searchParams.set(key, value);
  url.hash = params.toString();
  return url.toString();
}

function messageRedirect(redirectTo: string, pkce: boolean): string {
  const url = new URL(redirectTo);
  if (pkce) url.searchParams.set('message', SINGLE_CONFIRMATION);
  url.hash = new URLSearchParams({ message: SINGLE_CONFIRMATION }).toString();
  return url.toString();
}

/** POST /verify: a code typed by the user (`email` + `token`) or a link's `token_hash`; answers a session. */
export async function verifyPost(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  enforceRateLimit(ctx.limiters.verify, rateLimitKey(request));
  const body = parseJsonBody(request.body, verifyBody);
  const type = body.type ?? '';
  const token = (body.token ?? '').replaceAll('-', '');
  const hash = body.token_hash ?? '';
  const email = body.email ?? '';
  const phone = body.phone ?? '';
  if (type === '') throw badRequest('validation_failed', 'Verify requires a verification type');
  if ((token === '') === (hash === '')) throw badRequest('validation_failed', 'Verify requires either a token or a token hash');
  let address = '';
  if (token !== '') {
    if (phone !== '' && email === '') {
      // Phone sign-in is off locally, so no user can hold an SMS code.
      throw new AuthError(403, 'otp_expired', 'Token has expired or is invalid');
    }
    if (!(email !== '' && phone === '')) {
      throw badRequest('validation_failed', 'Only an email address or phone number should be provided on verify');
    }
    try {
      address = validateEmail(email);
    } catch {
      throw unprocessable('validation_failed', 'Invalid email format');
    }
  } else if (email !== '' || phone !== '' || (body.redirect_to ?? '') !== '') {
    throw badRequest('validation_failed', 'Only the token_hash and type should be provided');
  }
  if (type === 'sms' || type === 'phone_change') throw new AuthError(403, 'otp_expired', 'Token has expired or is invalid');
  if (!isEmailVerificationType(type)) throw badRequest('validation_failed', 'Unsupported verification type');

  const result = await transaction(ctx.sql, async (tx) => {
    const verified = hash !== '' ? await verifyTokenHash(ctx, tx, type, hash) : await verifyEmailOtp(ctx, tx, type, address, token);
    const outcome = await applyVerification(ctx, tx, verified, hash !== '' ? hash : tokenHash(address, token));
    if ('singleConfirmation' in outcome) return null;
    return issueSession(ctx, tx, outcome.user, clientOf(request), 'otp');
  });
  return json(200, result ?? { msg: SINGLE_CONFIRMATION, code: '200' });
}
