import { fc, test } from '@fast-check/vitest';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole, user } from '../support/as-role.ts';
import { createAuthUser } from '../support/auth-users.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createProject, JOB_STATUSES, type JobStatus } from '../support/job-fixtures.ts';

let db: TestDatabase;
let users: { id: string; projects: string[] }[];

beforeAll(async () => {
  db = await createTestDatabase();
  users = [];
  for (let i = 0; i < 3; i++) {
    const id = await createAuthUser(db.sql);
    users.push({ id, projects: [await createProject(db.sql, id, 'A'), await createProject(db.sql, id, 'B')] });
  }
});
afterAll(async () => {
  await db.drop();
});

interface RandomJob {
  user: number;
  project: number;
  status: JobStatus;
  cost: number;
}

/** Inserts the jobs set-based, queued, then walks them along the workflow (the only way to reach a status). */
async function insertJobs(tx: postgres.TransactionSql, jobs: RandomJob[]) {
  if (jobs.length === 0) return;
  await tx`
    create temporary table seeded on commit drop as
    select gen_random_uuid() as id, t.* from unnest(${jobs.map((j) => users[j.user].id)}::uuid[], ${jobs.map((j) => users[j.user].projects[j.project])}::uuid[],
                         ${jobs.map((j) => j.status)}::text[], ${jobs.map((j) => j.cost)}::int[])
           as t(user_id, project_id, target, cost_cents)`;
  await tx`insert into public.generation_jobs (id, user_id, project_id, mode, provider, cost_cents) select id, user_id, project_id, 'lifestyle', 'manual', cost_cents from seeded`;
  await tx`update public.generation_jobs j set status = 'canceled' from seeded s where s.id = j.id and s.target = 'canceled'`;
  await tx`update public.generation_jobs j set status = 'running' from seeded s where s.id = j.id and s.target not in ('queued', 'canceled')`;
  await tx`update public.generation_jobs j set status = s.target, error_message = case when s.target = 'failed' then 'boom' end
           from seeded s where s.id = j.id and s.target in ('succeeded', 'failed')`;
}

const randomJobs = fc.array(
  fc.record({
    user: fc.integer({ min: 0, max: 2 }),
    project: fc.integer({ min: 0, max: 1 }),
    status: fc.constantFrom(...JOB_STATUSES),
    cost: fc.integer({ min: 0, max: 100_000 }),
  }),
  { maxLength: 60 },
);

class Rollback extends Error {}

/** Inserts the jobs, runs `check` as each user, and rolls everything back. */
async function withJobs(jobs: RandomJob[], check: (tx: postgres.TransactionSql, userIndex: number) => Promise<void>) {
  await db.sql
    .begin(async (tx) => {
      await insertJobs(tx, jobs);
      for (let u = 0; u < users.length; u++) {
        await tx`set local role authenticated`;
        await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: users[u].id, role: 'authenticated' })}, true)`;
        await check(tx, u);
        await tx`reset role`;
      }
      throw new Rollback();
    })
    .catch((error) => {
      if (!(error instanceof Rollback)) throw error;
    });
}

describe('statistics agree with totals computed independently', () => {
  test.prop([randomJobs], { numRuns: 30 })('get_job_statistics() per user equals a count over the generated jobs', async (jobs) => {
    await withJobs(jobs, async (tx, u) => {
      const rows = await tx<{ status: string; job_count: string; total_cost_cents: string; avg_cost_cents: string }[]>`
        select * from public.get_job_statistics()`;
      expect(rows.map((r) => r.status)).toEqual(JOB_STATUSES);
      for (const row of rows) {
        const mine = jobs.filter((j) => j.user === u && j.status === row.status);
        const total = mine.reduce((n, j) => n + j.cost, 0);
        expect(Number(row.job_count)).toBe(mine.length);
        expect(Number(row.total_cost_cents)).toBe(total);
        expect(Number(row.avg_cost_cents)).toBeCloseTo(mine.length ? total / mine.length : 0, 2);
      }
    });
  });

  test.prop([randomJobs], { numRuns: 30 })('generation_job_summary per user, project and status equals the same count', async (jobs) => {
    await withJobs(jobs, async (tx, u) => {
      const rows = await tx<{ user_id: string; project_id: string; status: string; job_count: string; total_cost_cents: string }[]>`
        select * from public.generation_job_summary`;
      const expected = new Map<string, { count: number; total: number }>();
      for (const job of jobs.filter((j) => j.user === u)) {
        const key = `${users[u].projects[job.project]}/${job.status}`;
        const entry = expected.get(key) ?? { count: 0, total: 0 };
        entry.count += 1;
        entry.total += job.cost;
        expected.set(key, entry);
      }
      expect(rows.every((r) => r.user_id === users[u].id)).toBe(true);
      const actual = new Map(rows.map((r) => [`${r.project_id}/${r.status}`, { count: Number(r.job_count), total: Number(r.total_cost_cents) }]));
      expect(actual).toEqual(expected);
      // The view and the function agree on the totals.
      const [stats] = await tx<{ n: string; total: string }[]>`select sum(job_count) as n, sum(total_cost_cents) as total from public.get_job_statistics()`;
      expect(Number(stats.n)).toBe(rows.reduce((n, r) => n + Number(r.job_count), 0));
      expect(Number(stats.total)).toBe(rows.reduce((n, r) => n + Number(r.total_cost_cents), 0));
    });
  });
});

describe('get_recent_jobs(job_limit)', () => {
  beforeAll(async () => {
    const [owner] = users;
    // 120 jobs, one minute apart, plus two sharing a timestamp (ties are broken by id, descending).
    await db.sql`
      insert into public.generation_jobs (user_id, project_id, mode, provider, cost_cents, created_at)
      select ${owner.id}, ${owner.projects[0]}, 'lifestyle', 'manual', n, timestamptz '2026-01-01' + n * interval '1 minute'
      from generate_series(1, 120) n`;
    await db.sql`
      insert into public.generation_jobs (user_id, project_id, mode, provider, cost_cents, created_at)
      select ${owner.id}, ${owner.projects[1]}, 'studio', 'manual', 0, timestamptz '2025-12-31' from generate_series(1, 2)`;
  });

  const recent = (limit: number | null) =>
    asRole(db.sql, user(users[0].id), (tx) => tx<{ id: string; cost_cents: number; created_at: Date }[]>`
      select id, cost_cents, created_at from public.get_recent_jobs(${limit}::integer)`);

  it('returns the newest first', async () => {
    const rows = await recent(100);
    const times = rows.map((r) => r.created_at.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(rows.slice(0, 3).map((r) => r.cost_cents)).toEqual([120, 119, 118]);
  });

  it.each([
    [null, 10],
    [0, 1],
    [-5, 1],
    [1, 1],
    [7, 7],
    [100, 100],
    [101, 100],
    [2_147_483_647, 100],
  ])('job_limit %s -> %i rows', async (limit, rows) => {
    expect(await recent(limit)).toHaveLength(rows);
  });

  it('defaults to 10 when called without an argument', async () => {
    const rows = await asRole(db.sql, user(users[0].id), (tx) => tx`select * from public.get_recent_jobs()`);
    expect(rows).toHaveLength(10);
  });

  it('orders ties on created_at by id, so pages are stable', async () => {
    const rows = await asRole(db.sql, user(users[0].id), (tx) => tx<{ id: string; created_at: Date }[]>`
      select id, created_at from public.generation_jobs where created_at = '2025-12-31' order by id desc`);
    const all = await asRole(db.sql, user(users[0].id), (tx) => tx<{ id: string }[]>`
      select id from public.get_recent_jobs(100) union all select id from (select id from public.generation_jobs order by created_at desc, id desc offset 100) t`);
    expect(rows).toHaveLength(2);
    expect(all.slice(-2).map((r) => r.id)).toEqual(rows.map((r) => r.id));
  });
});
