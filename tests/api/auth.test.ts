import { randomUUID } from 'node:crypto';
import { AuthApiError, AuthWeakPasswordError, type SupabaseClient } from '@supabase/supabase-js';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { untypedClient } from '../support/users.ts';

let db: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

const anonClient = (): SupabaseClient => untypedClient(api);
const serviceClient = (): SupabaseClient => untypedClient(api, api.serviceRoleKey);
const newEmail = (label: string) => `${label}-${randomUUID().slice(0, 8)}@Example.com`;

/** A raw call to the Auth API, for statuses, headers and bodies supabase-js hides. */
async function authFetch(path: string, init: { method?: string; token?: string; body?: unknown; rawBody?: string; versioned?: boolean } = {}) {
  const headers: Record<string, string> = { apikey: api.anonKey, 'content-type': 'application/json' };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.versioned ?? true) headers['x-supabase-api-version'] = '2024-01-01';
  const response = await fetch(`${api.url}/auth/v1${path}`, {
    method: init.method ?? (init.body !== undefined || init.rawBody !== undefined ? 'POST' : 'GET'),
    headers,
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

async function signUp(label: string, password = 'correct-horse-1', data: Record<string, unknown> = {}) {
  const email = newEmail(label);
  const client = anonClient();
  const { data: result, error } = await client.auth.signUp({ email, password, options: { data } });
  expect(error).toBeNull();
  return { client, email: email.toLowerCase(), password, session: result.session!, user: result.user! };
}

async function signIn(email: string, password: string) {
  const client = anonClient();
  const { data, error } = await client.auth.signInWithPassword({ email, password });
  expect(error).toBeNull();
  return { client, session: data.session! };
}

describe('service endpoints', () => {
  it('answers /health and /settings like GoTrue with autoconfirm on', async () => {
    expect((await authFetch('/health')).body).toMatchObject({ name: 'GoTrue' });
    const settings = await authFetch('/settings');
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({ mailer_autoconfirm: true, disable_signup: false, external: { email: true, phone: false } });
  });

  it('answers unknown routes and bad JSON with GoTrue-shaped 4xx errors, never a 500', async () => {
    const missing = await authFetch('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'not_found' });
    const badJson = await authFetch('/signup', { rawBody: '{"email":' });
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatchObject({ code: 'bad_json' });
    const wrongType = await authFetch('/token?grant_type=password', { body: { email: 42, password: [] } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toMatchObject({ code: 'bad_json' });
  });

  it('uses the pre-2024 error shape without the API version header', async () => {
    const legacy = await authFetch('/token?grant_type=password', { body: { email: 'nobody@example.com', password: 'x' }, versioned: false });
    expect(legacy.status).toBe(400);
    expect(legacy.body).toEqual({ code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' });
    const versioned = await authFetch('/token?grant_type=password', { body: { email: 'nobody@example.com', password: 'x' } });
    expect(versioned.body).toEqual({ code: 'invalid_credentials', message: 'Invalid login credentials' });
    expect(versioned.headers.get('x-supabase-api-version')).toBe('2024-01-01');
  });
});

describe('sign-up', () => {
  it('confirms at once and returns a session with GoTrue claims and rows', async () => {
    const { session, user, email } = await signUp('signup', 'correct-horse-1', { display_name: 'Ada' });
    expect(session).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(session.expires_at).toBeGreaterThan(Date.now() / 1000 + 3500);
    expect(session.refresh_token).toEqual(expect.any(String));
    expect(user).toMatchObject({
      email,
      aud: 'authenticated',
      role: 'authenticated',
      app_metadata: { provider: 'email', providers: ['email'] },
      user_metadata: expect.objectContaining({ display_name: 'Ada', email_verified: true }),
      is_anonymous: false,
    });
    expect(user.email_confirmed_at).toEqual(expect.any(String));
    expect(user.identities).toEqual([expect.objectContaining({ provider: 'email', id: user.id, user_id: user.id })]);

    const claims = decodeJwt(session.access_token);
    expect(claims).toMatchObject({
      aud: 'authenticated',
      iss: `${api.url}/auth/v1`,
      sub: user.id,
      email,
      phone: '',
      app_metadata: { provider: 'email', providers: ['email'] },
      user_metadata: expect.objectContaining({ display_name: 'Ada' }),
      role: 'authenticated',
      aal: 'aal1',
      amr: [{ method: 'password', timestamp: expect.any(Number) }],
      session_id: expect.any(String),
      is_anonymous: false,
    });
    expect(claims.exp! - claims.iat!).toBe(3600);

    const [row] = await db.sql`
      select instance_id, aud, role, email, encrypted_password, email_confirmed_at, last_sign_in_at, raw_app_meta_data
      from auth.users where id = ${user.id}`;
    expect(row).toMatchObject({ instance_id: '00000000-0000-0000-0000-000000000000', aud: 'authenticated', role: 'authenticated', email });
    expect(row.encrypted_password).toMatch(/^\$2[ab]\$10\$/);
    expect(row.email_confirmed_at).toBeInstanceOf(Date);
    expect(row.last_sign_in_at).toBeInstanceOf(Date);
    const [identity] = await db.sql`select provider, provider_id, identity_data from auth.identities where user_id = ${user.id}`;
    expect(identity).toEqual({ provider: 'email', provider_id: user.id, identity_data: expect.objectContaining({ sub: user.id, email, email_verified: true }) });
    const [{ count }] = await db.sql`select count(*)::int as count from auth.sessions where user_id = ${user.id}`;
    expect(count).toBe(1);
  });

  it('refuses a duplicate email, whatever its case', async () => {
    const { email } = await signUp('dup');
    const { error } = await anonClient().auth.signUp({ email: email.toUpperCase(), password: 'another-pass-1' });
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error).toMatchObject({ status: 422, code: 'user_already_exists', message: 'User already registered' });
  });

  it('refuses a weak password with the reasons', async () => {
    const { error } = await anonClient().auth.signUp({ email: newEmail('weak'), password: '12345' });
    expect(error).toBeInstanceOf(AuthWeakPasswordError);
    expect(error).toMatchObject({ status: 422, code: 'weak_password', reasons: ['length'] });
  });

  it('refuses an invalid email and missing fields', async () => {
    const invalid = await anonClient().auth.signUp({ email: 'not-an-email', password: 'long-enough-1' });
    expect(invalid.error).toMatchObject({ status: 400, code: 'email_address_invalid' });
    const noPassword = await authFetch('/signup', { body: { email: newEmail('nopw') } });
    expect(noPassword.status).toBe(400);
    expect(noPassword.body).toMatchObject({ code: 'validation_failed', message: 'Signup requires a valid password' });
  });
});

describe('password sign-in', () => {
  it('signs in with the right password and refuses a wrong one or an unknown user', async () => {
    const { email, password, user } = await signUp('signin');
    const { session } = await signIn(email.toUpperCase(), password);
    expect(session.user.id).toBe(user.id);
    expect(decodeJwt(session.access_token).session_id).not.toBe(decodeJwt((await signIn(email, password)).session.access_token).session_id);

    const wrong = await anonClient().auth.signInWithPassword({ email, password: 'wrong-password' });
    expect(wrong.error).toMatchObject({ status: 400, code: 'invalid_credentials', message: 'Invalid login credentials' });
    const unknown = await anonClient().auth.signInWithPassword({ email: newEmail('ghost'), password });
    expect(unknown.error).toMatchObject({ status: 400, code: 'invalid_credentials' });
  });

  it('signs in a user whose password was hashed by pgcrypto in SQL (as seeds do)', async () => {
    const id = randomUUID();
    const email = newEmail('seeded').toLowerCase();
    await db.sql`
      insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                              raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
      values ('00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', 'authenticated', ${email},
              extensions.crypt('demo-password', extensions.gen_salt('bf')), now(),
              '{"provider":"email","providers":["email"]}', '{}', now(), now())`;
    const { session } = await signIn(email, 'demo-password');
    expect(session.user.id).toBe(id);
    const wrong = await anonClient().auth.signInWithPassword({ email, password: 'demo-passwor' });
    expect(wrong.error).toMatchObject({ code: 'invalid_credentials' });
  });

  it('answers an unknown grant type as GoTrue does', async () => {
    const response = await authFetch('/token?grant_type=magic', { body: {} });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'invalid_credentials', message: 'unsupported_grant_type' });
  });
});

describe('refresh tokens', () => {
  it('rotates: the spent token is revoked and the new one names it as parent', async () => {
    const { client, session } = await signUp('rotate');
    const { data, error } = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    expect(error).toBeNull();
    const next = data.session!;
    expect(next.refresh_token).not.toBe(session.refresh_token);
    expect(decodeJwt(next.access_token).session_id).toBe(decodeJwt(session.access_token).session_id);
    const rows = await db.sql`select token, revoked, parent from auth.refresh_tokens where token in ${db.sql([session.refresh_token, next.refresh_token])}`;
    expect(rows).toEqual(
      expect.arrayContaining([
        { token: session.refresh_token, revoked: true, parent: null },
        { token: next.refresh_token, revoked: false, parent: session.refresh_token },
      ]),
    );
  });

  it('refuses a spent token once the reuse interval is over, and then kills the whole session', async () => {
    const { client, session } = await signUp('reuse');
    const first = (await client.auth.refreshSession({ refresh_token: session.refresh_token })).data.session!;
    // Within GoTrue's reuse interval the parent of the active token gets that same token back (a lost answer).
    const retried = await anonClient().auth.refreshSession({ refresh_token: session.refresh_token });
    expect(retried.data.session?.refresh_token).toBe(first.refresh_token);

    await db.sql`update auth.refresh_tokens set updated_at = now() - interval '1 minute' where token = ${session.refresh_token}`;
    const second = (await client.auth.refreshSession({ refresh_token: first.refresh_token })).data.session!;
    const reused = await anonClient().auth.refreshSession({ refresh_token: session.refresh_token });
    expect(reused.error).toMatchObject({ status: 400, code: 'refresh_token_already_used' });
    const afterTheft = await anonClient().auth.refreshSession({ refresh_token: second.refresh_token });
    expect(afterTheft.error).toMatchObject({ status: 400, code: 'session_expired' });
  });

  it('hands concurrent refreshes of one token the same new token', async () => {
    const { session } = await signUp('race');
    const results = await Promise.all(
      [1, 2, 3].map(() => anonClient().auth.refreshSession({ refresh_token: session.refresh_token })),
    );
    const tokens = new Set(results.map((result) => result.data.session?.refresh_token));
    expect(results.every((result) => result.error === null)).toBe(true);
    expect(tokens.size).toBe(1);
  });

  it('refuses unknown and missing refresh tokens', async () => {
    const unknown = await anonClient().auth.refreshSession({ refresh_token: 'not-a-token' });
    expect(unknown.error).toMatchObject({ status: 400, code: 'refresh_token_not_found' });
    const missing = await authFetch('/token?grant_type=refresh_token', { body: {} });
    expect(missing.status).toBe(400);
  });
});

describe('the current user', () => {
  it('getUser returns the user of the access token', async () => {
    const { client, session, user } = await signUp('getuser');
    const { data, error } = await client.auth.getUser(session.access_token);
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ id: user.id, email: user.email });
  });

  it('updateUser changes the password (old one refused, new one accepted) and merges metadata', async () => {
    const { client, email, password } = await signUp('update', 'first-password', { keep: 1, drop: 2 });
    const other = await signIn(email, password);
    const sameAgain = await client.auth.updateUser({ password });
    expect(sameAgain.error).toMatchObject({ status: 422, code: 'same_password' });

    const { data, error } = await client.auth.updateUser({ password: 'second-password', data: { drop: null, added: true } });
    expect(error).toBeNull();
    expect(data.user!.user_metadata).toMatchObject({ keep: 1, added: true });
    expect(data.user!.user_metadata).not.toHaveProperty('drop');

    expect((await anonClient().auth.signInWithPassword({ email, password })).error).toMatchObject({ code: 'invalid_credentials' });
    await signIn(email, 'second-password');
    // GoTrue signs out the other sessions when the password changes.
    expect((await authFetch('/user', { token: other.session.access_token })).body).toMatchObject({ code: 'session_not_found' });
    expect((await client.auth.getUser()).error).toBeNull();
  });

  it('updateUser asks to confirm a new email (even under autoconfirm) and refuses a taken one', async () => {
    const { client, email } = await signUp('mail');
    const taken = await signUp('taken');
    const next = newEmail('renamed');
    const { data, error } = await client.auth.updateUser({ email: next });
    expect(error).toBeNull();
    // As GoTrue: a permanent user's new address is only used once confirmed by mail.
    expect(data.user).toMatchObject({ email, new_email: next.toLowerCase() });
    expect(data.user!.email_change_sent_at).toEqual(expect.any(String));
    const clash = await client.auth.updateUser({ email: taken.email });
    expect(clash.error).toMatchObject({ status: 422, code: 'email_exists' });
  });
});

describe('sign-out', () => {
  async function threeSessions(label: string) {
    const { email, password, user } = await signUp(label);
    const sessions = [await signIn(email, password), await signIn(email, password), await signIn(email, password)];
    return { user, sessions };
  }
  const userStatus = async (accessToken: string) => authFetch('/user', { token: accessToken });
  const sessionCount = async (userId: string) =>
    (await db.sql`select count(*)::int as count from auth.sessions where user_id = ${userId}`)[0].count as number;

  it('global ends every session of the user: access tokens and refresh tokens stop working', async () => {
    const { user, sessions } = await threeSessions('global');
    const { error } = await sessions[0].client.auth.signOut({ scope: 'global' });
    expect(error).toBeNull();
    expect(await sessionCount(user.id)).toBe(0);
    for (const { session } of sessions) {
      const response = await userStatus(session.access_token);
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ code: 'session_not_found' });
      const refreshed = await anonClient().auth.refreshSession({ refresh_token: session.refresh_token });
      expect(refreshed.error).toMatchObject({ code: 'refresh_token_not_found' });
    }
    expect((await sessions[0].client.auth.getSession()).data.session).toBeNull();
  });

  it('others keeps the current session only', async () => {
    const { user, sessions } = await threeSessions('others');
    await sessions[1].client.auth.signOut({ scope: 'others' });
    expect(await sessionCount(user.id)).toBe(1); // the sign-up session went too
    expect((await userStatus(sessions[1].session.access_token)).status).toBe(200);
    expect((await userStatus(sessions[0].session.access_token)).status).toBe(403);
    expect((await userStatus(sessions[2].session.access_token)).status).toBe(403);
    expect((await sessions[1].client.auth.getSession()).data.session).not.toBeNull();
  });

  it('local ends the current session only', async () => {
    const { sessions } = await threeSessions('local');
    await sessions[0].client.auth.signOut({ scope: 'local' });
    expect((await userStatus(sessions[0].session.access_token)).status).toBe(403);
    expect((await userStatus(sessions[1].session.access_token)).status).toBe(200);
    expect((await userStatus(sessions[2].session.access_token)).status).toBe(200);
  });

  it('refuses an unknown scope', async () => {
    const { session } = await signUp('scope');
    const response = await authFetch('/logout?scope=everywhere', { token: session.access_token, body: {} });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'validation_failed' });
  });
});

describe('admin users API', () => {
  it('creates, lists, gets, updates and deletes users with the service_role key', async () => {
    const admin = serviceClient().auth.admin;
    const email = newEmail('admin').toLowerCase();
    const created = await admin.createUser({
      email,
      password: 'admin-made-1',
      email_confirm: true,
      user_metadata: { plan: 'pro' },
      app_metadata: { tier: 'gold' },
    });
    expect(created.error).toBeNull();
    const user = created.data.user!;
    expect(user).toMatchObject({
      email,
      user_metadata: { plan: 'pro' },
      app_metadata: { provider: 'email', providers: ['email'], tier: 'gold' },
    });
    expect(user.email_confirmed_at).toEqual(expect.any(String));
    await signIn(email, 'admin-made-1');

    const duplicate = await admin.createUser({ email, password: 'whatever-1' });
    expect(duplicate.error).toMatchObject({ status: 422, code: 'email_exists' });

    const list = await admin.listUsers({ page: 1, perPage: 2 });
    expect(list.error).toBeNull();
    expect(list.data.users).toHaveLength(2);
    expect(list.data).toMatchObject({ aud: 'authenticated', nextPage: 2 });
    const [{ total }] = await db.sql`select count(*)::int as total from auth.users`;
    expect((list.data as unknown as { total: number }).total).toBe(total);

    const fetched = await admin.getUserById(user.id);
    expect(fetched.data.user).toMatchObject({ id: user.id, email });
    const missing = await admin.getUserById(randomUUID());
    expect(missing.error).toMatchObject({ status: 404, code: 'user_not_found' });

    const updated = await admin.updateUserById(user.id, { user_metadata: { plan: 'team' }, app_metadata: { tier: null }, password: 'admin-changed-1' });
    expect(updated.error).toBeNull();
    expect(updated.data.user!.user_metadata).toMatchObject({ plan: 'team' });
    expect(updated.data.user!.app_metadata).not.toHaveProperty('tier');
    await signIn(email, 'admin-changed-1');

    const deleted = await admin.deleteUser(user.id);
    expect(deleted.error).toBeNull();
    expect((await admin.getUserById(user.id)).error).toMatchObject({ status: 404 });
  });

  it('refuses non-admin callers with 403 not_admin', async () => {
    const asAnon = await anonClient().auth.admin.listUsers();
    expect(asAnon.error).toMatchObject({ status: 403, code: 'not_admin' });
    const { session } = await signUp('notadmin');
    const asUser = await authFetch('/admin/users', { token: session.access_token });
    expect(asUser.status).toBe(403);
    expect(asUser.body).toMatchObject({ code: 'not_admin' });
  });

  it('deleting a user cascades to identities, sessions and refresh tokens', async () => {
    const { user, email, password } = await signUp('cascade');
    await signIn(email, password);
    const counts = async () =>
      (
        await db.sql`
          select (select count(*)::int from auth.sessions where user_id = ${user.id}) as sessions,
                 (select count(*)::int from auth.refresh_tokens where user_id = ${user.id}) as tokens,
                 (select count(*)::int from auth.identities where user_id = ${user.id}) as identities`
      )[0];
    expect(await counts()).toEqual({ sessions: 2, tokens: 2, identities: 1 });
    expect((await serviceClient().auth.admin.deleteUser(user.id)).error).toBeNull();
    expect(await counts()).toEqual({ sessions: 0, tokens: 0, identities: 0 });
  });
});

describe('access token checks', () => {
  const secret = () => new TextEncoder().encode(api.jwtSecret);
  const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('refuses a missing token with 401 no_authorization', async () => {
    const response = await authFetch('/user');
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'no_authorization' });
  });

  it('refuses expired, forged, alg:none and wrong-secret tokens with 403 bad_jwt', async () => {
    const { session, user } = await signUp('tokens');
    const claims = decodeJwt(session.access_token);
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ ...claims, iat: now - 7200, exp: now - 3600 }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret());
    const [header, , signature] = session.access_token.split('.');
    const forged = `${header}.${base64url({ ...claims, sub: randomUUID() })}.${signature}`;
    const algNone = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
    const wrongSecret = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode('another-secret-that-is-at-least-32-characters'));
    for (const token of [expired, forged, algNone, wrongSecret]) {
      const response = await authFetch('/user', { token });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ code: 'bad_jwt' });
    }
    expect((await authFetch('/user', { token: session.access_token })).body).toMatchObject({ id: user.id });
  });

  it('issues claims that auth.uid(), auth.role() and auth.email() read in the database', async () => {
    const { session, user } = await signUp('claims');
    const claims = decodeJwt(session.access_token);
    const [row] = await db.sql.begin(async (tx) => {
      await tx`set local role authenticated`;
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
      return tx`select auth.uid() as uid, auth.role() as role, auth.email() as email`;
    });
    expect(row).toEqual({ uid: user.id, role: 'authenticated', email: user.email });
  });
});
