import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { asRole, user } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';

const DEMO_USER = 'd0d0d0d0-0000-4000-8000-000000000001';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ seed: true });
});
afterAll(async () => {
  await db.drop();
});

describe('supabase/seed.sql', () => {
  it('creates demo@example.com as GoTrue expects it, with a bcrypt hash of demo-password', async () => {
    const [row] = await db.sql<Record<string, unknown>[]>`
      select id, instance_id, aud, role, encrypted_password, email_confirmed_at is not null as confirmed,
             confirmation_token, recovery_token, email_change_token_new, email_change, raw_app_meta_data
      from auth.users where email = 'demo@example.com'`;
    expect(row).toMatchObject({
      id: DEMO_USER,
      instance_id: '00000000-0000-0000-0000-000000000000',
      aud: 'authenticated',
      role: 'authenticated',
      confirmed: true,
      confirmation_token: '',
      recovery_token: '',
      email_change_token_new: '',
      email_change: '',
      raw_app_meta_data: { provider: 'email', providers: ['email'] },
    });
    expect(row.encrypted_password).toMatch(/^\$2a\$/);
    expect(await bcrypt.compare('demo-password', row.encrypted_password as string)).toBe(true);
    const identities = await db.sql`select provider, provider_id, email from auth.identities where user_id = ${DEMO_USER}`;
    expect(identities).toEqual([{ provider: 'email', provider_id: DEMO_USER, email: 'demo@example.com' }]);
  });

  it('gives the demo user a project with assets and jobs in every status, with costs and error messages', async () => {
    const stats = await asRole(db.sql, user(DEMO_USER), (tx) => tx<{ status: string; job_count: string; total_cost_cents: string }[]>`
      select * from public.get_job_statistics()`);
    for (const row of stats) {
      expect(Number(row.job_count), row.status).toBeGreaterThan(0);
      expect(Number(row.total_cost_cents), row.status).toBeGreaterThan(0);
    }
    const failed = await db.sql`select error_message from public.generation_jobs where status = 'failed'`;
    expect(failed.every((r) => typeof r.error_message === 'string' && r.error_message.length > 0)).toBe(true);
    const [{ projects, assets }] = await db.sql`
      select (select count(*) from public.projects where user_id = ${DEMO_USER})::int as projects,
             (select count(*) from public.assets where user_id = ${DEMO_USER})::int as assets`;
    expect(projects).toBeGreaterThan(0);
    expect(assets).toBeGreaterThan(0);
  });

  it('can run again without error or change', async () => {
    const before = await db.sql`select id, status, updated_at from public.generation_jobs order by id`;
    await db.sql.unsafe(readFileSync('supabase/seed.sql', 'utf8'));
    expect(await db.sql`select id, status, updated_at from public.generation_jobs order by id`).toEqual(before);
  });
});
