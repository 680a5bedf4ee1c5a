import type postgres from 'postgres';
import { asRole, user } from './as-role.ts';

/**
 * A large, rule-abiding job table for query-plan tests and benchmarks, and EXPLAIN ANALYZE of the
 * dashboard's queries as one of its users, through RLS.
 */

export const JOB_VOLUME = { users: 1_000, jobs: 200_000 } as const;

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

export interface Plan {
  nodes: PlanNode[];
  /** Execution time PostgreSQL reports. */
  ms: number;
}

/** Loads `jobs` jobs spread over `users` users (one project and asset each); returns one user and project. */
export async function loadJobVolume(sql: postgres.Sql, { users, jobs } = JOB_VOLUME): Promise<{ userId: string; projectId: string }> {
  await sql.begin(async (tx) => {
    // Bulk fixture: the data is generated consistent with every rule, so per-row triggers can be skipped.
    await tx`set local session_replication_role = replica`;
    await tx`
      insert into auth.users (instance_id, id, aud, role, email, created_at, updated_at)
      select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated',
             'load-' || n || '@example.com', now(), now()
      from generate_series(1, ${users}) n`;
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
      from generate_series(1, ${jobs}) as g(n)
      join (select row_number() over (order by id) - 1 as i, id, user_id, project_id from public.assets) a on a.i = g.n % ${users}
      cross join lateral (select (array['succeeded', 'succeeded', 'succeeded', 'failed', 'running', 'queued'])[1 + (g.n / ${users}) % 6] as status) s`;
  });
  await sql`vacuum analyze auth.users, public.projects, public.assets, public.generation_jobs`;
  const [row] = await sql<{ user_id: string; project_id: string }[]>`select user_id, project_id from public.generation_jobs limit 1`;
  return { userId: row.user_id, projectId: row.project_id };
}

async function functionBody(sql: postgres.Sql, name: string): Promise<string> {
  const [{ body }] = await sql<{ body: string }[]>`
    select prosrc as body from pg_proc where proname = ${name} and pronamespace = 'public'::regnamespace`;
  return body.trim().replace(/;$/, '');
}

export interface DashboardQuery {
  name: string;
  statement: string;
  params: unknown[];
}

/** The dashboard's hot queries; SQL functions as their bodies, so EXPLAIN sees inside them. */
export async function dashboardQueries(sql: postgres.Sql, projectId: string): Promise<DashboardQuery[]> {
  return [
    { name: 'job list', statement: 'select * from public.generation_jobs order by created_at desc limit 50', params: [] },
    { name: 'status filter', statement: `select * from public.generation_jobs where status = 'failed' order by created_at desc limit 50`, params: [] },
    { name: 'project filter', statement: 'select * from public.generation_jobs where project_id = $1 order by created_at desc limit 50', params: [projectId] },
    { name: 'get_job_statistics()', statement: await functionBody(sql, 'get_job_statistics'), params: [] },
    { name: 'get_recent_jobs(50)', statement: (await functionBody(sql, 'get_recent_jobs')).replaceAll('job_limit', '$1::integer'), params: [50] },
    { name: 'generation_job_summary', statement: 'select * from public.generation_job_summary', params: [] },
  ];
}

/** A plan tree as a flat list of its nodes. */
export function flattenPlan(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(flattenPlan)];
}

/** EXPLAIN ANALYZE as the user, through RLS: every plan node and the execution time. */
export async function explainAs(sql: postgres.Sql, userId: string, query: Pick<DashboardQuery, 'statement' | 'params'>): Promise<Plan> {
  return asRole(sql, user(userId), async (tx) => {
    const [row] = await tx.unsafe<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }[]>(
      `explain (analyze, format json) ${query.statement}`,
      query.params as never[],
    );
    const [{ Plan, 'Execution Time': ms }] = row['QUERY PLAN'];
    return { nodes: flattenPlan(Plan), ms };
  });
}

/** "Index Scan, … using generation_jobs_…": how a plan reads generation_jobs. */
export function jobAccess(plan: Plan): string {
  const onJobs = plan.nodes.filter((n) => n['Relation Name'] === 'generation_jobs').map((n) => n['Node Type']);
  const indexes = new Set(plan.nodes.flatMap((n) => (n['Index Name']?.startsWith('generation_jobs_') ? [n['Index Name']] : [])));
  return `${onJobs.join(', ')} using ${[...indexes].join(', ') || 'no index'}`;
}
