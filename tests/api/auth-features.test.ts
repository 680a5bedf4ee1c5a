import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { authRequest } from '../support/auth-clients.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { untypedClient } from '../support/users.ts';

// The repo's config.toml: the CLI's defaults (autoconfirm, no anonymous sign-ins, no providers).
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

const newEmail = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;

describe('anonymous sign-in', () => {
  it('is refused while enable_anonymous_sign_ins is off', async () => {
    const { error } = await untypedClient(api).auth.signInAnonymously();
    expect(error).toMatchObject({ status: 422, code: 'anonymous_provider_disabled', message: 'Anonymous sign-ins are disabled' });
  });

  it('signs in without an address, marks the claims, and becomes permanent once an email is linked', async () => {
    const anonymous = await startTestApi(db, { auth: { enable_anonymous_sign_ins: true } });
    try {
      const client = untypedClient(anonymous);
      const { data, error } = await client.auth.signInAnonymously({ options: { data: { theme: 'dark' } } });
      expect(error).toBeNull();
      expect(data.user).toMatchObject({ is_anonymous: true, email: '', identities: [], user_metadata: { theme: 'dark' }, role: 'authenticated' });
      expect(decodeJwt(data.session!.access_token)).toMatchObject({ is_anonymous: true, role: 'authenticated', amr: [{ method: 'anonymous' }] });
      const passwordOnly = await client.auth.updateUser({ password: 'secret-password-1' });
      expect(passwordOnly.error).toMatchObject({ status: 422, code: 'validation_failed' });
      const token = data.session!.access_token;
      expect(await authRequest(anonymous, '/factors', { token, body: { factor_type: 'totp' } })).toMatchObject({
        status: 403,
        body: { code: 'no_authorization', message: 'Anonymous user not allowed to perform these actions' },
      });

      // Under autoconfirm an anonymous user's email applies at once (GoTrue treats it like a sign-up).
      const email = newEmail('linked');
      const linked = await client.auth.updateUser({ email });
      expect(linked.error).toBeNull();
      expect(linked.data.user).toMatchObject({ email, is_anonymous: false, app_metadata: { provider: 'email', providers: ['email'] } });
      expect((await client.auth.updateUser({ password: 'secret-password-1' })).error).toBeNull();
      const refreshed = await client.auth.refreshSession();
      expect(decodeJwt(refreshed.data.session!.access_token)).toMatchObject({ is_anonymous: false, email });
      expect((await untypedClient(anonymous).auth.signInWithPassword({ email, password: 'secret-password-1' })).error).toBeNull();
    } finally {
      await anonymous.stop();
    }
  });
});

describe('settings from config.toml', () => {
  it('/settings reports what the project enables', async () => {
    const settings = await authRequest(api, '/settings');
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({
      disable_signup: false,
      mailer_autoconfirm: true,
      phone_autoconfirm: false,
      saml_enabled: false,
      external: { email: true, phone: false, anonymous_users: false, github: false, google: false },
    });
  });

  it('enable_signup = false closes sign-ups, jwt_expiry shapes tokens, minimum length shapes passwords', async () => {
    const closed = await startTestApi(db, { auth: { enable_signup: false, jwt_expiry: 600, minimum_password_length: 10, password_requirements: 'letters_digits' } });
    try {
      const refused = await untypedClient(closed).auth.signUp({ email: newEmail('closed'), password: 'long-enough-password-1' });
      expect(refused.error).toMatchObject({ status: 422, code: 'signup_disabled', message: 'Signups not allowed for this instance' });
      expect((await authRequest(closed, '/settings')).body).toMatchObject({ disable_signup: true });
      const admin = untypedClient(closed, closed.serviceRoleKey);
      const email = newEmail('expiry');
      await admin.auth.admin.createUser({ email, password: 'password-123', email_confirm: true });
      const { data } = await untypedClient(closed).auth.signInWithPassword({ email, password: 'password-123' });
      expect(data.session!.expires_in).toBe(600);
      const claims = decodeJwt(data.session!.access_token);
      expect(claims.exp! - claims.iat!).toBe(600);
      const session = data.session!.access_token;
      const weakBody = await authRequest(closed, '/user', { method: 'PUT', token: session, body: { password: 'onlyletters' } });
      expect(weakBody).toMatchObject({
        status: 422,
        body: { code: 'weak_password', weak_password: { reasons: ['characters'] } },
      });
      const short = await authRequest(closed, '/user', { method: 'PUT', token: session, body: { password: 'abc1' } });
      expect(short.body).toMatchObject({ code: 'weak_password', message: 'Password should be at least 10 characters.', weak_password: { reasons: ['length'] } });
    } finally {
      await closed.stop();
    }
  });
});

describe('disabled features answer GoTrue\'s own errors', () => {
  it('OAuth providers, id_token and Web3', async () => {
    expect(await authRequest(api, '/authorize?provider=github')).toMatchObject({
      status: 400,
      body: { code: 'validation_failed', message: 'Unsupported provider: provider is not enabled' },
    });
    expect(await authRequest(api, '/authorize?provider=myspace')).toMatchObject({
      status: 400,
      body: { message: 'Unsupported provider: Provider myspace could not be found' },
    });
    const idToken = await untypedClient(api).auth.signInWithIdToken({ provider: 'google', token: 'header.payload.signature' });
    expect(idToken.error).toMatchObject({ status: 400, code: 'provider_disabled', message: 'Provider (issuer "https://accounts.google.com") is not enabled' });
    expect(await authRequest(api, '/token?grant_type=id_token', { body: {} })).toMatchObject({
      status: 400,
      body: { error: 'invalid request', error_description: 'id_token required' },
    });
    expect(await authRequest(api, '/token?grant_type=web3', { body: { chain: 'solana' } })).toMatchObject({
      status: 422,
      body: { code: 'web3_provider_disabled', message: 'Web3 provider is disabled' },
    });
    expect(await authRequest(api, '/callback')).toMatchObject({ status: 400, body: { code: 'bad_oauth_callback' } });
  });

  it('SSO, manual identity linking and phone', async () => {
    const sso = await untypedClient(api).auth.signInWithSSO({ domain: 'example.com' });
    expect(sso.error).toMatchObject({ status: 404, code: 'saml_provider_disabled', message: 'SAML 2.0 is disabled' });
    const email = newEmail('linking');
    const client = untypedClient(api);
    const { data } = await client.auth.signUp({ email, password: 'password-123' });
    const token = data.session!.access_token;
    expect(await authRequest(api, '/user/identities/authorize?provider=github', { token })).toMatchObject({
      status: 404,
      body: { code: 'manual_linking_disabled', message: 'Manual linking is disabled' },
    });
    const unlink = await client.auth.unlinkIdentity(data.user!.identities![0]);
    expect(unlink.error).toMatchObject({ status: 404, code: 'manual_linking_disabled' });
    const phoneSignup = await untypedClient(api).auth.signUp({ phone: '+15555550100', password: 'password-123' });
    expect(phoneSignup.error).toMatchObject({ status: 400, code: 'phone_provider_disabled', message: 'Phone signups are disabled' });
    const phoneLogin = await untypedClient(api).auth.signInWithPassword({ phone: '+15555550100', password: 'password-123' });
    expect(phoneLogin.error).toMatchObject({ status: 422, code: 'phone_provider_disabled' });
    const phoneOtp = await untypedClient(api).auth.signInWithOtp({ phone: '+15555550100' });
    expect(phoneOtp.error).toMatchObject({ status: 400, code: 'phone_provider_disabled' });
  });
});
