import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { authRequest } from '../support/auth-clients.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';

// Issue 13: [auth.rate_limit] enforced as GoTrue does (token buckets per client, burst 30), and bad input
// answered with clear 4xx errors instead of 500s.
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const newEmail = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;

/** The project's own limits (config.toml): what `npm run dev` enforces. */
async function withProjectLimits<T>(work: (api: TestApi) => Promise<T>, overrides: Parameters<typeof startTestApi>[1] = {}): Promise<T> {
  const defaults = { auth: { rate_limit: { token_refresh: 150, sign_in_sign_ups: 30, token_verifications: 30 } } };
  const api = await startTestApi(db, { ...defaults, ...overrides, auth: { ...defaults.auth, ...overrides.auth } });
  try {
    return await work(api);
  } finally {
    await api.stop();
  }
}

const count = (statuses: number[], status: number) => statuses.filter((value) => value === status).length;

describe('request rate limits', () => {
  it('password sign-ins: a burst of 30 per client, then 429 over_request_rate_limit', async () => {
    await withProjectLimits(async (api) => {
      const attempts = await Promise.all(
        Array.from({ length: 45 }, () => authRequest(api, '/token?grant_type=password', { body: { email: 'nobody@example.com', password: 'wrong' } })),
      );
      const statuses = attempts.map((attempt) => attempt.status);
      expect(count(statuses, 400)).toBeGreaterThanOrEqual(30);
      expect(count(statuses, 429)).toBeGreaterThanOrEqual(10);
      expect(attempts.find((attempt) => attempt.status === 429)!.body).toEqual({ code: 'over_request_rate_limit', message: 'Request rate limit reached' });
    });
  });

  it('sign-ups share the sign_in_sign_ups bucket; forged X-Forwarded-For does not buy a new one', async () => {
    await withProjectLimits(async (api) => {
      const attempts = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          authRequest(api, '/signup', {
            body: { email: newEmail('flood'), password: '123' },
            headers: { 'x-forwarded-for': `203.0.113.${index}` },
          }),
        ),
      );
      const statuses = attempts.map((attempt) => attempt.status);
      expect(count(statuses, 422)).toBeGreaterThanOrEqual(30); // weak_password: the request got through
      expect(count(statuses, 429)).toBeGreaterThanOrEqual(5);
    });
  });

  it('email_sent limits mail per hour once a real SMTP server is configured', async () => {
    await withProjectLimits(
      async (api) => {
        const statuses: number[] = [];
        for (let index = 0; index < 3; index++) {
          statuses.push((await authRequest(api, '/signup', { body: { email: newEmail('mail'), password: 'password-123' } })).status);
        }
        expect(statuses).toEqual([200, 200, 429]);
        const refused = await authRequest(api, '/signup', { body: { email: newEmail('mail'), password: 'password-123' } });
        expect(refused.body).toEqual({ code: 'over_email_send_rate_limit', message: 'email rate limit exceeded' });
      },
      { auth: { rate_limit: { email_sent: 2 }, email: { enable_confirmations: true, smtp: { enabled: true } } } },
    );
  });

  it('max_frequency spaces mails to one address', async () => {
    await withProjectLimits(
      async (api) => {
        const email = newEmail('often');
        expect((await authRequest(api, '/signup', { body: { email, password: 'password-123' } })).status).toBe(200);
        const again = await authRequest(api, '/resend', { body: { type: 'signup', email } });
        expect(again.status).toBe(429);
        expect(again.body).toMatchObject({ code: 'over_email_send_rate_limit', message: expect.stringMatching(/^For security purposes, you can only request this after \d+ seconds\.$/) });
      },
      { auth: { email: { enable_confirmations: true, max_frequency: 60_000 } } },
    );
  });
});

describe('bad input gets a clear 4xx (issue 13, item 12)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(db);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('a malformed percent escape in an admin path', async () => {
    const response = await authRequest(api, '/admin/users/%E0%A4%A', { token: api.serviceRoleKey });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'validation_failed' });
  });

  it('page numbers past uint64 are refused as GoTrue refuses them; huge valid pages are empty', async () => {
    const huge = await authRequest(api, '/admin/users?page=99999999999999999999', { token: api.serviceRoleKey });
    expect(huge).toMatchObject({
      status: 400,
      body: { code: 'validation_failed', message: 'Bad Pagination Parameters: strconv.ParseUint: parsing "99999999999999999999": value out of range' },
    });
    const far = await authRequest(api, '/admin/users?page=18446744073709551615&per_page=50', { token: api.serviceRoleKey });
    expect(far).toMatchObject({ status: 200, body: { users: [] } });
    const junk = await authRequest(api, '/admin/users?per_page=-1', { token: api.serviceRoleKey });
    expect(junk.status).toBe(400);
  });

  it('deeply nested JSON (sign-up data) is refused before it is parsed or stored', async () => {
    const depth = 20_000;
    const rawBody = `{"email":"${newEmail('deep')}","password":"password-123","data":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const response = await authRequest(api, '/signup', { rawBody });
    expect(response).toMatchObject({ status: 400, body: { code: 'bad_json' } });
    const arrays = await authRequest(api, '/signup', { rawBody: `${'['.repeat(depth)}${']'.repeat(depth)}` });
    expect(arrays.status).toBe(400);
    // Moderate nesting is fine and stored as sent.
    const nested = JSON.stringify({ email: newEmail('nested'), password: 'password-123', data: { a: { b: { c: [1, { d: 'x' }] } } } });
    expect((await authRequest(api, '/signup', { rawBody: nested })).body).toMatchObject({ user: { user_metadata: { a: { b: { c: [1, { d: 'x' }] } } } } });
  });
});
