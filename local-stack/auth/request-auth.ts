import { JwtError, verifyJwt, type JwtClaims } from '../http/jwt.ts';
import type { HttpRequest } from '../http/types.ts';
import type { AuthContext } from './context.ts';
import { badRequest, forbidden, unauthorized } from './errors.ts';
import { findSession, type SessionRow } from './sessions.ts';
import { findUserById } from './users.ts';
import type { UserRow } from './user-json.ts';
import { parseUuid } from './validation.ts';

/** Roles GoTrue treats as administrators (GOTRUE_JWT_ADMIN_ROLES). */
const ADMIN_ROLES = new Set(['service_role', 'supabase_admin']);

export interface Authenticated {
  claims: JwtClaims;
  user: UserRow;
  /** Null only for tokens without a `session_id` claim (e.g. hand-made ones). */
  session: SessionRow | null;
}

function bearerToken(request: HttpRequest): string {
  const match = /^[Bb]earer (\S+)$/.exec(request.headers.authorization ?? '');
  if (!match) throw unauthorized('no_authorization', 'This endpoint requires a Bearer token');
  return match[1];
}

/** Any verification failure (signature, algorithm, expiry, format) is GoTrue's 403 `bad_jwt`. */
async function verifiedClaims(ctx: AuthContext, request: HttpRequest): Promise<JwtClaims> {
  const token = bearerToken(request);
  try {
    return await verifyJwt(token, ctx.jwtSecret);
  } catch (error) {
    const reason =
      error instanceof JwtError && error.reason === 'expired'
        ? 'token has invalid claims: token is expired'
        : error instanceof Error
          ? error.message
          : 'invalid token';
    throw forbidden('bad_jwt', `invalid JWT: unable to parse or verify signature, ${reason}`);
  }
}

/** GoTrue's requireAuthentication: a valid token whose user and session still exist. */
export async function requireUser(ctx: AuthContext, request: HttpRequest): Promise<Authenticated> {
  const claims = await verifiedClaims(ctx, request);
  if (typeof claims.sub !== 'string' || claims.sub === '') {
    throw forbidden('bad_jwt', 'invalid claim: missing sub claim');
  }
  const userId = parseUuid(claims.sub);
  if (!userId) throw badRequest('bad_jwt', 'invalid claim: sub claim must be a UUID');
  const user = await findUserById(ctx.sql, userId);
  if (!user) throw forbidden('user_not_found', 'User from sub claim in JWT does not exist');

  let session: SessionRow | null = null;
  const sessionClaim = claims.session_id;
  if (typeof sessionClaim === 'string' && sessionClaim !== '' && sessionClaim !== '00000000-0000-0000-0000-000000000000') {
    const sessionId = parseUuid(sessionClaim);
    if (!sessionId) throw forbidden('bad_jwt', 'invalid claim: session_id claim must be a UUID');
    session = await findSession(ctx.sql, sessionId);
    if (!session || session.user_id !== user.id) {
      throw forbidden('session_not_found', 'Session from session_id claim in JWT does not exist');
    }
  }
  return { claims, user, session };
}

/** GoTrue's requireAdminCredentials: a valid token whose `role` is an admin role; no user needed. */
export async function requireAdmin(ctx: AuthContext, request: HttpRequest): Promise<JwtClaims> {
  const claims = await verifiedClaims(ctx, request);
  if (typeof claims.role !== 'string' || !ADMIN_ROLES.has(claims.role)) {
    throw forbidden('not_admin', 'User not allowed');
  }
  return claims;
}
