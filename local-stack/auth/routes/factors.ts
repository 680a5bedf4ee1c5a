import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import { clientIp, rateLimitKey } from '../../http/client-ip.ts';
import type { AuthContext } from '../context.ts';
import { isUniqueViolation, transaction } from '../db.ts';
import { badRequest, forbidden, notFound, unprocessable } from '../errors.ts';
import { deleteExpiredFactors, downgradeSessions, insertTotpFactor, loadOwnFactor, newTotpKey, totpCodeIsValid, type StoredFactor } from '../factors.ts';
import { enforceRateLimit } from '../rate-limits.ts';
import { requireUser, type Authenticated } from '../request-auth.ts';
import { upgradeSession } from '../tokens.ts';
import { factorsOf } from '../users.ts';
import { challengeFactorBody, enrollFactorBody, parseJsonBody, parseUuid, verifyFactorBody } from '../validation.ts';

/** GoTrue's requireNotAnonymous in front of every /factors route. */
async function requireRealUser(ctx: AuthContext, request: HttpRequest): Promise<Authenticated> {
  const auth = await requireUser(ctx, request);
  if (auth.user.is_anonymous || auth.claims.is_anonymous === true) {
    throw forbidden('no_authorization', 'Anonymous user not allowed to perform these actions');
  }
  return auth;
}

const isAal2 = (auth: Authenticated) => auth.claims.aal === 'aal2';

function assertTotpVerifyEnabled(ctx: AuthContext, factor: StoredFactor): void {
  if (factor.factor_type === 'phone') {
    if (!ctx.config.mfa.phone.verifyEnabled) throw unprocessable('mfa_phone_verify_not_enabled', 'MFA verification is disabled for Phone');
    throw unprocessable('phone_provider_disabled', 'Phone logins are disabled');
  }
  if (!ctx.config.mfa.totp.verifyEnabled) throw unprocessable('mfa_totp_verify_not_enabled', 'MFA verification is disabled for TOTP');
}

/** POST /factors: starts a TOTP enrolment (key, otpauth URI and QR code); verified by a challenge. */
export async function enrollFactor(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const auth = await requireRealUser(ctx, request);
  const body = parseJsonBody(request.body, enrollFactorBody);
  const friendlyName = body.friendly_name ?? '';
  if (body.factor_type === 'phone') {
    if (!ctx.config.mfa.phone.enrollEnabled) throw unprocessable('mfa_phone_enroll_not_enabled', 'MFA enroll is disabled for Phone');
    throw unprocessable('phone_provider_disabled', 'Phone logins are disabled');
  }
  if (body.factor_type !== 'totp') throw badRequest('validation_failed', 'factor_type needs to be totp or phone');
  if (!ctx.config.mfa.totp.enrollEnabled) throw unprocessable('mfa_totp_enroll_not_enabled', 'MFA enroll is disabled for TOTP');
  const key = await newTotpKey(ctx.config, body.issuer ?? '', auth.user.email ?? '');

  try {
    const factor = await transaction(ctx.sql, async (tx) => {
      await deleteExpiredFactors(tx, auth.user.id, ctx.config.mfa.factorExpirySeconds);
      await tx`select id from auth.users where id = ${auth.user.id} for update`;
      const factors = await factorsOf(tx, auth.user.id);
      const verified = factors.filter((factor) => factor.status === 'verified').length;
      if (friendlyName !== '' && factors.some((factor) => factor.friendly_name === friendlyName)) {
        throw unprocessable('mfa_factor_name_conflict', `A factor with the friendly name "${friendlyName}" for this user already exists`);
      }
      if (factors.length >= ctx.config.mfa.maxEnrolledFactors || verified >= ctx.config.mfa.maxVerifiedFactors) {
        throw unprocessable('too_many_enrolled_mfa_factors', 'Maximum number of verified factors reached, unenroll to continue');
      }
      if (verified > 0 && !isAal2(auth)) throw forbidden('insufficient_aal', 'AAL2 required to enroll a new factor');
      return insertTotpFactor(tx, auth.user.id, friendlyName, key.secret);
    });
    return json(200, {
      id: factor.id,
      type: 'totp',
      friendly_name: factor.friendly_name ?? '',
      totp: { qr_code: key.qrCode, secret: key.secret, uri: key.uri },
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw unprocessable('mfa_factor_name_conflict', `A factor with the friendly name "${friendlyName}" for this user likely already exists`);
    }
    throw error;
  }
}

/** POST /factors/{id}/challenge: a challenge that a code from the authenticator app answers. */
export async function challengeFactor(ctx: AuthContext, request: HttpRequest, factorId: string): Promise<HttpResponse> {
  const auth = await requireRealUser(ctx, request);
  const factor = await loadOwnFactor(ctx.sql, auth.user.id, factorId);
  enforceRateLimit(ctx.limiters.factorChallenge, rateLimitKey(request));
  parseJsonBody(request.body.length > 0 ? request.body : Buffer.from('{}'), challengeFactorBody);
  assertTotpVerifyEnabled(ctx, factor);
  const id = randomUUID();
  const [challenge] = await transaction(ctx.sql, async (tx) => {
    await tx`update auth.mfa_factors set last_challenged_at = now(), updated_at = now() where id = ${factor.id}`;
    return tx<{ created_at: Date }[]>`
      insert into auth.mfa_challenges (id, factor_id, created_at, ip_address)
      values (${id}, ${factor.id}, now(), ${clientIp(request)}::inet) returning created_at`;
  });
  const expiresAt = Math.floor(challenge.created_at.getTime() / 1000) + ctx.config.mfa.challengeExpirySeconds;
  return json(200, { id, type: factor.factor_type, expires_at: expiresAt });
}

/** POST /factors/{id}/verify: the code answers the challenge; the session becomes AAL2 and the factor verified. */
export async function verifyFactor(ctx: AuthContext, request: HttpRequest, factorId: string): Promise<HttpResponse> {
  const auth = await requireRealUser(ctx, request);
  const factor = await loadOwnFactor(ctx.sql, auth.user.id, factorId);
  enforceRateLimit(ctx.limiters.factorVerify, rateLimitKey(request));
  const body = parseJsonBody(request.body, verifyFactorBody);
  if (!body.code) throw badRequest('validation_failed', 'Code needs to be non-empty');
  assertTotpVerifyEnabled(ctx, factor);
  if (!auth.session) throw forbidden('session_not_found', 'Session from session_id claim in JWT does not exist');
  const challengeId = parseUuid(body.challenge_id ?? '');
  const notFoundChallenge = () => notFound('mfa_factor_not_found', 'MFA factor with the provided challenge ID not found');
  if (!challengeId) throw notFoundChallenge();
  const [challenge] = await ctx.sql<{ id: string; created_at: Date; verified_at: Date | null; ip_address: string }[]>`
    select id, created_at, verified_at, host(ip_address) as ip_address from auth.mfa_challenges
    where id = ${challengeId} and factor_id = ${factor.id}`;
  if (!challenge) throw notFoundChallenge();
  // Ambiguous on purpose, as GoTrue: it does not tell whether the challenge was already answered.
  if (challenge.verified_at || challenge.ip_address !== clientIp(request)) {
    throw unprocessable('mfa_ip_address_mismatch', 'Challenge and verify IP addresses mismatch');
  }
  if (Date.now() > challenge.created_at.getTime() + ctx.config.mfa.challengeExpirySeconds * 1000) {
    await ctx.sql`delete from auth.mfa_challenges where id = ${challenge.id}`;
    throw unprocessable('mfa_challenge_expired', `MFA challenge ${challenge.id} has expired, verify against another challenge or create a new challenge.`);
  }
  if (!factor.secret || !totpCodeIsValid(factor.secret, body.code)) {
    throw unprocessable('mfa_verification_failed', 'Invalid TOTP code entered');
  }
  const session = auth.session;
  const response = await transaction(ctx.sql, async (tx) => {
    const claimed = await tx`
      update auth.mfa_challenges set verified_at = now() where id = ${challenge.id} and verified_at is null`;
    // A second verify of the same challenge racing this one loses here.
    if (claimed.count === 0) throw unprocessable('mfa_ip_address_mismatch', 'Challenge and verify IP addresses mismatch');
    await tx`update auth.mfa_factors set status = 'verified', updated_at = now() where id = ${factor.id}`;
    const upgraded = await upgradeSession(ctx, tx, auth.user, session.id, factor.id);
    // Other sessions still at AAL1 may not be refreshed any more; abandoned enrolments go.
    await tx`update auth.sessions set not_after = now() where user_id = ${auth.user.id} and id <> ${session.id} and aal = 'aal1'`;
    await tx`delete from auth.mfa_factors where user_id = ${auth.user.id} and status = 'unverified' and factor_type = 'totp' and id <> ${factor.id}`;
    return upgraded;
  });
  return json(200, response);
}

/** DELETE /factors/{id}: a verified factor can only be removed from an AAL2 session. */
export async function unenrollFactor(ctx: AuthContext, request: HttpRequest, factorId: string): Promise<HttpResponse> {
  const auth = await requireRealUser(ctx, request);
  const factor = await loadOwnFactor(ctx.sql, auth.user.id, factorId);
  if (factor.status === 'verified' && !isAal2(auth)) throw unprocessable('insufficient_aal', 'AAL2 required to unenroll verified factor');
  await transaction(ctx.sql, async (tx) => {
    await downgradeSessions(tx, factor);
    await tx`delete from auth.mfa_factors where id = ${factor.id}`;
  });
  return json(200, { id: factor.id });
}

