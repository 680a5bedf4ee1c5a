import { randomUUID } from 'node:crypto';
import { jsonb, NIL_UUID, type Db } from './db.ts';
import type { IdentityRow, UserRow } from './user-json.ts';
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
  email: string;
  encryptedPassword: string;
  confirmed: boolean;
  role?: string;
  appMetadata: Metadata;
  userMetadata: Metadata;
}

/** Inserts a user with its `email` identity, as GoTrue's signup and admin create do. */
export async function insertUserWithEmailIdentity(tx: Db, user: NewUser): Promise<UserRow> {
  const id = user.id ?? randomUUID();
  const [row] = await tx<UserRow[]>`
    insert into auth.users (
      instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
      raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
      confirmation_token, recovery_token, email_change_token_new, email_change
    ) values (
      ${NIL_UUID}, ${id}, 'authenticated', ${user.role ?? 'authenticated'}, ${user.email}, ${user.encryptedPassword},
      ${user.confirmed ? tx`now()` : null}, ${jsonb(tx, user.appMetadata)}, ${jsonb(tx, user.userMetadata)}, now(), now(),
      '', '', '', ''
    )
    returning ${tx(USER_COLUMNS)}`;
  await insertEmailIdentity(tx, id, user.email, user.confirmed);
  return row;
}

export async function insertEmailIdentity(tx: Db, userId: string, email: string, verified: boolean): Promise<void> {
  const identityData = { sub: userId, email, email_verified: verified, phone_verified: false };
  await tx`
    insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
    values (${userId}, ${userId}, ${jsonb(tx, identityData)}, 'email', now(), now())`;
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

export async function listUsers(db: Db, page: number, perPage: number): Promise<{ users: UserRow[]; total: number }> {
  const [{ total }] = await db<{ total: number }[]>`
    select count(*)::int as total from auth.users where coalesce(aud, 'authenticated') = 'authenticated'`;
  const users = await db<UserRow[]>`
    select ${db(USER_COLUMNS)} from auth.users
    where coalesce(aud, 'authenticated') = 'authenticated'
    order by created_at desc nulls last, id
    limit ${perPage} offset ${(page - 1) * perPage}`;
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
