import { methodForVerificationType, type AuthenticationMethod } from './amr.ts';
import type { AuthContext } from './context.ts';
import { jsonb, NIL_UUID, type Db } from './db.ts';
import { clearOneTimeTokens, isExpired, tokenHash } from './email-tokens.ts';
import { AuthError, badRequest, forbidden } from './errors.ts';
import { hashPassword, randomPassword } from './passwords.ts';
import { isBanned } from './tokens.ts';
import { confirmUser, findUserByToken, insertEmailIdentity, setUserColumns, syncProviders, USER_COLUMNS_SQL } from './users.ts';
import type { UserRow } from './user-json.ts';

/** The email verification types /verify accepts (`email` is a code for either a sign-up or a magic link). */
export type EmailVerificationType = 'signup' | 'invite' | 'recovery' | 'magiclink' | 'email_change' | 'email';

export function isEmailVerificationType(type: string): type is EmailVerificationType {
  return ['signup', 'invite', 'recovery', 'magiclink', 'email_change', 'email'].includes(type);
}

const linkExpired = () => forbidden('otp_expired', 'Email link is invalid or has expired');
const codeExpired = () => forbidden('otp_expired', 'Token has expired or is invalid');

function assertNotBanned(user: UserRow): void {
  if (isBanned(user)) throw forbidden('user_banned', 'User is banned');
}

/** GoTrue's isOtpValid: the stored hash (with or without the PKCE prefix), unexpired. */
function otpMatches(actual: string, expected: string | null, sentAt: Date | null, expirySeconds: number): boolean {
  if (!expected || !sentAt || isExpired(sentAt, expirySeconds)) return false;
  return actual === expected || `pkce_${actual}` === expected;
}

export interface Verified {
  user: UserRow;
  /** `email` resolved to what the token turned out to be: `signup` or `magiclink`. */
  type: Exclude<EmailVerificationType, 'email'>;
}

/** GoTrue's verifyTokenHash: the token from a link (`token_hash`, or GET /verify's `token`). */
export async function verifyTokenHash(ctx: AuthContext, tx: Db, type: EmailVerificationType, hash: string): Promise<Verified> {
  const columns =
    type === 'email'
      ? (['confirmation_token', 'recovery_token'] as const)
      : type === 'signup' || type === 'invite'
        ? (['confirmation_token'] as const)
        : type === 'recovery' || type === 'magiclink'
          ? (['recovery_token'] as const)
          : (['email_change_token_current', 'email_change_token_new'] as const);
  const user = await findUserByToken(tx, [...columns], hash);
  if (!user) throw linkExpired();
  assertNotBanned(user);
  let resolved: Verified['type'] = type === 'email' ? 'signup' : type;
  let sentAt = type === 'recovery' || type === 'magiclink' ? user.recovery_sent_at : type === 'email_change' ? user.email_change_sent_at : user.confirmation_sent_at;
  if (type === 'email' && [hash, `pkce_${hash}`].includes(user.recovery_token ?? '')) {
    resolved = 'magiclink';
    sentAt = user.recovery_sent_at;
  }
  if (isExpired(sentAt, ctx.config.email.otpExpirySeconds)) throw linkExpired();
  return { user, type: resolved };
}

/** GoTrue's verifyUserAndToken for email codes: the address and the code the user typed. */
export async function verifyEmailOtp(ctx: AuthContext, tx: Db, type: EmailVerificationType, email: string, otp: string): Promise<Verified> {
  const hash = tokenHash(email, otp);
  const candidates = [hash, `pkce_${hash}`];
  let user: UserRow | undefined;
  if (type === 'email_change') {
    if (ctx.config.email.secureEmailChange) {
      [user] = await tx<UserRow[]>`
        select ${USER_COLUMNS_SQL(tx)} from auth.users
        where lower(email) = ${email} and coalesce(instance_id, ${NIL_UUID}::uuid) = ${NIL_UUID}::uuid and is_sso_user = false
          and email_change_token_current = any(${candidates})
        for update`;
    }
    user ??= (
      await tx<UserRow[]>`
        select ${USER_COLUMNS_SQL(tx)} from auth.users
        where lower(email_change) = ${email} and coalesce(instance_id, ${NIL_UUID}::uuid) = ${NIL_UUID}::uuid and is_sso_user = false
          and email_change_token_new = any(${candidates})
        for update`
    )[0];
  } else {
    [user] = await tx<UserRow[]>`
      select ${USER_COLUMNS_SQL(tx)} from auth.users
      where lower(email) = ${email} and coalesce(aud, 'authenticated') = 'authenticated'
        and coalesce(instance_id, ${NIL_UUID}::uuid) = ${NIL_UUID}::uuid and is_sso_user = false
      order by created_at nulls last limit 1
      for update`;
  }
  if (!user) throw codeExpired();
  assertNotBanned(user);
  const expiry = ctx.config.email.otpExpirySeconds;
  const confirmation = otpMatches(hash, user.confirmation_token, user.confirmation_sent_at, expiry);
  const recovery = otpMatches(hash, user.recovery_token, user.recovery_sent_at, expiry);
  let resolved: Verified['type'];
  switch (type) {
    case 'email':
      if (!confirmation && !recovery) throw codeExpired();
      resolved = confirmation ? 'signup' : 'magiclink';
      break;
    case 'signup':
    case 'invite':
      if (!confirmation) throw codeExpired();
      resolved = type;
      break;
    case 'recovery':
    case 'magiclink':
      if (!recovery) throw codeExpired();
      resolved = type;
      break;
    case 'email_change':
      if (
        !otpMatches(hash, user.email_change_token_current, user.email_change_sent_at, expiry) &&
        !otpMatches(hash, user.email_change_token_new, user.email_change_sent_at, expiry)
      ) {
        throw codeExpired();
      }
      resolved = 'email_change';
  }
  return { user, type: resolved };
}

/** The outcome of a verification: a user to sign in, or the first half of a double email-change confirmation. */
export type VerificationOutcome = { user: UserRow; method: AuthenticationMethod } | { singleConfirmation: true };

/** What a verified token does (GoTrue's signupVerify, recoverVerify and emailChangeVerify). */
export async function applyVerification(ctx: AuthContext, tx: Db, verified: Verified, presentedHash: string): Promise<VerificationOutcome> {
  const { user, type } = verified;
  const method = methodForVerificationType(type);
  if (!method) throw badRequest('validation_failed', 'Unsupported verification type');
  switch (type) {
    case 'signup':
    case 'invite': {
      let current = user;
      // An invited user has no password yet: GoTrue gives them a random one and lets the app ask for a real one.
      if (!current.encrypted_password && current.invited_at) {
        current = await setUserColumns(tx, current.id, { encrypted_password: await hashPassword(randomPassword()) });
      }
      current = await confirmUser(tx, current);
      return { user: await syncProviders(tx, current), method };
    }
    case 'recovery':
    case 'magiclink': {
      let current = await setUserColumns(tx, user.id, { recovery_token: '' });
      await clearOneTimeTokens(tx, user.id, ['recovery_token']);
      if (!current.email_confirmed_at) current = await confirmUser(tx, current);
      return { user: await syncProviders(tx, current), method };
    }
    case 'email_change': {
      const secure = !ctx.config.email.autoconfirm && ctx.config.email.secureEmailChange && (user.email_change_confirm_status ?? 0) === 0 && Boolean(user.email);
      if (secure) {
        const matchesCurrent = [presentedHash, `pkce_${presentedHash}`].includes(user.email_change_token_current ?? '');
        const column = matchesCurrent ? 'email_change_token_current' : 'email_change_token_new';
        await setUserColumns(tx, user.id, { email_change_confirm_status: 1, [column]: '' });
        await clearOneTimeTokens(tx, user.id, [column]);
        return { singleConfirmation: true };
      }
      return { user: await applyEmailChange(tx, user, user.email_change ?? ''), method };
    }
  }
}

/** GoTrue's ConfirmEmailChange: the new address replaces the old one in the user and its email identity. */
export async function applyEmailChange(tx: Db, user: UserRow, newEmail: string): Promise<UserRow> {
  if (newEmail === '') throw new AuthError(422, 'validation_failed', 'No email change is pending');
  const updated = await tx`
    update auth.identities
    set identity_data = identity_data || ${jsonb(tx, { email: newEmail, email_verified: true })}, updated_at = now()
    where user_id = ${user.id} and provider = 'email'`;
  if (updated.count === 0) await insertEmailIdentity(tx, user.id, newEmail, true);
  let current = await setUserColumns(tx, user.id, {
    email: newEmail,
    email_change: '',
    email_change_token_current: '',
    email_change_token_new: '',
    email_change_confirm_status: 0,
    is_anonymous: false,
  });
  await clearOneTimeTokens(tx, user.id);
  if (!current.email_confirmed_at) current = await confirmUser(tx, current);
  return syncProviders(tx, current);
}
