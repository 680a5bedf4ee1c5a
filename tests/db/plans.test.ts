import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole, user } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';

const USERS = 1_000;
const JOBS = 200_000;

let db: TestDatabase;
let someone: string;
let someProject: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const started = Date.now();
  await db.sql.begin(async (tx) => {
    // Bulk fixture: the data is generated consistent with every rule, so per-row triggers can be skipped.
    await tx`set local session_replication_role = replica`;
    await tx`
      insert into auth.users (instance_id, id, aud, role, email, created_at, updated_at)
      select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated',
             'load-' || n || '@example.com', now(), now()
      from generate_series(1, ${USERS}) n`;
    await tx`insert into public.projects (user_id, name) select id, 'Catalogue' from auth.users`;
    await tx`
      insert into public.assets (user_id, project_id, name, storage_path, mime_type)
      select user_id, id, 'photo.png', user_id || '/' || id || '/photo.png', 'image/png' from public.projects`;
    await tx`
      insert into public.generation_jobs (user_id, project_id, input_asset_id, mode, status, cost_cents, error_message, created_at, updated_at)
      select a.user_id, a.project_id, case when g.n % 3 = 0 then null else a.id end,
             (array['lifestyle', 'studio-white', 'background-removal', 'upscale'])[1 + g.n % 4],
             s.status, (g.n * 37) % 500,
             case when s.status = 'failed' then 'Provider timed out' end,
             timestamptz '2026-01-01' - (g.n * interval '13 seconds'), now()
      from generate_series(1, ${JOBS}) as g(n)
      join (select row_number() over (order by id) - 1 as i, id, user_id, project_id from public.assets) a on a.i = g.n % ${USERS}
      cross join lateral (select (array['succeeded', 'succeeded', 'succeeded', 'failed', 'running', 'queued'])[1 + (g.n / ${USERS}) % 6] as status) s`;
  });
  await db.sql`vacuum analyze auth.users, public.projects, public.assets, public.generation_jobs`;
  console.log(`plans: ${JOBS} jobs over ${USERS} users generated and analyzed in ${Date.now() - started} ms`);
  [{ user_id: someone, project_id: someProject }] = await db.sql<{ user_id: string; project_id: string }[]>`
    select user_id, project_id from public.generation_jobs limit 1`;
}, 120_000);
afterAll(async () => {
  await db.drop();
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** EXPLAIN ANALYZE as the user, through RLS: returns every plan node and the execution time. */
async function explain(statement: string, params: unknown[] = []) {
  return asRole(db.sql, user(someone), async (tx) => {
    const [row] = await tx.unsafe<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }[]>(
      `explain (analyze, format json) ${statement}`,
      params as never[],
    );
    const [{ Plan, 'Execution Time': ms }] = row['QUERY PLAN'];
    return { nodes: nodes(Plan), ms };
  });
}

function expectIndexedAccess(plan: { nodes: PlanNode[] }) {
  const onJobs = plan.nodes.filter((n) => n['Relation Name'] === 'generation_jobs');
  expect(onJobs.length).toBeGreaterThan(0);
  expect(onJobs.map((n) => n['Node Type'])).not.toContain('Seq Scan');
  for (const node of onJobs) expect(node['Node Type']).toMatch(/Index|Bitmap Heap Scan/);
  const indexes = plan.nodes.filter((n) => n['Index Name']?.startsWith('generation_jobs_')).map((n) => n['Index Name']);
  expect(indexes.length).toBeGreaterThan(0);
  return `${onJobs.map((n) => n['Node Type']).join(', ')} using ${[...new Set(indexes)].join(', ')}`;
}

async function functionBody(name: string): Promise<string> {
  const [{ body }] = await db.sql<{ body: string }[]>`select prosrc as body from pg_proc where proname = ${name} and pronamespace = 'public'::regnamespace`;
  return body.trim().replace(/;$/, '');
}

describe(`query plans with ${JOBS} jobs over ${USERS} users (as an authenticated user, through RLS)`, () => {
  it('the job list (order by created_at desc limit 50) uses an index', async () => {
    const plan = await explain(`select * from public.generation_jobs order by created_at desc limit 50`);
    console.log('plans: job list', expectIndexedAccess(plan), `${plan.ms.toFixed(2)} ms`);
    expect(plan.ms).toBeLessThan(50);
  });

  it('a status filter uses an index', async () => {
    const plan = await explain(`select * from public.generation_jobs where status = 'failed' order by created_at desc limit 50`);
    console.log('plans: status filter', expectIndexedAccess(plan), `${plan.ms.toFixed(2)} ms`);
    expect(plan.ms).toBeLessThan(50);
  });

  it('a project filter uses an index', async () => {
    const plan = await explain(`select * from public.generation_jobs where project_id = $1 order by created_at desc limit 50`, [someProject]);
    console.log('plans: project filter', expectIndexedAccess(plan), `${plan.ms.toFixed(2)} ms`);
  });

  it('get_job_statistics() (its body, as the function runs it) uses an index', async () => {
    const plan = await explain(await functionBody('get_job_statistics'));
    console.log('plans: statistics', expectIndexedAccess(plan), `${plan.ms.toFixed(2)} ms`);
    expect(plan.ms).toBeLessThan(50);
  });

  it('get_recent_jobs(50) (its body) uses an index', async () => {
    const body = (await functionBody('get_recent_jobs')).replaceAll('job_limit', '$1::integer');
    const plan = await explain(body, [50]);
    console.log('plans: recent jobs', expectIndexedAccess(plan), `${plan.ms.toFixed(2)} ms`);
  });

  it('generation_job_summary uses an index', async () => {
    const plan = await explain(`select * from public.generation_job_summary`);
    console.log('plans: summary view', expectIndexedAccess(plan), `${plan.ms.toFixed(2)} ms`);
  });

  it('the functions themselves answer quickly at this size', async () => {
    const started = performance.now();
    const stats = await asRole(db.sql, user(someone), (tx) => tx<{ job_count: string }[]>`select * from public.get_job_statistics()`);
    const recent = await asRole(db.sql, user(someone), (tx) => tx`select * from public.get_recent_jobs(50)`);
    const elapsed = performance.now() - started;
    console.log(`plans: get_job_statistics + get_recent_jobs(50) round trips: ${elapsed.toFixed(1)} ms`);
    expect(stats.reduce((n, r) => n + Number(r.job_count), 0)).toBe(JOBS / USERS);
    expect(recent).toHaveLength(50);
  });
});

describe(`the queue's statements with ${JOBS} jobs (as the worker runs them: the database owner, no RLS)`, () => {
  async function explainAsOwner(statement: string) {
    const [row] = await db.sql.unsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(`explain (format json) ${statement}`);
    return nodes(row['QUERY PLAN'][0].Plan);
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
