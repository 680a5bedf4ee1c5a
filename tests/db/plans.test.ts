import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole, user } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import {
  dashboardQueries,
  explainAs,
  flattenPlan,
  JOB_VOLUME,
  jobAccess,
  loadJobVolume,
  type DashboardQuery,
  type Plan,
  type PlanNode,
} from '../support/job-volume.ts';

// Plan shapes only: how fast these run is `npm run bench:plans`' business (timings vary with the machine).

let db: TestDatabase;
let someone: string;
let queries: DashboardQuery[];

beforeAll(async () => {
  db = await createTestDatabase();
  const loaded = await loadJobVolume(db.sql);
  someone = loaded.userId;
  queries = await dashboardQueries(db.sql, loaded.projectId);
}, 120_000);
afterAll(async () => {
  await db.drop();
});

function expectIndexedAccess(plan: Plan) {
  const onJobs = plan.nodes.filter((n) => n['Relation Name'] === 'generation_jobs');
  expect(onJobs.length).toBeGreaterThan(0);
  expect(onJobs.map((n) => n['Node Type'])).not.toContain('Seq Scan');
  for (const node of onJobs) expect(node['Node Type']).toMatch(/Index|Bitmap Heap Scan/);
  expect(plan.nodes.some((n) => n['Index Name']?.startsWith('generation_jobs_'))).toBe(true);
}

describe(`query plans with ${JOB_VOLUME.jobs} jobs over ${JOB_VOLUME.users} users (as an authenticated user, through RLS)`, () => {
  it.each(['job list', 'status filter', 'project filter', 'get_job_statistics()', 'get_recent_jobs(50)', 'generation_job_summary'])(
    '%s uses an index on generation_jobs',
    async (name) => {
      const query = queries.find((candidate) => candidate.name === name)!;
      const plan = await explainAs(db.sql, someone, query);
      expectIndexedAccess(plan);
      console.log(`plans: ${name}: ${jobAccess(plan)}`);
    },
  );

  it('the functions answer correctly at this size', async () => {
    const stats = await asRole(db.sql, user(someone), (tx) => tx<{ job_count: string }[]>`select * from public.get_job_statistics()`);
    const recent = await asRole(db.sql, user(someone), (tx) => tx`select * from public.get_recent_jobs(50)`);
    expect(stats.reduce((n, r) => n + Number(r.job_count), 0)).toBe(JOB_VOLUME.jobs / JOB_VOLUME.users);
    expect(recent).toHaveLength(50);
  });
});

describe('budget usage at this size', () => {
  it('reads the spend rollup by its key, never generation_jobs', async () => {
    // The bulk fixture skipped the triggers: fill the rollup as the migration does for existing jobs.
    await db.sql`
      insert into public.job_spend (user_id, month, project_id, reserved_cents, settled_cents)
      select user_id, public.job_spend_month(created_at), project_id,
             coalesce(sum(cost_cents) filter (where status in ('queued', 'running')), 0),
             coalesce(sum(cost_cents) filter (where status not in ('queued', 'running')), 0)
      from public.generation_jobs group by 1, 2, 3
      on conflict do nothing`;
    await db.sql`analyze public.job_spend`;
    const [{ month, expected }] = await db.sql<{ month: string; expected: string }[]>`
      select public.job_spend_month(created_at)::text as month, sum(cost_cents) as expected from public.generation_jobs
      where user_id = ${someone} group by 1 order by 1 desc limit 1`;
    const plan = await explainAs(db.sql, someone, { statement: `select * from public.get_budget_usage($1)`, params: [month] });
    const [row] = await asRole(db.sql, user(someone), (tx) => tx`
      select reserved_cents + settled_cents as total from public.get_budget_usage(${month}) where scope = 'account'`);
    expect(Number(row.total)).toBe(Number(expected));
    // A function scan hides its body: explain the body's reads directly.
    const body = await explainAs(db.sql, someone, {
      statement: `select sum(s.reserved_cents), sum(s.settled_cents) from public.job_spend s where s.user_id = auth.uid() and s.month = $1`,
      params: [month],
    });
    expect(plan.nodes.some((n) => n['Relation Name'] === 'generation_jobs')).toBe(false);
    expect(body.nodes.filter((n) => n['Relation Name'] === 'job_spend').map((n) => n['Node Type'])).not.toContain('Seq Scan');
    console.log(`plans: get_budget_usage(): ${plan.ms.toFixed(2)} ms`);
  });
});

describe(`the queue's statements with ${JOB_VOLUME.jobs} jobs (as the worker runs them: the database owner, no RLS)`, () => {
  async function explainAsOwner(statement: string): Promise<PlanNode[]> {
    const [row] = await db.sql.unsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(`explain (format json) ${statement}`);
    return flattenPlan(row['QUERY PLAN'][0].Plan);
  }

  it('the claim reads the partial claim index in claim order (no sort, no scan of finished jobs)', async () => {
    const plan = await explainAsOwner(`
      select j.id from public.generation_jobs j
      where j.status = 'queued' and j.run_at <= now() and j.provider = any ('{local}') and j.provider <> 'manual'
      order by j.priority, j.run_at, j.id limit 100 for update skip locked`);
    expect(plan.map((n) => n['Node Type'])).not.toContain('Sort');
    expect(plan.filter((n) => n['Relation Name'] === 'generation_jobs').map((n) => n['Index Name'])).toEqual(['generation_jobs_claim_idx']);
  });

  it('the rescue reads the partial lease index', async () => {
    const plan = await explainAsOwner(`
      select j.id from public.generation_jobs j where j.status = 'running' and j.locked_until < now()
      order by j.locked_until limit 1000 for update skip locked`);
    expect(plan.filter((n) => n['Relation Name'] === 'generation_jobs').map((n) => n['Index Name'])).toEqual(['generation_jobs_lease_idx']);
  });
});
