import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';

/** Inserts a confirmed email user into auth.users the way Supabase seeds do; returns its id. */
export async function createAuthUser(sql: postgres.Sql, options: { id?: string; email?: string } = {}): Promise<string> {
  const id = options.id ?? randomUUID();
  const email = options.email ?? `user-${id.slice(0, 8)}@example.com`;
  await sql`
    insert into auth.users (
      instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
      confirmation_token, recovery_token, email_change_token_new, email_change,
      raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
    values (
      '00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', 'authenticated', ${email}, '', now(),
      '', '', '', '',
      '{"provider":"email","providers":["email"]}', '{}', now(), now())`;
  return id;
}
