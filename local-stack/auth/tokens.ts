import { randomBytes } from 'node:crypto';
import { signJwt, type JwtClaims } from '../http/jwt.ts';
import type { AuthContext } from './context.ts';
import { NIL_UUID, transaction, type Db } from './db.ts';
import { AuthError, badRequest } from './errors.ts';
import { addAmrClaim, sessionAssurance, type AuthenticationMethod } from './amr.ts';
import { createSession, expireSession, findSession, markRefreshed, type SessionRow } from './sessions.ts';
import { factorsOf, identitiesOf, findUserById, recordSignIn } from './users.ts';
import { userJson, type UserRow } from './user-json.ts';

interface RefreshTokenRow {
  id: string;
  token: string;
  user_id: string;
  revoked: boolean;
  updated_at: Date;
  parent: string | null;
  session_id: string | null;
}

/** The OAuth2-style body GoTrue answers a successful sign-in, sign-up or refresh with. */
export type SessionResponse = Record<string, unknown>;

export function isBanned(user: UserRow): boolean {
  return user.banned_until !== null && user.banned_until.getTime() > Date.now();
}

/** GoTrue's AccessTokenClaims, in its field order; `amr` is left out while the session has none. */
export async function accessTokenClaims(ctx: AuthContext, db: Db, user: UserRow, session: SessionRow, issuedAt: number): Promise<JwtClaims> {
  const { aal, amr } = await sessionAssurance(db, session.id);
  return {
    iss: ctx.config.jwtIssuer,
    sub: user.id,
    aud: user.aud ?? 'authenticated',
    exp: issuedAt + ctx.config.jwtExpirySeconds,
    iat: issuedAt,
    email: user.email ?? '',
    phone: user.phone ?? '',
    app_metadata: user.raw_app_meta_data ?? {},
    user_metadata: user.raw_user_meta_data ?? {},
    role: user.role || 'authenticated',
    aal,
    ...(amr.length > 0 ? { amr } : {}),
    session_id: session.id,
    is_anonymous: user.is_anonymous,
  };
}

/** The user object of a session or /user answer: identities and MFA factors included, as GoTrue loads them. */
export async function fullUserJson(db: Db, user: UserRow): Promise<Record<string, unknown>> {
  const [identities, factors] = await Promise.all([identitiesOf(db, user.id), factorsOf(db, user.id)]);
  return userJson(user, identities, factors);
}

/** 128 random bits, URL-safe; GoTrue's v1 refresh tokens are opaque random strings too. */
function newRefreshTokenString(): string {
  return randomBytes(16).toString('base64url');
}

async function insertRefreshToken(tx: Db, userId: string, sessionId: string, parent: string | null): Promise<string> {
  const token = newRefreshTokenString();
  await tx`
    insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
    values (${NIL_UUID}, ${token}, ${userId}, false, now(), now(), ${parent}, ${sessionId})`;
  return token;
}

async function sessionResponse(
  ctx: AuthContext,
  tx: Db,
  user: UserRow,
  session: SessionRow,
  refreshToken: string,
): Promise<SessionResponse> {
  const issuedAt = Math.floor(Date.now() / 1000);
  const claims = await accessTokenClaims(ctx, tx, user, session, issuedAt);
  return {
    access_token: await signJwt(claims, ctx.jwtSecret),
    token_type: 'bearer',
    expires_in: ctx.config.jwtExpirySeconds,
    expires_at: claims.exp,
    refresh_token: refreshToken,
    user: await fullUserJson(tx, user),
  };
}

/** Where a session was started from (GoTrue's GrantParams). */
export interface Client {
  userAgent: string | undefined;
  ip: string;
}

/**
 * A new session for a user who just proved who they are with `method` (sign-up with autoconfirm, a
 * password, an email link or code, a PKCE exchange, anonymous sign-in).
 */
export async function issueSession(
  ctx: AuthContext,
  tx: Db,
  user: UserRow,
  client: Client,
  method: AuthenticationMethod,
): Promise<SessionResponse> {
  const signedIn = await recordSignIn(tx, user.id);
  const session = await createSession(tx, user.id, client);
  await addAmrClaim(tx, session.id, method);
  const refreshToken = await insertRefreshToken(tx, user.id, session.id, null);
  return sessionResponse(ctx, tx, signedIn, session, refreshToken);
}

/**
 * GoTrue's updateMFASessionAndClaims: after a second factor, the same session is raised to AAL2 and a
 * fresh refresh token replaces the current one.
 */
export async function upgradeSession(ctx: AuthContext, tx: Db, user: UserRow, sessionId: string, factorId: string): Promise<SessionResponse> {
  await addAmrClaim(tx, sessionId, 'totp');
  await tx`update auth.sessions set aal = 'aal2', factor_id = ${factorId}, updated_at = now() where id = ${sessionId}`;
  const session = await findSession(tx, sessionId, { forUpdate: true });
  if (!session) throw new AuthError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist');
  const [current] = await tx<RefreshTokenRow[]>`
    select id, token, user_id, revoked, updated_at, parent, session_id from auth.refresh_tokens
    where session_id = ${sessionId} and revoked = false order by id desc limit 1`;
  const refreshToken = current ? await swap(tx, current, sessionId) : await insertRefreshToken(tx, user.id, sessionId, null);
  return sessionResponse(ctx, tx, user, session, refreshToken);
}

type RefreshOutcome = { ok: SessionResponse } | { error: AuthError };

/**
 * The refresh_token grant with GoTrue's rotation rules. Spending a token revokes it and issues a child
 * (`parent` = the spent token). Presenting an already revoked token is still answered when it is the parent
 * of the session's active token (the client lost the previous answer: the active token is returned again)
 * or within the reuse interval after it was spent (concurrent refreshes). Any other reuse is treated as
 * theft: every token of the session is revoked, the session may not be refreshed again, and the answer is
 * `refresh_token_already_used`. That verdict is committed even though the request fails.
 */
export async function refreshTokenGrant(ctx: AuthContext, presented: string, userAgent: string | undefined): Promise<SessionResponse> {
  const outcome = await transaction(ctx.sql, async (tx): Promise<RefreshOutcome> => {
    const notFound = { error: badRequest('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found') };
    const [found] = await tx<RefreshTokenRow[]>`select id, session_id from auth.refresh_tokens where token = ${presented}`;
    if (!found) return notFound;
    if (found.session_id === null) {
      await tx`delete from auth.refresh_tokens where id = ${found.id}`;
      return { error: badRequest('session_not_found', 'Invalid Refresh Token: No Valid Session Found') };
    }
    // Lock order session → token (as sign-out and user deletion cascade) serialises refreshes of one session.
    const session = await findSession(tx, found.session_id, { forUpdate: true });
    const [token] = await tx<RefreshTokenRow[]>`
      select id, token, user_id, revoked, updated_at, parent, session_id
      from auth.refresh_tokens where id = ${found.id} for update`;
    if (!session || !token) return notFound;
    const user = await findUserById(tx, session.user_id);
    if (!user) return notFound;
    if (isBanned(user)) return { error: badRequest('user_banned', 'Invalid Refresh Token: User Banned') };
    if (session.not_after && session.not_after.getTime() < Date.now()) {
      return { error: badRequest('session_expired', 'Invalid Refresh Token: Session Expired') };
    }

    let issued: string;
    if (!token.revoked) {
      // Without rotation (enable_refresh_token_rotation = false) the same token keeps working.
      issued = ctx.config.refreshTokenRotation ? await swap(tx, token, session.id) : token.token;
    } else {
      const [active] = await tx<{ token: string; parent: string | null }[]>`
        select token, parent from auth.refresh_tokens
        where session_id = ${session.id} and revoked = false order by id desc limit 1`;
      const reuseUntil = token.updated_at.getTime() + ctx.config.refreshTokenReuseIntervalSeconds * 1000;
      if (active && active.parent === token.token) {
        issued = active.token;
      } else if (Date.now() < reuseUntil) {
        issued = await swap(tx, token, session.id);
      } else {
        await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = ${session.id} and revoked = false`;
        await expireSession(tx, session.id);
        ctx.log(`[auth] refresh token reuse detected on session ${session.id}: session revoked`);
        return { error: badRequest('refresh_token_already_used', 'Invalid Refresh Token: Already Used') };
      }
    }
    await markRefreshed(tx, session.id, userAgent);
    return { ok: await sessionResponse(ctx, tx, user, session, issued) };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.ok;
}

async function swap(tx: Db, token: RefreshTokenRow, sessionId: string): Promise<string> {
  // A token reused inside the interval keeps its first revocation time, so the window cannot be stretched.
  await tx`
    update auth.refresh_tokens set revoked = true, updated_at = case when revoked then updated_at else now() end
    where id = ${token.id}`;
  return insertRefreshToken(tx, token.user_id, sessionId, token.token);
}
