import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { authRequest, followLink, pkceClient } from '../support/auth-clients.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { codeIn, linkIn, waitForMail } from '../support/inbox.ts';
import { untypedClient } from '../support/users.ts';

// GoTrue with `[auth.email] enable_confirmations = true` (the hosted default): every flow goes through mail.
let db: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db, { auth: { email: { enable_confirmations: true, max_frequency: 0 } } });
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

const PASSWORD = 'correct-horse-1';
const newEmail = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;
const SITE = 'http://127.0.0.1:3000';

/** A confirmed user made through sign-up and its confirmation link. */
async function confirmedUser(label: string) {
  const email = newEmail(label);
  await untypedClient(api).auth.signUp({ email, password: PASSWORD });
  await followLink(linkIn(await waitForMail(api.mailUrl, email)));
  return email;
}

describe('sign-up with email confirmation', () => {
  it('answers the user without a session, mails a link, and refuses sign-in until confirmed', async () => {
    const email = newEmail('confirm');
    const { data, error } = await untypedClient(api).auth.signUp({ email, password: PASSWORD, options: { data: { plan: 'pro' } } });
    expect(error).toBeNull();
    expect(data.session).toBeNull();
    expect(data.user).toMatchObject({ email, user_metadata: { plan: 'pro', email_verified: false } });
    expect(data.user!.confirmation_sent_at).toEqual(expect.any(String));
    expect(data.user!.email_confirmed_at).toBeUndefined();

    const mail = await waitForMail(api.mailUrl, email);
    expect(mail.Subject).toBe('Confirm Your Email');
    expect(codeIn(mail)).toMatch(/^\d{6}$/);
    const link = new URL(linkIn(mail));
    expect(`${link.origin}${link.pathname}`).toBe(`${api.url}/auth/v1/verify`);
    expect(link.searchParams.get('type')).toBe('signup');

    const early = await untypedClient(api).auth.signInWithPassword({ email, password: PASSWORD });
    expect(early.error).toMatchObject({ status: 400, code: 'email_not_confirmed', message: 'Email not confirmed' });

    // The implicit flow: /verify redirects to the site with the session in the fragment.
    const landing = await followLink(link.toString());
    expect(`${landing.origin}${landing.pathname}`).toBe(`${SITE}/`);
    const fragment = new URLSearchParams(landing.hash.slice(1));
    expect([...fragment.keys()]).toEqual(['access_token', 'expires_at', 'expires_in', 'refresh_token', 'token_type', 'type']);
    expect(fragment.get('type')).toBe('signup');
    expect(decodeJwt(fragment.get('access_token')!)).toMatchObject({ email, aal: 'aal1', amr: [{ method: 'otp' }] });

    const signedIn = await untypedClient(api).auth.signInWithPassword({ email, password: PASSWORD });
    expect(signedIn.error).toBeNull();
    expect(signedIn.data.user).toMatchObject({ email, user_metadata: { email_verified: true } });
    // A used link is spent.
    const again = await followLink(link.toString());
    expect(new URLSearchParams(again.hash.slice(1)).get('error_code')).toBe('otp_expired');
  });

  it('PKCE: the link comes back with ?code=, and exchangeCodeForSession signs in', async () => {
    const email = newEmail('pkce');
    const client = pkceClient(api);
    const redirect = `${SITE}/auth/confirm?next=%2Fjobs-test`;
    const { data } = await client.auth.signUp({ email, password: PASSWORD, options: { emailRedirectTo: redirect } });
    expect(data.session).toBeNull();
    const link = linkIn(await waitForMail(api.mailUrl, email));
    expect(new URL(link).searchParams.get('token')).toMatch(/^pkce_[0-9a-f]{56}$/);
    const landing = await followLink(link);
    expect(`${landing.origin}${landing.pathname}`).toBe(`${SITE}/auth/confirm`);
    expect(landing.searchParams.get('next')).toBe('/jobs-test');
    const code = landing.searchParams.get('code')!;
    expect(code).toMatch(/^[0-9a-f-]{36}$/);

    const exchanged = await client.auth.exchangeCodeForSession(code);
    expect(exchanged.error).toBeNull();
    expect(exchanged.data.user).toMatchObject({ email });
    expect(decodeJwt(exchanged.data.session!.access_token)).toMatchObject({ amr: [{ method: 'email/signup' }] });
    // A code works once.
    const reused = await authRequest(api, '/token?grant_type=pkce', { body: { auth_code: code, code_verifier: 'x'.repeat(43) } });
    expect(reused).toMatchObject({ status: 404, body: { code: 'flow_state_not_found' } });
  });

  it('refuses a PKCE exchange with the wrong verifier, and bad challenges up front', async () => {
    const email = newEmail('verifier');
    const client = pkceClient(api);
    await client.auth.signUp({ email, password: PASSWORD });
    const code = (await followLink(linkIn(await waitForMail(api.mailUrl, email)))).searchParams.get('code')!;
    const wrong = await authRequest(api, '/token?grant_type=pkce', { body: { auth_code: code, code_verifier: 'y'.repeat(43) } });
    expect(wrong).toMatchObject({ status: 400, body: { code: 'bad_code_verifier', message: 'code challenge does not match previously saved code verifier' } });
    const empty = await authRequest(api, '/token?grant_type=pkce', { body: { auth_code: code } });
    expect(empty).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    const shortChallenge = await authRequest(api, '/signup', {
      body: { email: newEmail('short'), password: PASSWORD, code_challenge: 'abc', code_challenge_method: 's256' },
    });
    expect(shortChallenge).toMatchObject({ status: 400, body: { message: 'code challenge has to be between 43 and 128 characters' } });
    const halfPkce = await authRequest(api, '/signup', { body: { email: newEmail('half'), password: PASSWORD, code_challenge: 'a'.repeat(43) } });
    expect(halfPkce).toMatchObject({ status: 400, body: { message: 'PKCE flow requires code_challenge_method and code_challenge' } });
  });

  it('verifyOtp takes the code from the mail, or the token hash from a custom template', async () => {
    const byCode = newEmail('code');
    await untypedClient(api).auth.signUp({ email: byCode, password: PASSWORD });
    const code = codeIn(await waitForMail(api.mailUrl, byCode));
    const wrongCode = await untypedClient(api).auth.verifyOtp({ email: byCode, token: '000000', type: 'email' });
    expect(wrongCode.error).toMatchObject({ status: 403, code: 'otp_expired', message: 'Token has expired or is invalid' });
    const verified = await untypedClient(api).auth.verifyOtp({ email: byCode, token: code, type: 'email' });
    expect(verified.error).toBeNull();
    expect(verified.data.session).toMatchObject({ token_type: 'bearer', user: { email: byCode } });

    const byHash = newEmail('hash');
    await untypedClient(api).auth.signUp({ email: byHash, password: PASSWORD });
    const tokenHash = new URL(linkIn(await waitForMail(api.mailUrl, byHash))).searchParams.get('token')!;
    const viaHash = await untypedClient(api).auth.verifyOtp({ token_hash: tokenHash, type: 'signup' });
    expect(viaHash.error).toBeNull();
    expect(viaHash.data.user).toMatchObject({ email: byHash });
    const forged = await untypedClient(api).auth.verifyOtp({ token_hash: 'f'.repeat(56), type: 'signup' });
    expect(forged.error).toMatchObject({ status: 403, code: 'otp_expired', message: 'Email link is invalid or has expired' });
  });

  it('validates /verify bodies as GoTrue does', async () => {
    expect(await authRequest(api, '/verify', { body: { token: '1' } })).toMatchObject({ status: 400, body: { message: 'Verify requires a verification type' } });
    expect(await authRequest(api, '/verify', { body: { type: 'signup' } })).toMatchObject({
      status: 400,
      body: { message: 'Verify requires either a token or a token hash' },
    });
    expect(await authRequest(api, '/verify', { body: { type: 'signup', token_hash: 'x', email: 'a@b.co' } })).toMatchObject({
      status: 400,
      body: { message: 'Only the token_hash and type should be provided' },
    });
    expect(await authRequest(api, '/verify', { body: { type: 'signup', token: '123456', email: 'nope' } })).toMatchObject({
      status: 422,
      body: { code: 'validation_failed', message: 'Invalid email format' },
    });
    expect(await authRequest(api, '/verify?type=signup')).toMatchObject({ status: 400, body: { message: 'Verify requires a token or a token hash' } });
  });

  it('does not reveal a confirmed address on a second sign-up, and resends to an unconfirmed one', async () => {
    const email = await confirmedUser('repeat');
    const { data, error } = await untypedClient(api).auth.signUp({ email, password: 'another-password-1' });
    expect(error).toBeNull();
    expect(data.session).toBeNull();
    expect(data.user).toMatchObject({ email, identities: [], role: '' });

    const pending = newEmail('pending');
    await untypedClient(api).auth.signUp({ email: pending, password: PASSWORD });
    await waitForMail(api.mailUrl, pending);
    const resent = await untypedClient(api).auth.resend({ type: 'signup', email: pending });
    expect(resent.error).toBeNull();
    await waitForMail(api.mailUrl, pending, { count: 2 });
    const badType = await authRequest(api, '/resend', { body: { type: 'magiclink', email: pending } });
    expect(badType).toMatchObject({ status: 400, body: { message: 'Missing one of these types: signup, email_change, sms, phone_change' } });
  });

  it('redirects only to allowed URLs: the site host, loopback and additional_redirect_urls', async () => {
    for (const [requested, expected] of [
      ['https://evil.example/steal', SITE],
      ['http://127.0.0.1:3000/welcome', 'http://127.0.0.1:3000/welcome'],
      ['http://localhost:4000/x', SITE],
      ['http://2130706433/', SITE],
    ] as const) {
      const email = newEmail('redirect');
      await authRequest(api, `/signup?redirect_to=${encodeURIComponent(requested)}`, { body: { email, password: PASSWORD } });
      const link = new URL(linkIn(await waitForMail(api.mailUrl, email)));
      expect(link.searchParams.get('redirect_to')).toBe(expected);
    }
  });

  it('a broken or expired link redirects with GoTrue\'s error parameters', async () => {
    const landing = await followLink(`${api.url}/auth/v1/verify?token=pkce_${'0'.repeat(56)}&type=signup&redirect_to=${encodeURIComponent(`${SITE}/auth/confirm`)}`);
    expect(Object.fromEntries(landing.searchParams)).toEqual({
      error: 'access_denied',
      error_code: 'otp_expired',
      error_description: 'Email link is invalid or has expired',
    });
    expect(new URLSearchParams(landing.hash.slice(1)).get('error_code')).toBe('otp_expired');
  });
});

describe('magic links and email codes', () => {
  it('signInWithOtp mails a link and a code to an existing user; both sign in', async () => {
    const email = await confirmedUser('magic');
    const { error } = await untypedClient(api).auth.signInWithOtp({ email });
    expect(error).toBeNull();
    const mail = await waitForMail(api.mailUrl, email, { subject: 'Your Magic Link' });
    const session = await untypedClient(api).auth.verifyOtp({ email, token: codeIn(mail), type: 'email' });
    expect(session.error).toBeNull();
    expect(decodeJwt(session.data.session!.access_token).amr).toEqual([{ method: 'otp', timestamp: expect.any(Number) }]);
  });

  it('PKCE magic link: ?code= exchanged for a session with the magiclink method', async () => {
    const email = await confirmedUser('magicpkce');
    const client = pkceClient(api);
    await client.auth.signInWithOtp({ email, options: { emailRedirectTo: `${SITE}/auth/confirm` } });
    const link = linkIn(await waitForMail(api.mailUrl, email, { subject: 'Your Magic Link' }));
    const code = (await followLink(link)).searchParams.get('code')!;
    const { data, error } = await client.auth.exchangeCodeForSession(code);
    expect(error).toBeNull();
    expect(decodeJwt(data.session!.access_token).amr).toEqual([{ method: 'magiclink', timestamp: expect.any(Number) }]);
  });

  it('signs up unknown addresses unless shouldCreateUser is false', async () => {
    const unknown = newEmail('otpnew');
    const refused = await untypedClient(api).auth.signInWithOtp({ email: unknown, options: { shouldCreateUser: false } });
    expect(refused.error).toMatchObject({ status: 422, code: 'otp_disabled', message: 'Signups not allowed for otp' });
    const created = await untypedClient(api).auth.signInWithOtp({ email: unknown });
    expect(created.error).toBeNull();
    // With confirmations on, the confirmation mail is the magic link.
    const mail = await waitForMail(api.mailUrl, unknown, { subject: 'Confirm Your Email' });
    const verified = await untypedClient(api).auth.verifyOtp({ email: unknown, token: codeIn(mail), type: 'email' });
    expect(verified.error).toBeNull();
  });

  it('answers GoTrue\'s validation errors', async () => {
    expect(await authRequest(api, '/otp', { body: {} })).toMatchObject({ status: 400, body: { message: 'One of email or phone must be set' } });
    expect(await authRequest(api, '/otp', { body: { email: 'a@b.co', phone: '123' } })).toMatchObject({ status: 400 });
    expect(await authRequest(api, '/otp', { body: { phone: '+15555550100' } })).toMatchObject({
      status: 400,
      body: { code: 'phone_provider_disabled', message: 'Unsupported phone provider' },
    });
  });
});

describe('password recovery', () => {
  it('PKCE reset: mail → /verify → ?code= → session (PASSWORD_RECOVERY) → new password', async () => {
    const email = await confirmedUser('reset');
    const client = pkceClient(api);
    const events: string[] = [];
    client.auth.onAuthStateChange((event) => void events.push(event));
    const { error } = await client.auth.resetPasswordForEmail(email, { redirectTo: `${SITE}/auth/confirm?next=/auth/update-password` });
    expect(error).toBeNull();
    const mail = await waitForMail(api.mailUrl, email, { subject: 'Reset Your Password' });
    const code = (await followLink(linkIn(mail))).searchParams.get('code')!;
    const exchanged = await client.auth.exchangeCodeForSession(code);
    expect(exchanged.error).toBeNull();
    expect(exchanged.data).toMatchObject({ redirectType: 'recovery' });
    expect(events).toContain('PASSWORD_RECOVERY');
    expect((await client.auth.updateUser({ password: 'brand-new-password-2' })).error).toBeNull();
    expect((await untypedClient(api).auth.signInWithPassword({ email, password: 'brand-new-password-2' })).error).toBeNull();
  });

  it('answers {} for unknown addresses (no enumeration) and 400 without one', async () => {
    expect(await authRequest(api, '/recover', { body: { email: newEmail('ghost') } })).toMatchObject({ status: 200, body: {} });
    expect(await authRequest(api, '/recover', { body: {} })).toMatchObject({ status: 400, body: { message: 'Password recovery requires an email' } });
  });
});

describe('email change', () => {
  it('with double_confirm_changes both addresses must confirm; the first link says so', async () => {
    const email = await confirmedUser('change');
    const client = untypedClient(api);
    await client.auth.signInWithPassword({ email, password: PASSWORD });
    const next = newEmail('changed');
    const { data, error } = await client.auth.updateUser({ email: next });
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ email, new_email: next });
    const toNew = await waitForMail(api.mailUrl, next, { subject: 'Confirm Email Change' });
    const toCurrent = await waitForMail(api.mailUrl, email, { subject: 'Confirm Email Change' });

    const first = await followLink(linkIn(toNew));
    expect(new URLSearchParams(first.hash.slice(1)).get('message')).toBe(
      'Confirmation link accepted. Please proceed to confirm link sent to the other email',
    );
    expect((await client.auth.getUser()).data.user!.email).toBe(email);
    const second = await client.auth.verifyOtp({ email, token: codeIn(toCurrent), type: 'email_change' });
    expect(second.error).toBeNull();
    expect(second.data.user).toMatchObject({ email: next });
    expect((await untypedClient(api).auth.signInWithPassword({ email: next, password: PASSWORD })).error).toBeNull();
  });
});

describe('reauthentication', () => {
  it('secure_password_change needs the mailed nonce once the session is older than a day', async () => {
    const secure = await startTestApi(db, { auth: { email: { enable_confirmations: true, secure_password_change: true, max_frequency: 0 } } });
    try {
      const email = newEmail('reauth');
      await untypedClient(secure).auth.signUp({ email, password: PASSWORD });
      await followLink(linkIn(await waitForMail(secure.mailUrl, email)));
      const client = untypedClient(secure);
      const { data } = await client.auth.signInWithPassword({ email, password: PASSWORD });
      await db.sql`update auth.sessions set created_at = now() - interval '2 days' where user_id = ${data.user!.id}`;
      const refused = await client.auth.updateUser({ password: 'new-password-3' });
      expect(refused.error).toMatchObject({ status: 400, code: 'reauthentication_needed', message: 'Password update requires reauthentication' });
      expect((await client.auth.reauthenticate()).error).toBeNull();
      const nonce = codeIn(await waitForMail(secure.mailUrl, email, { subject: 'Confirm reauthentication' }));
      const wrong = await client.auth.updateUser({ password: 'new-password-3', nonce: '000000' });
      expect(wrong.error).toMatchObject({ status: 422, code: 'reauthentication_not_valid' });
      expect((await client.auth.updateUser({ password: 'new-password-3', nonce })).error).toBeNull();
    } finally {
      await secure.stop();
    }
  });
});

describe('invitations and admin.generateLink', () => {
  const admin = () => untypedClient(api, api.serviceRoleKey);

  it('inviteUserByEmail mails an invitation whose link signs the new user in', async () => {
    const email = newEmail('invitee');
    const { data, error } = await admin().auth.admin.inviteUserByEmail(email, { data: { team: 'ops' } });
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ email, user_metadata: { team: 'ops' } });
    expect(data.user!.invited_at).toEqual(expect.any(String));
    const mail = await waitForMail(api.mailUrl, email, { subject: 'You have been invited' });
    expect(new URL(linkIn(mail)).searchParams.get('type')).toBe('invite');
    const verified = await untypedClient(api).auth.verifyOtp({ email, token: codeIn(mail), type: 'invite' });
    expect(verified.error).toBeNull();
    expect(verified.data.user!.email_confirmed_at).toEqual(expect.any(String));
    const again = await admin().auth.admin.inviteUserByEmail(email);
    expect(again.error).toMatchObject({ status: 422, code: 'email_exists' });
  });

  it('generateLink answers every link type without sending mail, and each link verifies', async () => {
    const existing = await confirmedUser('links');
    const cases = [
      { type: 'signup', email: newEmail('gl-signup'), password: PASSWORD },
      { type: 'invite', email: newEmail('gl-invite') },
      { type: 'magiclink', email: existing },
      { type: 'recovery', email: existing },
      { type: 'email_change_new', email: existing, newEmail: newEmail('gl-new') },
    ] as const;
    for (const params of cases) {
      const { data, error } = await admin().auth.admin.generateLink({ ...params, options: { redirectTo: `${SITE}/done` } } as never);
      expect(error, params.type).toBeNull();
      expect(data.properties).toMatchObject({ verification_type: params.type, redirect_to: `${SITE}/done`, email_otp: expect.stringMatching(/^\d{6}$/) });
      const link = new URL(data.properties!.action_link);
      expect(link.searchParams.get('redirect_to')).toBe(`${SITE}/done`);
      const type = params.type === 'email_change_new' ? 'email_change' : params.type;
      expect(link.searchParams.get('type')).toBe(type);
      const landing = new URLSearchParams((await followLink(link.toString())).hash.slice(1));
      if (params.type === 'email_change_new') {
        // Secure email change without autoconfirm: the new address's link is the first of two confirmations.
        expect(landing.get('message')).toMatch(/^Confirmation link accepted/);
      } else {
        expect(landing.get('access_token'), params.type).toEqual(expect.any(String));
      }
    }
    const unknownRecovery = await admin().auth.admin.generateLink({ type: 'recovery', email: newEmail('nobody') });
    expect(unknownRecovery.error).toMatchObject({ status: 404, code: 'user_not_found' });
    const badType = await authRequest(api, '/admin/generate_link', { token: api.serviceRoleKey, body: { type: 'nope', email: existing } });
    expect(badType).toMatchObject({ status: 400, body: { message: 'Invalid email action link type requested: nope' } });
    const notAdmin = await authRequest(api, '/admin/generate_link', { token: api.anonKey, body: { type: 'signup', email: existing } });
    expect(notAdmin).toMatchObject({ status: 403, body: { code: 'not_admin' } });
  });
});
