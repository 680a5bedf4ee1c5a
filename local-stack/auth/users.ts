import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { jsonb, NIL_UUID, type Db } from './db.ts';
import type { FactorRow, IdentityRow, UserRow } from './user-json.ts';
import type { Metadata } from './validation.ts';

const USER_COLUMNS = [
  'id',
  'aud',
  'role',
  'email',
  'phone',
  'encrypted_password',
  'email_confirmed_at',
  'invited_at',
  'phone_confirmed_at',
  'confirmation_sent_at',
  'confirmed_at',
  'recovery_sent_at',
  'email_change',
  'email_change_sent_at',
  'phone_change',
  'phone_change_sent_at',
  'reauthentication_sent_at',
  'last_sign_in_at',
  'raw_app_meta_data',
  'raw_user_meta_data',
  'created_at',
  'updated_at',
  'banned_until',
  'deleted_at',
  'is_anonymous',
  'is_sso_user',
  'confirmation_token',
  'recovery_token',
  'email_change_token_new',
  'email_change_token_current',
  'email_change_confirm_status',
  'reauthentication_token',
] as const;

const FACTOR_COLUMNS = [
  'id',
  'user_id',
  'friendly_name',
  'factor_type',
  'status',
  'created_at',
  'updated_at',
  'phone',
  'last_challenged_at',
] as const;

const IDENTITY_COLUMNS = [
  'id',
  'provider_id',
  'user_id',
  'identity_data',
  'provider',
  'last_sign_in_at',
  'created_at',
  'updated_at',
  'email',
] as const;

/** The user columns as an SQL fragment, for queries written elsewhere in the Auth API. */
export const USER_COLUMNS_SQL = (db: Db) => db(USER_COLUMNS);

export async function findUserById(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<UserRow | null> {
  const [user] = options.forUpdate
    ? await db<UserRow[]>`select ${db(USER_COLUMNS)} from auth.users where id = ${id} for update`
    : await db<UserRow[]>`select ${db(USER_COLUMNS)} from auth.users where id = ${id}`;
  return user ?? null;
}

/**
 * The password sign-in lookup (GoTrue's FindUserByEmailAndAudience). NULL instance_id and aud are
 * accepted as the defaults so that users inserted by hand-written SQL seeds can sign in.
 */
export async function findUserByEmail(db: Db, email: string): Promise<UserRow | null> {
  const [user] = await db<UserRow[]>`
    select ${db(USER_COLUMNS)} from auth.users
    where lower(email) = ${email.toLowerCase()}
      and coalesce(aud, 'authenticated') = 'authenticated'
      and coalesce(instance_id, ${NIL_UUID}::uuid) = ${NIL_UUID}::uuid
      and is_sso_user = false
    order by created_at nulls last
    limit 1`;
  return user ?? null;
}

export async function emailTaken(db: Db, email: string, exceptUserId?: string): Promise<boolean> {
  const [row] = await db<{ taken: boolean }[]>`
    select exists (
      select 1 from auth.users
      where lower(email) = ${email.toLowerCase()} and is_sso_user = false
        and id is distinct from ${exceptUserId ?? null}::uuid
    ) as taken`;
  return row.taken;
}

export interface NewUser {
  id?: string;
  /** Absent for anonymous users. */
  email?: string;
  /** '' for users without a password (invited, anonymous). */
  encryptedPassword: string;
  confirmed: boolean;
  role?: string;
  appMetadata: Metadata;
  userMetadata: Metadata;
  isAnonymous?: boolean;
  /** Extra claims stored in the email identity (GoTrue copies sign-up data there). */
  identityData?: Metadata;
}

/** Inserts a user and, when it has an address, its `email` identity, as GoTrue's signup and admin create do. */
export async function insertUserWithEmailIdentity(tx: Db, user: NewUser): Promise<UserRow> {
  const id = user.id ?? randomUUID();
  const [row] = await tx<UserRow[]>`
    insert into auth.users (
      instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
      raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous,
      confirmation_token, recovery_token, email_change_token_new, email_change
    ) values (
      ${NIL_UUID}, ${id}, 'authenticated', ${user.role ?? 'authenticated'}, ${user.email ?? null}, ${user.encryptedPassword},
      ${user.confirmed ? tx`now()` : null}, ${jsonb(tx, user.appMetadata)}, ${jsonb(tx, user.userMetadata)}, now(), now(),
      ${user.isAnonymous ?? false}, '', '', '', ''
    )
    returning ${tx(USER_COLUMNS)}`;
  if (user.email) await insertEmailIdentity(tx, id, user.email, user.confirmed, user.identityData);
  return row;
}

/**
 * An unconfirmed email user (sign-up, magic link, invitation): hosted Supabase copies the email identity's
 * claims into user_metadata. `encryptedPassword` is empty for users who have none yet.
 */
export async function insertPendingEmailUser(tx: Db, email: string, data: Metadata, encryptedPassword = ''): Promise<UserRow> {
  const id = randomUUID();
  return insertUserWithEmailIdentity(tx, {
    id,
    email,
    encryptedPassword,
    confirmed: false,
    appMetadata: { provider: 'email', providers: ['email'] },
    userMetadata: { ...data, sub: id, email, email_verified: false, phone_verified: false },
    identityData: data,
  });
}

export async function insertEmailIdentity(tx: Db, userId: string, email: string, verified: boolean, extra: Metadata = {}): Promise<void> {
  const identityData = { ...extra, sub: userId, email, email_verified: verified, phone_verified: false };
  await tx`
    insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
    values (${userId}, ${userId}, ${jsonb(tx, identityData)}, 'email', now(), now())`;
}

/** Verified and unverified factors, oldest first (GoTrue loads them with every user). */
export async function factorsOf(db: Db, userId: string): Promise<FactorRow[]> {
  return db<FactorRow[]>`
    select ${db(FACTOR_COLUMNS)}, factor_type::text as factor_type, status::text as status
    from auth.mfa_factors where user_id = ${userId} order by created_at, id`;
}

export async function factorsOfUsers(db: Db, userIds: string[]): Promise<Map<string, FactorRow[]>> {
  const byUser = new Map<string, FactorRow[]>();
  if (userIds.length === 0) return byUser;
  const rows = await db<FactorRow[]>`
    select ${db(FACTOR_COLUMNS)}, factor_type::text as factor_type, status::text as status
    from auth.mfa_factors where user_id = any(${userIds}::uuid[]) order by created_at, id`;
  for (const row of rows) byUser.set(row.user_id, [...(byUser.get(row.user_id) ?? []), row]);
  return byUser;
}

/** The columns that hold an email link's token hash, by GoTrue's verification type. */
export type TokenColumn =
  | 'confirmation_token'
  | 'recovery_token'
  | 'email_change_token_new'
  | 'email_change_token_current'
  | 'reauthentication_token';

/** Users whose token column holds this hash (with or without the PKCE prefix the link may lack). */
export async function findUserByToken(db: Db, columns: TokenColumn[], tokenHash: string): Promise<UserRow | null> {
  if (tokenHash === '') return null;
  const candidates = [tokenHash, tokenHash.startsWith('pkce_') ? tokenHash : `pkce_${tokenHash}`];
  const has = (column: TokenColumn) => columns.includes(column);
  const [user] = await db<UserRow[]>`
    select ${db(USER_COLUMNS)} from auth.users
    where (${has('confirmation_token')} and confirmation_token = any(${candidates}))
       or (${has('recovery_token')} and recovery_token = any(${candidates}))
       or (${has('email_change_token_new')} and email_change_token_new = any(${candidates}))
       or (${has('email_change_token_current')} and email_change_token_current = any(${candidates}))
       or (${has('reauthentication_token')} and reauthentication_token = any(${candidates}))
    limit 1
    for update`;
  return user ?? null;
}

/** Sets any auth.users columns (names from this module's callers only) and bumps updated_at. */
export async function setUserColumns(tx: Db, userId: string, values: Record<string, unknown>): Promise<UserRow> {
  const parameters = Object.fromEntries(
    Object.entries(values).map(([column, value]) => [
      column,
      value !== null && typeof value === 'object' && !(value instanceof Date) ? jsonb(tx, value as Metadata) : value,
    ]),
  );
  const [row] = await tx<UserRow[]>`
    update auth.users set ${tx(parameters as Record<string, postgres.ParameterOrJSON<never>>)}, updated_at = now()
    where id = ${userId} returning ${tx(USER_COLUMNS)}`;
  return row;
}

/** GoTrue's User.Confirm: the address counts as verified from now on, in the user and its identity. */
export async function confirmUser(tx: Db, user: UserRow): Promise<UserRow> {
  await tx`
    update auth.identities
    set identity_data = identity_data || '{"email_verified": true}'::jsonb, updated_at = now()
    where user_id = ${user.id} and provider = 'email'`;
  await tx`delete from auth.one_time_tokens where user_id = ${user.id}`;
  return setUserColumns(tx, user.id, {
    confirmation_token: '',
    email_confirmed_at: user.email_confirmed_at ?? new Date(),
    raw_user_meta_data: mergeMetadata(user.raw_user_meta_data, { email_verified: true }),
  });
}

/** app_metadata.providers follows the user's identities (GoTrue's UpdateAppMetaDataProviders). */
export async function syncProviders(tx: Db, user: UserRow): Promise<UserRow> {
  const rows = await tx<{ provider: string }[]>`
    select provider from auth.identities where user_id = ${user.id} group by provider order by min(created_at), provider`;
  if (rows.length === 0) return user;
  const providers = rows.map((row) => row.provider);
  const current = user.raw_app_meta_data ?? {};
  const provider = typeof current.provider === 'string' && providers.includes(current.provider) ? current.provider : providers[0];
  return setUserColumns(tx, user.id, { raw_app_meta_data: { ...current, provider, providers } });
}

export async function identitiesOf(db: Db, userId: string): Promise<IdentityRow[]> {
  return db<IdentityRow[]>`
    select ${db(IDENTITY_COLUMNS)} from auth.identities where user_id = ${userId} order by created_at, id`;
}

export async function recordSignIn(tx: Db, userId: string): Promise<UserRow> {
  await tx`update auth.identities set last_sign_in_at = now() where user_id = ${userId} and provider = 'email'`;
  const [row] = await tx<UserRow[]>`
    update auth.users set last_sign_in_at = now(), updated_at = now() where id = ${userId}
    returning ${tx(USER_COLUMNS)}`;
  return row;
}

export interface UserChanges {
  email?: string;
  /** With `email`: whether the new address counts as verified. */
  emailConfirmed?: boolean;
  encryptedPassword?: string;
  confirmEmail?: boolean;
  role?: string;
  appMetadata?: Metadata;
  userMetadata?: Metadata;
  bannedUntil?: Date | null;
}

/** Applies the changes, keeping the email identity in step with the user's address. */
export async function updateUser(tx: Db, userId: string, changes: UserChanges): Promise<UserRow> {
  if (changes.email !== undefined) {
    await tx`update auth.users set email = ${changes.email}, email_change = '' where id = ${userId}`;
    const verified = changes.emailConfirmed ?? false;
    const updated = await tx`
      update auth.identities
      set identity_data = identity_data || ${jsonb(tx, { email: changes.email, email_verified: verified })}, updated_at = now()
      where user_id = ${userId} and provider = 'email'`;
    if (updated.count === 0) await insertEmailIdentity(tx, userId, changes.email, verified);
  }
  if (changes.encryptedPassword !== undefined) {
    await tx`update auth.users set encrypted_password = ${changes.encryptedPassword} where id = ${userId}`;
  }
  if (changes.confirmEmail) {
    await tx`update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()) where id = ${userId}`;
  }
  if (changes.role !== undefined) await tx`update auth.users set role = ${changes.role} where id = ${userId}`;
  if (changes.appMetadata !== undefined) {
    await tx`update auth.users set raw_app_meta_data = ${jsonb(tx, changes.appMetadata)} where id = ${userId}`;
  }
  if (changes.userMetadata !== undefined) {
    await tx`update auth.users set raw_user_meta_data = ${jsonb(tx, changes.userMetadata)} where id = ${userId}`;
  }
  if (changes.bannedUntil !== undefined) {
    await tx`update auth.users set banned_until = ${changes.bannedUntil} where id = ${userId}`;
  }
  const [row] = await tx<UserRow[]>`
    update auth.users set updated_at = now() where id = ${userId} returning ${tx(USER_COLUMNS)}`;
  return row;
}

/**
 * GoTrue's metadata update: keys in `updates` replace existing ones, a `null` value removes the key,
 * everything else is kept.
 */
export function mergeMetadata(current: Metadata | null, updates: Metadata): Metadata {
  const merged: Metadata = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(updates)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

export async function countUsers(db: Db): Promise<number> {
  const [{ total }] = await db<{ total: number }[]>`
    select count(*)::int as total from auth.users where coalesce(aud, 'authenticated') = 'authenticated'`;
  return total;
}

export async function listUsers(db: Db, page: bigint, perPage: bigint): Promise<{ users: UserRow[]; total: number }> {
  const total = await countUsers(db);
  const users = await db<UserRow[]>`
    select ${db(USER_COLUMNS)} from auth.users
    where coalesce(aud, 'authenticated') = 'authenticated'
    order by created_at desc nulls last, id
    limit ${perPage.toString()} offset ${((page - 1n) * perPage).toString()}`;
  return { users, total };
}

export async function identitiesOfUsers(db: Db, userIds: string[]): Promise<Map<string, IdentityRow[]>> {
  const byUser = new Map<string, IdentityRow[]>();
  if (userIds.length === 0) return byUser;
  const rows = await db<IdentityRow[]>`
    select ${db(IDENTITY_COLUMNS)} from auth.identities where user_id = any(${userIds}::uuid[]) order by created_at, id`;
  for (const row of rows) byUser.set(row.user_id, [...(byUser.get(row.user_id) ?? []), row]);
  return byUser;
}

/** Hard delete: identities, sessions and refresh tokens go with the user through the foreign keys. */
export async function deleteUser(tx: Db, userId: string): Promise<void> {
  await tx`delete from auth.users where id = ${userId}`;
}

/**
 * GoTrue's soft delete: the row stays (so foreign keys from app tables hold) but can never sign in again:
 * credentials and metadata are wiped, identities and sessions removed.
 */
export async function softDeleteUser(tx: Db, userId: string): Promise<void> {
  await tx`delete from auth.identities where user_id = ${userId}`;
  await tx`delete from auth.sessions where user_id = ${userId}`;
  await tx`
    update auth.users set
      deleted_at = now(), updated_at = now(), email = null, phone = null, encrypted_password = '',
      raw_app_meta_data = '{}'::jsonb, raw_user_meta_data = '{}'::jsonb
    where id = ${userId} and deleted_at is null`;
}
