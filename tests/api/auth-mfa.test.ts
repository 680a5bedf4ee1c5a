import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { authRequest } from '../support/auth-clients.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { untypedClient } from '../support/users.ts';

let db: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db, { auth: { mfa: { totp: { enroll_enabled: true, verify_enabled: true } } } });
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

const PASSWORD = 'correct-horse-1';

/** The code an authenticator app shows for this secret now (the test plays the app). */
const codeFor = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();

async function signedInUser(label: string) {
  const email = `${label}-${randomUUID().slice(0, 8)}@example.com`;
  const client = untypedClient(api);
  const { data } = await client.auth.signUp({ email, password: PASSWORD });
  return { client, email, user: data.user! };
}

async function enrolledUser(label: string) {
  const account = await signedInUser(label);
  const { data: factor } = await account.client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'phone app' });
  const verified = await account.client.auth.mfa.challengeAndVerify({ factorId: factor!.id, code: codeFor(factor!.totp.secret) });
  expect(verified.error).toBeNull();
  return { ...account, factorId: factor!.id, secret: factor!.totp.secret };
}

describe('TOTP enrolment', () => {
  it('enroll returns a key, an otpauth URI and an SVG QR code; verify makes the factor and session AAL2', async () => {
    const { client, email } = await signedInUser('enroll');
    const { data, error } = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'laptop' });
    expect(error).toBeNull();
    expect(data).toMatchObject({ type: 'totp', friendly_name: 'laptop' });
    expect(data!.totp.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(data!.totp.uri).toMatch(new RegExp(`^otpauth://totp/127\\.0\\.0\\.1%3A3000:${encodeURIComponent(email).replace(/[.]/g, '\\.')}\\?`));
    expect(data!.totp.qr_code).toMatch(/^data:image\/svg\+xml;utf-8,<svg /);
    expect(data!.totp.qr_code).not.toContain('#');

    const before = await client.auth.mfa.listFactors();
    expect(before.data).toMatchObject({ all: [{ id: data!.id, status: 'unverified', factor_type: 'totp' }], totp: [] });

    const challenge = await client.auth.mfa.challenge({ factorId: data!.id });
    expect(challenge.error).toBeNull();
    expect(challenge.data).toMatchObject({ id: expect.any(String), type: 'totp', expires_at: expect.any(Number) });
    const wrong = await client.auth.mfa.verify({ factorId: data!.id, challengeId: challenge.data!.id, code: '000000' });
    expect(wrong.error).toMatchObject({ status: 422, code: 'mfa_verification_failed', message: 'Invalid TOTP code entered' });
    const verified = await client.auth.mfa.verify({ factorId: data!.id, challengeId: challenge.data!.id, code: codeFor(data!.totp.secret) });
    expect(verified.error).toBeNull();
    const claims = decodeJwt(verified.data!.access_token);
    expect(claims.aal).toBe('aal2');
    expect((claims.amr as { method: string }[]).map((entry) => entry.method)).toEqual(['totp', 'password']);

    const level = await client.auth.mfa.getAuthenticatorAssuranceLevel();
    expect(level.data).toMatchObject({ currentLevel: 'aal2', nextLevel: 'aal2' });
    const after = await client.auth.mfa.listFactors();
    expect(after.data!.totp).toMatchObject([{ id: data!.id, status: 'verified', friendly_name: 'laptop' }]);
    // A challenge is answered once.
    const replay = await client.auth.mfa.verify({ factorId: data!.id, challengeId: challenge.data!.id, code: codeFor(data!.totp.secret) });
    expect(replay.error).toMatchObject({ status: 422, code: 'mfa_ip_address_mismatch' });
  });

  it('a password sign-in of a user with a verified factor is AAL1 with AAL2 next, until a challenge is verified', async () => {
    const { email, factorId, secret } = await enrolledUser('signin');
    const client = untypedClient(api);
    await client.auth.signInWithPassword({ email, password: PASSWORD });
    expect((await client.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal2' });
    const denied = await client.auth.updateUser({ password: 'other-password-2' });
    expect(denied.error).toMatchObject({ status: 401, code: 'insufficient_aal' });
    const second = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'second' });
    expect(second.error).toMatchObject({ status: 403, code: 'insufficient_aal', message: 'AAL2 required to enroll a new factor' });
    const unenroll = await client.auth.mfa.unenroll({ factorId });
    expect(unenroll.error).toMatchObject({ status: 422, code: 'insufficient_aal' });
    expect((await client.auth.mfa.challengeAndVerify({ factorId, code: codeFor(secret) })).error).toBeNull();
    expect((await client.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({ currentLevel: 'aal2' });
    // A refresh keeps the session at AAL2.
    const refreshed = await client.auth.refreshSession();
    expect(decodeJwt(refreshed.data.session!.access_token).aal).toBe('aal2');
    const removed = await client.auth.mfa.unenroll({ factorId });
    expect(removed.error).toBeNull();
    expect(removed.data).toEqual({ id: factorId });
  });

  it('refuses foreign, unknown and malformed factor ids, and friendly-name clashes', async () => {
    const owner = await enrolledUser('owner');
    const intruder = await signedInUser('intruder');
    const foreign = await intruder.client.auth.mfa.challenge({ factorId: owner.factorId });
    expect(foreign.error).toMatchObject({ status: 404, code: 'mfa_factor_not_found', message: 'Factor not found' });
    const token = (await intruder.client.auth.getSession()).data.session!.access_token;
    expect(await authRequest(api, '/factors/not-a-uuid/challenge', { token, body: {} })).toMatchObject({
      status: 404,
      body: { code: 'validation_failed', message: 'factor_id must be an UUID' },
    });
    await intruder.client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'dup' });
    const clash = await intruder.client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'dup' });
    expect(clash.error).toMatchObject({ status: 422, code: 'mfa_factor_name_conflict' });
    const badType = await authRequest(api, '/factors', { token, body: { factor_type: 'sms' } });
    expect(badType).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
  });

  it('admin lists and deletes a user\'s factors; the sessions it raised drop to AAL1', async () => {
    const { client, user, factorId } = await enrolledUser('admin');
    const admin = untypedClient(api, api.serviceRoleKey);
    const listed = await admin.auth.admin.mfa.listFactors({ userId: user.id });
    expect(listed.error).toBeNull();
    expect(listed.data!.factors).toMatchObject([{ id: factorId, status: 'verified', factor_type: 'totp' }]);
    const deleted = await admin.auth.admin.mfa.deleteFactor({ userId: user.id, id: factorId });
    expect(deleted.error).toBeNull();
    // auth-js wraps the answer (the deleted factor) once more.
    expect(deleted.data).toMatchObject({ data: { id: factorId, factor_type: 'totp' } });
    const refreshed = await client.auth.refreshSession();
    expect(decodeJwt(refreshed.data.session!.access_token).aal).toBe('aal1');
    const missing = await admin.auth.admin.mfa.deleteFactor({ userId: user.id, id: factorId });
    expect(missing.error).toMatchObject({ status: 404, code: 'mfa_factor_not_found' });
  });

  it('answers GoTrue\'s refusals when TOTP is off (the CLI default)', async () => {
    const off = await startTestApi(db);
    try {
      const email = `off-${randomUUID().slice(0, 8)}@example.com`;
      const client = untypedClient(off);
      await client.auth.signUp({ email, password: PASSWORD });
      const enroll = await client.auth.mfa.enroll({ factorType: 'totp' });
      expect(enroll.error).toMatchObject({ status: 422, code: 'mfa_totp_enroll_not_enabled', message: 'MFA enroll is disabled for TOTP' });
    } finally {
      await off.stop();
    }
  });
});
