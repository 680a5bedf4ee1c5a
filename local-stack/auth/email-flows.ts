import type { AuthContext } from './context.ts';
import type { Db } from './db.ts';
import { generateOtp, recordOneTimeToken, tokenHash, withFlowPrefix } from './email-tokens.ts';
import type { LinkType } from './mailer.ts';
import { setUserColumns, type TokenColumn } from './users.ts';
import type { UserRow } from './user-json.ts';

export interface LinkOptions {
  /** The request started a PKCE flow: links answer with `?code=` and tokens carry the `pkce_` prefix. */
  pkce: boolean;
  redirectTo: string;
}

/**
 * Sends one email link of `type` and stores its token hash where GoTrue keeps it (the users column and
 * auth.one_time_tokens). The mail goes first, as in GoTrue: a refused send (rate limit) changes nothing.
 */
async function sendLink(
  ctx: AuthContext,
  tx: Db,
  user: UserRow,
  type: LinkType,
  column: TokenColumn,
  sentAtColumn: string,
  options: LinkOptions,
  extra: Record<string, unknown> = {},
): Promise<UserRow> {
  const email = user.email ?? '';
  const otp = generateOtp(ctx.config.email.otpLength);
  const hash = withFlowPrefix(tokenHash(email, otp), options.pkce);
  ctx.mailer.sendLink({ type, to: email, tokenHash: hash, otp, redirectTo: options.redirectTo });
  const row = await setUserColumns(tx, user.id, { [column]: hash, [sentAtColumn]: new Date(), ...extra });
  await recordOneTimeToken(tx, user.id, column, hash, email);
  return row;
}

export async function sendConfirmation(ctx: AuthContext, tx: Db, user: UserRow, options: LinkOptions): Promise<UserRow> {
  ctx.mailer.assertFrequency(user.confirmation_sent_at);
  return sendLink(ctx, tx, user, 'signup', 'confirmation_token', 'confirmation_sent_at', options);
}

/** Invitations are not frequency-limited (GoTrue's sendInvite). */
export async function sendInvite(ctx: AuthContext, tx: Db, user: UserRow, redirectTo: string): Promise<UserRow> {
  return sendLink(ctx, tx, user, 'invite', 'confirmation_token', 'confirmation_sent_at', { pkce: false, redirectTo }, { invited_at: new Date() });
}

export async function sendRecovery(ctx: AuthContext, tx: Db, user: UserRow, options: LinkOptions): Promise<UserRow> {
  ctx.mailer.assertFrequency(user.recovery_sent_at);
  return sendLink(ctx, tx, user, 'recovery', 'recovery_token', 'recovery_sent_at', options);
}

/** A magic link is a recovery token with another template, so it shares the recovery timer. */
export async function sendMagicLink(ctx: AuthContext, tx: Db, user: UserRow, options: LinkOptions): Promise<UserRow> {
  ctx.mailer.assertFrequency(user.recovery_sent_at);
  return sendLink(ctx, tx, user, 'magiclink', 'recovery_token', 'recovery_sent_at', options);
}

/**
 * GoTrue's sendEmailChange: a link to the new address, and with secure email change (`double_confirm_changes`)
 * one to the current address too; each carries its own code.
 */
export async function sendEmailChange(ctx: AuthContext, tx: Db, user: UserRow, newEmail: string, options: LinkOptions): Promise<UserRow> {
  ctx.mailer.assertFrequency(user.email_change_sent_at);
  const otpNew = generateOtp(ctx.config.email.otpLength);
  const hashNew = withFlowPrefix(tokenHash(newEmail, otpNew), options.pkce);
  const current = ctx.config.email.secureEmailChange && user.email ? user.email : null;
  const otpCurrent = current ? generateOtp(ctx.config.email.otpLength) : '';
  const hashCurrent = current ? withFlowPrefix(tokenHash(current, otpCurrent), options.pkce) : '';
  const common = { type: 'email_change' as const, redirectTo: options.redirectTo, newEmail, currentEmail: user.email ?? '' };
  ctx.mailer.sendLink({ ...common, to: newEmail, tokenHash: hashNew, otp: otpNew });
  if (current) ctx.mailer.sendLink({ ...common, to: current, tokenHash: hashCurrent, otp: otpCurrent });
  const row = await setUserColumns(tx, user.id, {
    email_change: newEmail,
    email_change_token_new: hashNew,
    email_change_token_current: hashCurrent,
    email_change_confirm_status: 0,
    email_change_sent_at: new Date(),
  });
  await recordOneTimeToken(tx, user.id, 'email_change_token_new', hashNew, newEmail);
  if (current) await recordOneTimeToken(tx, user.id, 'email_change_token_current', hashCurrent, current);
  return row;
}

/** A code (no link) that PUT /user accepts as `nonce` for a password change. */
export async function sendReauthentication(ctx: AuthContext, tx: Db, user: UserRow): Promise<UserRow> {
  ctx.mailer.assertFrequency(user.reauthentication_sent_at);
  const email = user.email ?? '';
  const otp = generateOtp(ctx.config.email.otpLength);
  const hash = tokenHash(email, otp);
  ctx.mailer.sendReauthentication(email, otp);
  const row = await setUserColumns(tx, user.id, { reauthentication_token: hash, reauthentication_sent_at: new Date() });
  await recordOneTimeToken(tx, user.id, 'reauthentication_token', hash, email);
  return row;
}
