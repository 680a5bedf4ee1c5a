import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import type { AuthContext } from '../context.ts';
import { isUniqueViolation, transaction } from '../db.ts';
import { unprocessable } from '../errors.ts';
import { assertPasswordAcceptable, hashPassword, verifyPassword } from '../passwords.ts';
import { requireUser } from '../request-auth.ts';
import { logout } from '../sessions.ts';
import { emailTaken, findUserById, identitiesOf, mergeMetadata, updateUser, type UserChanges } from '../users.ts';
import { userJson } from '../user-json.ts';
import { parseJsonBody, userUpdateBody, validateEmail } from '../validation.ts';

export const emailExists = () =>
  unprocessable('email_exists', 'A user with this email address has already been registered');

/** GET /user */
export async function getUser(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const { user } = await requireUser(ctx, request);
  return json(200, userJson(user, await identitiesOf(ctx.sql, user.id)));
}

/** PUT /user: email (applied at once under autoconfirm), password, data (merged into user_metadata). */
export async function updateCurrentUser(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const { user, session } = await requireUser(ctx, request);
  const body = parseJsonBody(request.body, userUpdateBody);
  if (body.phone) throw unprocessable('phone_provider_disabled', 'Phone logins are disabled');

  let encryptedPassword: string | undefined;
  if (body.password !== undefined && body.password !== null) {
    assertPasswordAcceptable(body.password);
    if (await verifyPassword(body.password, user.encrypted_password)) {
      throw unprocessable('same_password', 'New password should be different from the old password.');
    }
    encryptedPassword = await hashPassword(body.password);
  }
  const email = body.email ? validateEmail(body.email) : undefined;

  try {
    const updated = await transaction(ctx.sql, async (tx) => {
      const current = await findUserById(tx, user.id, { forUpdate: true });
      if (!current) throw unprocessable('user_not_found', 'User not found');
      const changes: UserChanges = {};
      if (email !== undefined && email !== current.email) {
        if (await emailTaken(tx, email, user.id)) throw emailExists();
        changes.email = email;
        changes.emailConfirmed = true;
      }
      if (encryptedPassword !== undefined) changes.encryptedPassword = encryptedPassword;
      if (body.data) changes.userMetadata = mergeMetadata(current.raw_user_meta_data, body.data);
      const row = await updateUser(tx, user.id, changes);
      // As GoTrue: a new password signs out every other session (all of them for a token without one).
      if (encryptedPassword !== undefined) await logout(tx, user.id, session?.id ?? null, session ? 'others' : 'global');
      return row;
    });
    return json(200, userJson(updated, await identitiesOf(ctx.sql, user.id)));
  } catch (error) {
    if (isUniqueViolation(error)) throw emailExists();
    throw error;
  }
}
