import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import type { AuthContext } from '../context.ts';
import { transaction } from '../db.ts';
import { sendInvite } from '../email-flows.ts';
import { generateOtp, recordOneTimeToken, tokenHash } from '../email-tokens.ts';
import { badRequest, notFound, unprocessable } from '../errors.ts';
import type { LinkType } from '../mailer.ts';
import { assertPasswordAcceptable, hashPassword, randomPassword } from '../passwords.ts';
import { isRedirectUrlValid, referrer } from '../redirect-urls.ts';
import { requireAdmin } from '../request-auth.ts';
import { fullUserJson } from '../tokens.ts';
import { emailTaken, findUserByEmail, findUserById, insertPendingEmailUser, mergeMetadata, setUserColumns } from '../users.ts';
import type { UserRow } from '../user-json.ts';
import { generateLinkBody, inviteBody, parseJsonBody, validateEmail } from '../validation.ts';
import { emailExists } from './user.ts';

/** POST /invite (service role): creates the user if needed and mails an invitation link. */
export async function invite(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  await requireAdmin(ctx, request);
  const body = parseJsonBody(request.body, inviteBody);
  const email = validateEmail(body.email ?? '');
  const existing = await findUserByEmail(ctx.sql, email);
  const user = await transaction(ctx.sql, async (tx) => {
    let target = existing ? await findUserById(tx, existing.id, { forUpdate: true }) : null;
    if (target?.email_confirmed_at) throw emailExists();
    target ??= await insertPendingEmailUser(tx, email, body.data ?? {});
    return sendInvite(ctx, tx, target, referrer(ctx.config, request));
  });
  return json(200, await fullUserJson(ctx.sql, user));
}

const GENERATE_LINK_TYPES = ['signup', 'invite', 'magiclink', 'recovery', 'email_change_current', 'email_change_new'] as const;
type GenerateLinkType = (typeof GENERATE_LINK_TYPES)[number];

/**
 * POST /admin/generate_link (service role): the link and code a mail would carry, without sending it
 * (GoTrue's adminGenerateLink). Unknown addresses are signed up for `signup`, `invite` and `magiclink`.
 */
export async function generateLink(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  await requireAdmin(ctx, request);
  const body = parseJsonBody(request.body, generateLinkBody);
  const email = validateEmail(body.email ?? '');
  let type = (body.type ?? '') as GenerateLinkType;
  const redirectTo = body.redirect_to && isRedirectUrlValid(ctx.config, body.redirect_to) ? body.redirect_to : referrer(ctx.config, request);
  const existing = await findUserByEmail(ctx.sql, email);
  let password = body.password ?? '';
  if (!existing) {
    if (type === 'magiclink') {
      type = 'signup';
      password = randomPassword();
    } else if (type === 'recovery' || type === 'email_change_current' || type === 'email_change_new') {
      throw notFound('user_not_found', 'User with this email not found');
    }
  }
  if (!GENERATE_LINK_TYPES.includes(type)) {
    throw badRequest('validation_failed', `Invalid email action link type requested: ${body.type ?? ''}`);
  }
  if (type === 'signup' && !existing) {
    if (password === '') throw badRequest('validation_failed', 'Signup requires a valid password');
    assertPasswordAcceptable(ctx.config.password, password);
  }
  const encryptedPassword = type === 'signup' && !existing ? await hashPassword(password) : '';
  const otp = generateOtp(ctx.config.email.otpLength);
  const hashed = tokenHash(email, otp);

  const { user, link } = await transaction(ctx.sql, async (tx) => {
    let user: UserRow | null = existing ? await findUserById(tx, existing.id, { forUpdate: true }) : null;
    const now = new Date();
    let linkType: LinkType;
    let linkToken = hashed;
    switch (type) {
      case 'magiclink':
      case 'recovery':
        user = await setUserColumns(tx, user!.id, { recovery_token: hashed, recovery_sent_at: now });
        await recordOneTimeToken(tx, user.id, 'recovery_token', hashed, email);
        linkType = type;
        break;
      case 'invite':
      case 'signup':
        if (user?.email_confirmed_at) throw emailExists();
        if (user && type === 'signup' && body.data) {
          user = await setUserColumns(tx, user.id, { raw_user_meta_data: mergeMetadata(user.raw_user_meta_data, body.data) });
        }
        user ??= await insertPendingEmailUser(tx, email, body.data ?? {}, encryptedPassword);
        user = await setUserColumns(tx, user.id, {
          confirmation_token: hashed,
          confirmation_sent_at: now,
          ...(type === 'invite' ? { invited_at: now } : {}),
        });
        await recordOneTimeToken(tx, user.id, 'confirmation_token', hashed, email);
        linkType = type;
        break;
      case 'email_change_current':
      case 'email_change_new': {
        if (type === 'email_change_current' && !ctx.config.email.secureEmailChange) {
          throw badRequest('validation_failed', 'Enable secure email change to generate link for current email');
        }
        const newEmail = validateEmail(body.new_email ?? '');
        if (await emailTaken(tx, newEmail, user!.id)) throw unprocessable('email_exists', 'A user with this email address has already been registered');
        linkToken = type === 'email_change_current' ? hashed : tokenHash(newEmail, otp);
        const column = type === 'email_change_current' ? 'email_change_token_current' : 'email_change_token_new';
        user = await setUserColumns(tx, user!.id, {
          email_change: newEmail,
          email_change_sent_at: now,
          email_change_confirm_status: 0,
          [column]: linkToken,
        });
        await recordOneTimeToken(tx, user.id, column, linkToken, type === 'email_change_current' ? email : newEmail);
        linkType = 'email_change';
        break;
      }
    }
    return { user, link: ctx.mailer.actionLink(linkType, linkToken, redirectTo) };
  });
  return json(200, {
    ...(await fullUserJson(ctx.sql, user)),
    action_link: link,
    email_otp: otp,
    hashed_token: hashed,
    verification_type: type,
    redirect_to: redirectTo,
  });
}
