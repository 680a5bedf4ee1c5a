import type postgres from 'postgres';
import { asRole, user, type Actor } from './as-role.ts';

/**
 * A large, rule-abiding job table for query-plan tests and the scale benchmark, and EXPLAIN ANALYZE of the
 * dashboard's queries as one of its users, through RLS.
 */

export interface JobVolume {
  /** Light accounts, one project each, sharing `jobs - heavy.jobs` jobs. */
  users: number;
  /** Jobs in the table. */
  jobs: number;
  /** One heavy account with this many jobs over this many projects (the first holds 60% of them). */
  heavy?: { jobs: number; projects: number };
  /** Jobs are created over this many days up to now (finished ones carry timings, for the metrics). */
  days?: number;
}

/** What tests/db/plans.test.ts loads: 200,000 jobs, half of them one account's, the rest over 1,000 accounts. */
export const JOB_VOLUME = { users: 1_000, jobs: 200_000, heavy: { jobs: 100_000, projects: 3 } } as const satisfies JobVolume;

/** What `npm run bench:scale` loads: an account with 500,000 jobs in a 1,000,000-job table. */
export const SCALE_VOLUME = { users: 1_000, jobs: 1_000_000, heavy: { jobs: 500_000, projects: 5 }, days: 365 } as const satisfies JobVolume;

export interface Account {
  userId: string;
  projectId: string;
}

export interface LoadedVolume {
  /** One light account (a few hundred jobs). */
  light: Account;
  /** The heavy account, when the volume has one; its busiest project. */
  heavy: Account | null;
}

/**
 * Loads the volume set-based with per-row triggers off (the data is generated consistent with every rule),
 * then rebuilds the rollups and analyzes. Jobs created in the last hour are queued or running; older ones
 * finished (80% succeeded, 12% failed, 8% canceled) with queue waits of 5 ms to 20 s and run times of 0.2 to
 * 60 s drawn from a fixed hash of their number, so every load is the same.
 */
export async function loadJobVolume(sql: postgres.Sql, volume: JobVolume = JOB_VOLUME): Promise<LoadedVolume> {
  const heavy = volume.heavy ?? null;
  const lightJobs = volume.jobs - (heavy?.jobs ?? 0);
  const days = volume.days ?? 365;
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`
      insert into auth.users (instance_id, id, aud, role, email, created_at, updated_at)
      select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated',
             'load-' || n || '@example.com', now(), now()
      from generate_series(1, ${volume.users}) n`;
    await tx`insert into public.projects (user_id, name) select id, 'Catalogue' from auth.users where email like 'load-%'`;
    if (heavy) {
      await tx`
        insert into auth.users (instance_id, id, aud, role, email, created_at, updated_at)
        values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', 'heavy@example.com', now(), now())`;
      await tx`
        insert into public.projects (user_id, name)
        select u.id, 'Catalogue ' || p from auth.users u, generate_series(1, ${heavy.projects}) p where u.email = 'heavy@example.com'`;
    }
    await tx`
      insert into public.assets (user_id, project_id, name, storage_path, mime_type)
      select user_id, id, 'photo.png', user_id || '/' || id || '/photo.png', 'image/png' from public.projects`;
    // Which account and project each job number belongs to: light jobs round-robin over the light
    // accounts; heavy jobs 60% in the first project, the rest spread over the others.
    await tx`
      create temporary table volume_slots on commit drop as
      select row_number() over (order by a.id) - 1 as slot, a.id as asset_id, a.user_id, a.project_id
      from public.assets a join auth.users u on u.id = a.user_id where u.email like 'load-%'`;
    await tx`
      create temporary table volume_jobs on commit drop as
      select g.n, s.user_id, s.project_id, s.asset_id, g.n::double precision / ${lightJobs} as age
      from generate_series(1, ${lightJobs}) as g(n)
      join volume_slots s on s.slot = g.n % ${volume.users}`;
    if (heavy) {
      await tx`
        create temporary table heavy_slots on commit drop as
        select row_number() over (order by p.name) - 1 as slot, a.id as asset_id, a.user_id, a.project_id
        from public.assets a join public.projects p on p.id = a.project_id join auth.users u on u.id = a.user_id
        where u.email = 'heavy@example.com'`;
      await tx`
        insert into volume_jobs
        select ${lightJobs} + g.n, s.user_id, s.project_id, s.asset_id, g.n::double precision / ${heavy.jobs}
        from generate_series(1, ${heavy.jobs}) as g(n)
        join heavy_slots s on s.slot = case when g.n % 10 < 6 then 0 else 1 + g.n % ${heavy.projects - 1} end`;
    }
    await tx`
      insert into public.generation_jobs (user_id, project_id, input_asset_id, mode, provider, status, cost_cents, error_message,
                                          created_at, updated_at, run_at, attempts, max_attempts, started_at, finished_at,
                                          last_error, locked_by, locked_until)
      select v.user_id, v.project_id, case when v.n % 3 = 0 then null else v.asset_id end, m.mode, 'simulated', x.status, m.price_cents,
             case when x.status = 'failed' then 'Provider timed out' end,
             t.created_at, coalesce(t.finished_at, t.started_at, t.created_at), t.created_at,
             case when t.started_at is null then 0 else 1 end, 3, t.started_at, t.finished_at,
             case when x.status = 'failed' then 'Provider timed out' end,
             case when x.status = 'running' then 'volume-worker' end,
             case when x.status = 'running' then now() + interval '30 seconds' end
      from volume_jobs v
      cross join lateral (select ((v.n * 2654435761::bigint) % 4294967296)::float8 / 4294967296 as u1,
                                 ((v.n * 40503::bigint + 12345) % 65536)::float8 / 65536 as u2) r
      cross join lateral (select (array['studio-white', 'lifestyle', 'background-removal', 'upscale', 'shadow'])[1 + v.n % 5] as mode) k
      join public.generation_modes m on m.mode = k.mode and m.provider = 'simulated'
      cross join lateral (select now() - v.age * ${days}::float8 * interval '1 day' as created_at) c
      cross join lateral (
        select case
                 when c.created_at > now() - interval '1 hour' then case when v.n % 3 = 0 then 'running' else 'queued' end
                 when (v.n * 7) % 100 < 80 then 'succeeded'
                 when (v.n * 7) % 100 < 92 then 'failed'
                 else 'canceled'
               end as status
      ) x
      cross join lateral (
        select c.created_at,
               case when x.status in ('running', 'succeeded', 'failed') or (x.status = 'canceled' and v.n % 2 = 0)
                    then c.created_at + (5 + r.u1 ^ 3 * 20000) * interval '1 millisecond' end as started_at,
               case when x.status in ('succeeded', 'failed', 'canceled')
                    then c.created_at + (5 + r.u1 ^ 3 * 20000 + 200 + r.u2 ^ 2 * 60000) * interval '1 millisecond' end as finished_at
      ) t`;
  });
  await sql`select job_rollups.rebuild()`;
  await sql`vacuum analyze auth.users, public.projects, public.assets, public.generation_jobs, job_rollups.status_totals, job_rollups.mode_hours, job_rollups.latency_bins`;
  const [light] = await sql<{ user_id: string; project_id: string }[]>`
    select p.user_id, p.id as project_id from public.projects p join auth.users u on u.id = p.user_id
    where u.email = 'load-1@example.com'`;
  const [busiest] = heavy
    ? await sql<{ user_id: string; project_id: string }[]>`
        select p.user_id, p.id as project_id from public.projects p join auth.users u on u.id = p.user_id
        where u.email = 'heavy@example.com' order by p.name limit 1`
    : [];
  return {
    light: { userId: light.user_id, projectId: light.project_id },
    heavy: busiest ? { userId: busiest.user_id, projectId: busiest.project_id } : null,
  };
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

// The columns lib/db's job helpers select (generation-jobs-core.ts), as PostgREST sends them.
const LIST = 'select * from public.generation_jobs';

/**
 * The dashboard's hot queries as the app sends them (PostgREST's statements for the lists; SQL functions
 * called as they are). For EXPLAIN, `inline` gives the bodies of the SQL functions instead, so the plan
 * shows what they read.
 */
export async function dashboardQueries(sql: postgres.Sql, projectId: string, options: { inline?: boolean } = {}): Promise<DashboardQuery[]> {
  // A cursor deep in the list: the keyset must start there, not scan up to it.
  const [cursor] = await sql<{ created_at: Date; id: string }[]>`
    select created_at, id from public.generation_jobs where project_id = ${projectId}
    order by created_at desc, id desc offset 200 limit 1`;
  const body = async (name: string, call: string) => (options.inline ? await functionBody(sql, name) : call);
  return [
    { name: 'job list (project)', statement: `${LIST} where project_id = $1 order by created_at desc, id desc limit 11`, params: [projectId] },
    {
      name: 'job list, page 21',
      statement: `${LIST} where project_id = $1 and created_at <= $2 and (created_at < $2 or (created_at = $2 and id < $3))
                  order by created_at desc, id desc limit 11`,
      params: [projectId, cursor?.created_at ?? new Date(), cursor?.id ?? '00000000-0000-0000-0000-000000000000'],
    },
    { name: 'all jobs', statement: `${LIST} order by created_at desc, id desc limit 26`, params: [] },
    { name: 'status filter', statement: `${LIST} where status = 'failed' order by created_at desc, id desc limit 26`, params: [] },
    { name: 'get_job_statistics()', statement: await body('get_job_statistics', 'select * from public.get_job_statistics()'), params: [] },
    {
      name: 'total cost',
      statement: `select sum(total_cost_cents) from ${options.inline ? `(${await functionBody(sql, 'get_job_statistics')}) s(status, job_count, total_cost_cents, avg_cost_cents)` : 'public.get_job_statistics()'}`,
      params: [],
    },
    {
      name: 'get_recent_jobs(10)',
      statement: options.inline ? (await functionBody(sql, 'get_recent_jobs')).replaceAll('job_limit', '$1::integer') : 'select * from public.get_recent_jobs($1)',
      params: [10],
    },
    { name: 'generation_job_summary', statement: 'select * from public.generation_job_summary', params: [] },
    { name: 'get_job_metrics()', statement: 'select * from public.get_job_metrics()', params: [] },
    { name: 'timeseries 24 h by hour', statement: `select * from public.get_job_timeseries(now() - interval '24 hours', now(), 'hour')`, params: [] },
    { name: 'timeseries 30 d by day', statement: `select * from public.get_job_timeseries(now() - interval '30 days', now(), 'day')`, params: [] },
  ];
}

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

/** A plan tree as a flat list of its nodes. */
export function flattenPlan(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(flattenPlan)];
}

/** EXPLAIN ANALYZE as `actor` (default: the user `userId`), through RLS: every plan node and the execution time. */
export async function explainAs(sql: postgres.Sql, userId: string, query: Pick<DashboardQuery, 'statement' | 'params'>, actor: Actor = user(userId)): Promise<Plan> {
  return asRole(sql, actor, async (tx) => {
    const [row] = await tx.unsafe<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }[]>(
      `explain (analyze, format json) ${query.statement}`,
      query.params as never[],
    );
    const [{ Plan, 'Execution Time': ms }] = row['QUERY PLAN'];
    return { nodes: flattenPlan(Plan), ms };
  });
}

/** "Index Scan on generation_jobs using …": how a plan reads each table. */
export function access(plan: Plan): string {
  const reads = plan.nodes.filter((n) => n['Relation Name']);
  const byTable = new Map<string, Set<string>>();
  for (const node of reads) {
    const entry = byTable.get(node['Relation Name']!) ?? new Set<string>();
    entry.add(node['Index Name'] ? `${node['Node Type']} using ${node['Index Name']}` : node['Node Type']);
    byTable.set(node['Relation Name']!, entry);
  }
  return [...byTable].map(([table, how]) => `${table}: ${[...how].join(', ')}`).join('; ');
}
