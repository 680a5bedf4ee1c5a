import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import type { AuthContext } from '../context.ts';
import { isUniqueViolation, transaction } from '../db.ts';
import { badRequest, notFound } from '../errors.ts';
import { downgradeSessions, loadOwnFactor } from '../factors.ts';
import { assertPasswordAcceptable, assertPasswordLength, hashPassword, randomPassword } from '../passwords.ts';
import { fullUserJson } from '../tokens.ts';
import { requireAdmin } from '../request-auth.ts';
import { logout } from '../sessions.ts';
import {
  deleteUser,
  emailTaken,
  findUserById,
  countUsers,
  factorsOf,
  factorsOfUsers,
  identitiesOfUsers,
  insertUserWithEmailIdentity,
  listUsers,
  mergeMetadata,
  softDeleteUser,
  updateUser,
  type UserChanges,
} from '../users.ts';
import { factorJson, userJson, type UserRow } from '../user-json.ts';
import { adminDeleteBody, adminFactorUpdateBody, adminUserBody, parseJsonBody, parseUuid, validateEmail } from '../validation.ts';
import { emailExists } from './user.ts';

const DEFAULT_PER_PAGE = 50;
const BCRYPT_PASSWORD_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

const GO_DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `ban_duration` uses Go's time.ParseDuration syntax ("24h", "1h30m"); "none" lifts a ban. */
function banUntil(duration: string): Date | null {
  if (duration === 'none') return null;
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== duration) {
    throw badRequest('validation_failed', `invalid format for ban duration: time: invalid duration "${duration}"`);
  }
  const milliseconds = parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * GO_DURATION_UNITS[unit], 0);
  return new Date(Date.now() + milliseconds);
}

async function userResponse(ctx: AuthContext, user: UserRow): Promise<HttpResponse> {
  return json(200, await fullUserJson(ctx.sql, user));
}

async function loadUser(ctx: AuthContext, rawId: string): Promise<UserRow> {
  const id = parseUuid(rawId);
  if (!id) throw notFound('validation_failed', 'user_id must be an UUID');
  const user = await findUserById(ctx.sql, id);
  if (!user) throw notFound('user_not_found', 'User not found');
  return user;
}

const UINT64_MAX = 2n ** 64n - 1n;
/** Offsets past PostgreSQL's bigint would fail in SQL; such pages are empty anyway. */
const BIGINT_MAX = 2n ** 63n - 1n;

/** GoTrue's paginate: strconv.ParseUint, so the same error texts for junk and out-of-range values. */
function pageParameter(raw: string | null, fallback: bigint): bigint {
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw badRequest('validation_failed', `Bad Pagination Parameters: strconv.ParseUint: parsing ${JSON.stringify(raw)}: invalid syntax`);
  const value = BigInt(raw);
  if (value > UINT64_MAX) {
    throw badRequest('validation_failed', `Bad Pagination Parameters: strconv.ParseUint: parsing ${JSON.stringify(raw)}: value out of range`);
  }
  return value === 0n ? fallback : value;
}

/** GET /admin/users?page=&per_page= → {users, aud} plus X-Total-Count and Link, as GoTrue paginates. */
export async function adminListUsers(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  await requireAdmin(ctx, request);
  const query = new URLSearchParams(request.query);
  const page = pageParameter(query.get('page'), 1n);
  const perPage = pageParameter(query.get('per_page'), BigInt(DEFAULT_PER_PAGE));
  const beyond = (page - 1n) * perPage > BIGINT_MAX || perPage > BIGINT_MAX;
  const { users, total } = beyond ? { users: [], total: await countUsers(ctx.sql) } : await listUsers(ctx.sql, page, perPage);
  const ids = users.map((user) => user.id);
  const [identities, factors] = await Promise.all([identitiesOfUsers(ctx.sql, ids), factorsOfUsers(ctx.sql, ids)]);
  const lastPage = (BigInt(total) + perPage - 1n) / perPage;
  // supabase-js reads the page number right after the first "=", so `page` must come first.
  const link = (target: bigint, rel: string) => `<${ctx.config.externalUrl}/admin/users?page=${target}&per_page=${perPage}>; rel="${rel}"`;
  const links = [...(page < lastPage ? [link(page + 1n, 'next')] : []), link(lastPage, 'last')];
  return json(
    200,
    { users: users.map((user) => userJson(user, identities.get(user.id) ?? [], factors.get(user.id) ?? [])), aud: 'authenticated' },
    { 'x-total-count': String(total), link: links.join(', ') },
  );
}

/** POST /admin/users: never sends mail; `email_confirm` decides whether the address counts as confirmed. */
export async function adminCreateUser(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  await requireAdmin(ctx, request);
  const body = parseJsonBody(request.body, adminUserBody);
  if (!body.email && !body.phone) {
    throw badRequest('validation_failed', 'Cannot create a user without either an email or phone');
  }
  if (body.phone) throw unprocessablePhone();
  const email = validateEmail(body.email ?? '');
  if (body.password && body.password_hash) {
    throw badRequest('validation_failed', 'Only a password or a password hash should be provided');
  }
  let id: string | undefined;
  if (body.id) {
    const parsed = parseUuid(body.id);
    if (!parsed) throw badRequest('validation_failed', 'ID must conform to the uuid v4 format');
    if (parsed === '00000000-0000-0000-0000-000000000000') throw badRequest('validation_failed', 'ID cannot be a nil uuid');
    id = parsed;
  }
  let encryptedPassword: string;
  if (body.password_hash) {
    if (!BCRYPT_PASSWORD_HASH.test(body.password_hash)) throw badRequest('validation_failed', 'Invalid password hash format');
    encryptedPassword = body.password_hash;
  } else {
    // GoTrue applies only bcrypt's length limit here, not the strength policy; no password → an unusable random one.
    const password = body.password || randomPassword();
    assertPasswordLength(password);
    encryptedPassword = await hashPassword(password);
  }
  const bannedUntil = body.ban_duration ? banUntil(body.ban_duration) : undefined;
  const confirmed = body.email_confirm === true;

  try {
    const user = await transaction(ctx.sql, async (tx) => {
      if (await emailTaken(tx, email)) throw emailExists();
      const created = await insertUserWithEmailIdentity(tx, {
        id,
        email,
        encryptedPassword,
        confirmed,
        role: body.role || undefined,
        appMetadata: mergeMetadata({ provider: 'email', providers: ['email'] }, body.app_metadata ?? {}),
        userMetadata: { ...(body.user_metadata ?? {}), ...(confirmed ? { email_verified: true } : {}) },
      });
      return bannedUntil === undefined ? created : updateUser(tx, created.id, { bannedUntil });
    });
    return userResponse(ctx, user);
  } catch (error) {
    if (isUniqueViolation(error)) throw id ? badRequest('validation_failed', 'A user with this ID already exists') : emailExists();
    throw error;
  }
}

function unprocessablePhone() {
  return badRequest('phone_provider_disabled', 'Phone logins are disabled');
}

/** GET /admin/users/<id> */
export async function adminGetUser(ctx: AuthContext, request: HttpRequest, userId: string): Promise<HttpResponse> {
  await requireAdmin(ctx, request);
  return userResponse(ctx, await loadUser(ctx, userId));
}

/** PUT /admin/users/<id>: metadata is merged (null removes a key); a new password ends all sessions. */
export async function adminUpdateUser(ctx: AuthContext, request: HttpRequest, userId: string): Promise<HttpResponse> {
  await requireAdmin(ctx, request);
  const user = await loadUser(ctx, userId);
  const body = parseJsonBody(request.body, adminUserBody);
  if (body.phone) throw unprocessablePhone();
  const email = body.email ? validateEmail(body.email) : undefined;
  let encryptedPassword: string | undefined;
  if (body.password !== undefined && body.password !== null) {
    assertPasswordAcceptable(ctx.config.password, body.password);
    encryptedPassword = await hashPassword(body.password);
  }
  const bannedUntil = body.ban_duration ? banUntil(body.ban_duration) : undefined;

  try {
    const updated = await transaction(ctx.sql, async (tx) => {
      const current = await findUserById(tx, user.id, { forUpdate: true });
      if (!current) throw notFound('user_not_found', 'User not found');
      const changes: UserChanges = { bannedUntil, encryptedPassword, role: body.role || undefined };
      if (body.email_confirm) {
        changes.confirmEmail = true;
        changes.userMetadata = mergeMetadata(current.raw_user_meta_data, { email_verified: true });
      }
      if (email !== undefined && email !== current.email) {
        if (await emailTaken(tx, email, user.id)) throw emailExists();
        changes.email = email;
        changes.emailConfirmed = body.email_confirm === true;
      }
      if (body.app_metadata) changes.appMetadata = mergeMetadata(current.raw_app_meta_data, body.app_metadata);
      if (body.user_metadata) {
        changes.userMetadata = mergeMetadata(changes.userMetadata ?? current.raw_user_meta_data, body.user_metadata);
      }
      const row = await updateUser(tx, user.id, changes);
      if (encryptedPassword !== undefined) await logout(tx, user.id, null, 'global');
      return row;
    });
    return userResponse(ctx, updated);
  } catch (error) {
    if (isUniqueViolation(error)) throw emailExists();
    throw error;
  }
}

/** DELETE /admin/users/<id> → 200 {}; sessions, refresh tokens and identities go by cascade. */
export async function adminDeleteUser(ctx: AuthContext, request: HttpRequest, userId: string): Promise<HttpResponse> {
  await requireAdmin(ctx, request);
  const user = await loadUser(ctx, userId);
  const body = request.body.length > 0 ? parseJsonBody(request.body, adminDeleteBody) : {};
  await transaction(ctx.sql, (tx) => (body.should_soft_delete ? softDeleteUser(tx, user.id) : deleteUser(tx, user.id)));
  return json(200, {});
}

/** GET /admin/users/<id>/factors */
export async function adminListFactors(ctx: AuthContext, request: HttpRequest, userId: string): Promise<HttpResponse> {
  await requireAdmin(ctx, request);
  const user = await loadUser(ctx, userId);
  return json(200, (await factorsOf(ctx.sql, user.id)).map(factorJson));
}

/** DELETE /admin/users/<id>/factors/<factor id>: answers the deleted factor; its sessions drop to AAL1. */
export async function adminDeleteFactor(ctx: AuthContext, request: HttpRequest, userId: string, factorId: string): Promise<HttpResponse> {
  await requireAdmin(ctx, request);
  const user = await loadUser(ctx, userId);
  const factor = await loadOwnFactor(ctx.sql, user.id, factorId);
  await transaction(ctx.sql, async (tx) => {
    await downgradeSessions(tx, factor);
    await tx`delete from auth.mfa_factors where id = ${factor.id}`;
  });
  return json(200, factorJson(factor));
}

/** PUT /admin/users/<id>/factors/<factor id>: renames a factor. */
export async function adminUpdateFactor(ctx: AuthContext, request: HttpRequest, userId: string, factorId: string): Promise<HttpResponse> {
  await requireAdmin(ctx, request);
  const user = await loadUser(ctx, userId);
  const factor = await loadOwnFactor(ctx.sql, user.id, factorId);
  const body = parseJsonBody(request.body, adminFactorUpdateBody);
  if (!body.friendly_name) return json(200, factorJson(factor));
  try {
    const [updated] = await ctx.sql<typeof factor[]>`
      update auth.mfa_factors set friendly_name = ${body.friendly_name}, updated_at = now() where id = ${factor.id}
      returning id, user_id, friendly_name, factor_type::text as factor_type, status::text as status, created_at, updated_at,
        phone, last_challenged_at, secret`;
    return json(200, factorJson(updated));
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw badRequest('mfa_factor_name_conflict', `A factor with the friendly name "${body.friendly_name}" for this user already exists`);
    }
    throw error;
  }
}
