import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole, user } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { access, dashboardQueries, explainAs, flattenPlan, JOB_VOLUME, loadJobVolume, type DashboardQuery, type PlanNode } from '../support/job-volume.ts';

// Plan shapes only: how fast these run is `npm run bench:scale`'s business (timings vary with the machine).

let db: TestDatabase;
let someone: string;
let heavy: string;
let queries: DashboardQuery[];
let heavyQueries: DashboardQuery[];

beforeAll(async () => {
  db = await createTestDatabase();
  const loaded = await loadJobVolume(db.sql);
  someone = loaded.light.userId;
  heavy = loaded.heavy!.userId;
  queries = await dashboardQueries(db.sql, loaded.light.projectId, { inline: true });
  heavyQueries = await dashboardQueries(db.sql, loaded.heavy!.projectId, { inline: true });
}, 180_000);
afterAll(async () => {
  await db.drop();
});

/** The plan of a dashboard query as the light account, or as the heavy one (where the order of reads matters). */
async function planOf(name: string, account: 'light' | 'heavy' = 'light') {
  const query = (account === 'light' ? queries : heavyQueries).find((candidate) => candidate.name === name)!;
  const plan = await explainAs(db.sql, account === 'light' ? someone : heavy, query);
  console.log(`plans (${account}): ${name}: ${access(plan)}`);
  return plan;
}

const reads = (nodes: PlanNode[], table: string) => nodes.filter((n) => n['Relation Name'] === table);
const indexesOn = (nodes: PlanNode[], table: string) => [...new Set(reads(nodes, table).map((n) => n['Index Name'] ?? n['Node Type']))];

describe(`query plans with ${JOB_VOLUME.jobs} jobs, ${JOB_VOLUME.heavy.jobs} of them one account's (as an authenticated user, through RLS)`, () => {
  it.each([
    ['job list (project)', 'generation_jobs_project_created_idx'],
    ['job list, page 21', 'generation_jobs_project_created_idx'],
    ['all jobs', 'generation_jobs_user_created_idx'],
    ['status filter', 'generation_jobs_user_status_created_idx'],
    ['get_recent_jobs(10)', 'generation_jobs_user_created_idx'],
  ])('%s reads %s in order for the heavy account: no sort, no other read of generation_jobs', async (name, index) => {
    const { nodes } = await planOf(name, 'heavy');
    if (name === 'status filter' && indexesOn(nodes, 'generation_jobs')[0] === 'Bitmap Heap Scan') {
      // RLS compares user_id with auth.uid(), a value the planner does not know: it estimates an average
      // account's few failed jobs, and a bitmap scan of the same index plus a sort of those rows costs about
      // what the ordered scan does, so ANALYZE's sample can tip it either way. Both read only that index.
      expect(nodes.filter((n) => n['Node Type'] === 'Bitmap Index Scan').map((n) => n['Index Name'])).toEqual([index]);
      return;
    }
    expect(indexesOn(nodes, 'generation_jobs')).toEqual([index]);
    expect(nodes.map((n) => n['Node Type'])).not.toContain('Sort');
  });

  it('the keyset of a later page starts at the cursor (an index condition, not a filter)', async () => {
    const { nodes } = await planOf('job list, page 21', 'heavy');
    const scan = nodes.find((n) => n['Index Name'] === 'generation_jobs_project_created_idx') as PlanNode & { 'Index Cond'?: string };
    expect(scan['Index Cond']).toMatch(/created_at <=/);
  });

  it.each(['light', 'heavy'] as const)('every list reads an index of generation_jobs (%s account)', async (account) => {
    for (const name of ['job list (project)', 'job list, page 21', 'all jobs', 'status filter', 'get_recent_jobs(10)']) {
      const { nodes } = await planOf(name, account);
      expect(reads(nodes, 'generation_jobs').map((n) => n['Node Type']), name).not.toContain('Seq Scan');
      expect(nodes.some((n) => n['Index Name']?.startsWith('generation_jobs_')), name).toBe(true);
    }
  });

  it('get_job_statistics() and the total cost read the rollups only', async () => {
    for (const name of ['get_job_statistics()', 'total cost']) {
      const { nodes } = await planOf(name);
      expect(reads(nodes, 'generation_jobs')).toEqual([]);
      expect(indexesOn(nodes, 'status_totals')).toEqual(['status_totals_pkey']);
    }
  });

  it('generation_job_summary reads the rollups, then one probe per group for its newest job', async () => {
    const { nodes } = await planOf('generation_job_summary', 'heavy');
    expect(indexesOn(nodes, 'status_totals')).toEqual(['status_totals_pkey']);
    expect(indexesOn(nodes, 'generation_jobs')).toEqual(['generation_jobs_user_status_created_idx']);
    expect(indexesOn(nodes, 'generation_jobs_archive')).toEqual(['generation_jobs_archive_user_status_project_idx']);
  });

  it('the functions answer correctly at this size', async () => {
    const stats = await asRole(db.sql, user(someone), (tx) => tx<{ job_count: string }[]>`select * from public.get_job_statistics()`);
    const recent = await asRole(db.sql, user(someone), (tx) => tx`select * from public.get_recent_jobs(50)`);
    const metrics = await asRole(db.sql, user(someone), (tx) => tx<{ jobs: string }[]>`select * from public.get_job_metrics(now() - interval '400 days', now())`);
    const [finished] = await db.sql<{ n: string }[]>`
      select count(*) as n from public.generation_jobs where user_id = ${someone} and status in ('succeeded', 'failed', 'canceled')`;
    expect(stats.reduce((n, r) => n + Number(r.job_count), 0)).toBe((JOB_VOLUME.jobs - JOB_VOLUME.heavy.jobs) / JOB_VOLUME.users);
    expect(recent).toHaveLength(50);
    expect(metrics.reduce((n, r) => n + Number(r.jobs), 0)).toBe(Number(finished.n));
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

  it('archival reads the created_at index from the oldest job', async () => {
    const plan = await explainAsOwner(`
      select j.id from public.generation_jobs j
      where j.created_at < now() - interval '90 days' and j.status in ('succeeded', 'failed', 'canceled')
        and coalesce(j.finished_at, j.updated_at) < now() - interval '90 days'
      order by j.created_at limit 1000 for update skip locked`);
    expect(plan.map((n) => n['Node Type'])).not.toContain('Sort');
    expect(plan.filter((n) => n['Relation Name'] === 'generation_jobs').map((n) => n['Index Name'])).toEqual(['generation_jobs_created_at_idx']);
  });
});
