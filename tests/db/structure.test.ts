import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('generation_jobs table (as the seed describes it)', () => {
  it('has exactly the 10 columns with their types, nullability and defaults', async () => {
    const columns = await db.sql<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }[]>`
      select column_name, data_type, is_nullable, column_default
      from information_schema.columns
      where table_schema = 'public' and table_name = 'generation_jobs'
      order by ordinal_position`;
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'uuid', is_nullable: 'NO', column_default: 'gen_random_uuid()' },
      { column_name: 'user_id', data_type: 'uuid', is_nullable: 'NO', column_default: 'auth.uid()' },
      { column_name: 'project_id', data_type: 'uuid', is_nullable: 'NO', column_default: null },
      { column_name: 'input_asset_id', data_type: 'uuid', is_nullable: 'YES', column_default: null },
      { column_name: 'mode', data_type: 'text', is_nullable: 'NO', column_default: null },
      { column_name: 'status', data_type: 'text', is_nullable: 'NO', column_default: "'queued'::text" },
      { column_name: 'cost_cents', data_type: 'integer', is_nullable: 'NO', column_default: '0' },
      { column_name: 'error_message', data_type: 'text', is_nullable: 'YES', column_default: null },
      { column_name: 'created_at', data_type: 'timestamp with time zone', is_nullable: 'NO', column_default: 'now()' },
      { column_name: 'updated_at', data_type: 'timestamp with time zone', is_nullable: 'NO', column_default: 'now()' },
    ]);
  });

  it('constrains status to queued, running, succeeded, failed, matching public.job_statuses', async () => {
    const [check] = await db.sql<{ def: string }[]>`
      select pg_get_constraintdef(oid) as def from pg_constraint
      where conrelid = 'public.generation_jobs'::regclass and conname = 'generation_jobs_status_check'`;
    for (const status of ['queued', 'running', 'succeeded', 'failed']) expect(check.def).toContain(`'${status}'::text`);
    const statuses = await db.sql<{ status: string }[]>`select status from public.job_statuses order by sort_order`;
    expect(statuses.map((s) => s.status)).toEqual(['queued', 'running', 'succeeded', 'failed']);
    const transitions = await db.sql<{ t: string }[]>`
      select from_status || '>' || to_status as t from public.job_status_transitions order by 1`;
    expect(transitions.map((r) => r.t)).toEqual(['queued>running', 'running>failed', 'running>succeeded']);
  });

  it('has the check constraints for mode, cost_cents and error_message', async () => {
    const checks = await db.sql<{ conname: string }[]>`
      select conname from pg_constraint
      where conrelid = 'public.generation_jobs'::regclass and contype = 'c' order by conname`;
    expect(checks.map((c) => c.conname)).toEqual([
      'generation_jobs_cost_cents_check',
      'generation_jobs_error_message_check',
      'generation_jobs_mode_check',
      'generation_jobs_status_check',
    ]);
  });

  it('references auth.users (cascade), projects (cascade) and assets (set null) through ownership keys', async () => {
    const fks = await db.sql<{ conname: string; target: string; columns: string[]; target_columns: string[]; on_delete: string; set_null: string[] | null }[]>`
      select c.conname, c.confrelid::regclass::text as target,
             array(select a.attname::text from unnest(c.conkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i) as columns,
             array(select a.attname::text from unnest(c.confkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i) as target_columns,
             c.confdeltype::text as on_delete,
             array(select a.attname::text from unnest(c.confdelsetcols) k(n) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n) as set_null
      from pg_constraint c
      where c.conrelid = 'public.generation_jobs'::regclass and c.contype = 'f'
      order by c.conname`;
    expect(fks).toEqual([
      { conname: 'generation_jobs_input_asset_id_fkey', target: 'assets', columns: ['input_asset_id', 'project_id', 'user_id'], target_columns: ['id', 'project_id', 'user_id'], on_delete: 'n', set_null: ['input_asset_id'] },
      { conname: 'generation_jobs_project_id_fkey', target: 'projects', columns: ['project_id', 'user_id'], target_columns: ['id', 'user_id'], on_delete: 'c', set_null: [] },
      { conname: 'generation_jobs_user_id_fkey', target: 'auth.users', columns: ['user_id'], target_columns: ['id'], on_delete: 'c', set_null: [] },
    ]);
  });

  it('has RLS enabled with exactly 4 policies, one per command, to authenticated with (select auth.uid()) = user_id', async () => {
    const [{ rls }] = await db.sql<{ rls: boolean }[]>`select relrowsecurity as rls from pg_class where oid = 'public.generation_jobs'::regclass`;
    expect(rls).toBe(true);
    const policies = await db.sql<{ cmd: string; roles: string[]; qual: string | null; with_check: string | null; permissive: string }[]>`
      select cmd, roles::text[] as roles, qual, with_check, permissive from pg_policies
      where schemaname = 'public' and tablename = 'generation_jobs' order by cmd`;
    expect(policies.map((p) => p.cmd)).toEqual(['DELETE', 'INSERT', 'SELECT', 'UPDATE']);
    const ownRows = '( SELECT auth.uid() AS uid) = user_id';
    for (const policy of policies) {
      expect(policy.roles).toEqual(['authenticated']);
      expect(policy.permissive).toBe('PERMISSIVE');
      if (policy.cmd !== 'INSERT') expect(policy.qual).toBe(`(${ownRows})`);
      if (policy.cmd === 'INSERT' || policy.cmd === 'UPDATE') expect(policy.with_check).toBe(`(${ownRows})`);
    }
  });

  it('has the 6 indexes (user_id, project_id, status, input_asset_id, created_at, user+status) besides the primary key', async () => {
    const indexes = await db.sql<{ name: string; columns: string }[]>`
      select c.relname as name, pg_get_indexdef(i.indexrelid) as columns
      from pg_index i join pg_class c on c.oid = i.indexrelid
      where i.indrelid = 'public.generation_jobs'::regclass and not i.indisprimary
      order by c.relname`;
    expect(indexes.map((i) => i.name)).toEqual([
      'generation_jobs_created_at_idx',
      'generation_jobs_input_asset_id_idx',
      'generation_jobs_project_id_idx',
      'generation_jobs_status_idx',
      'generation_jobs_user_id_idx',
      'generation_jobs_user_id_status_idx',
    ]);
    const defs = Object.fromEntries(indexes.map((i) => [i.name, i.columns.replace(/^.* USING btree /, '')]));
    expect(defs).toEqual({
      generation_jobs_created_at_idx: '(created_at DESC)',
      generation_jobs_input_asset_id_idx: '(input_asset_id, project_id, user_id) WHERE (input_asset_id IS NOT NULL)',
      generation_jobs_project_id_idx: '(project_id, user_id)',
      generation_jobs_status_idx: '(status, created_at)',
      generation_jobs_user_id_idx: '(user_id)',
      generation_jobs_user_id_status_idx: '(user_id, status, created_at DESC) INCLUDE (cost_cents)',
    });
  });

  it('has the updated_at trigger (and the rules trigger running before it)', async () => {
    const triggers = await db.sql<{ tgname: string; fn: string }[]>`
      select tgname, tgfoid::regproc::text as fn from pg_trigger
      where tgrelid = 'public.generation_jobs'::regclass and not tgisinternal order by tgname`;
    expect(triggers).toEqual([
      { tgname: 'generation_jobs_enforce_rules', fn: 'enforce_generation_job_rules' },
      { tgname: 'generation_jobs_reject_repeated_status', fn: 'reject_repeated_job_status' },
      { tgname: 'generation_jobs_set_updated_at', fn: 'set_updated_at' },
    ]);
  });
});

describe('functions and view', () => {
  it('defines the 3 functions, security invoker, with search_path pinned to empty', async () => {
    const functions = await db.sql<{ signature: string; result: string; secdef: boolean; config: string[] | null; volatility: string }[]>`
      select p.oid::regprocedure::text as signature, pg_get_function_result(p.oid) as result,
             p.prosecdef as secdef, p.proconfig as config, p.provolatile::text as volatility
      from pg_proc p
      where p.pronamespace = 'public'::regnamespace
        and p.proname in ('get_job_statistics', 'get_recent_jobs', 'transition_job_status')
      order by 1`;
    expect(functions).toEqual([
      { signature: 'get_job_statistics()', result: 'TABLE(status text, job_count bigint, total_cost_cents bigint, avg_cost_cents numeric)', secdef: false, config: ['search_path=""'], volatility: 's' },
      { signature: 'get_recent_jobs(integer)', result: 'SETOF generation_jobs', secdef: false, config: ['search_path=""'], volatility: 's' },
      { signature: 'transition_job_status(uuid,text,text)', result: 'generation_jobs', secdef: false, config: ['search_path=""'], volatility: 'v' },
    ]);
    const [args] = await db.sql<{ args: string }[]>`
      select pg_get_function_arguments('public.transition_job_status(uuid,text,text)'::regprocedure) as args`;
    expect(args.args).toBe('job_id uuid, new_status text, error text DEFAULT NULL::text');
  });

  it('defines generation_job_summary by user, project and status with security_invoker = true', async () => {
    const [view] = await db.sql<{ options: string[] }[]>`
      select reloptions as options from pg_class where oid = 'public.generation_job_summary'::regclass and relkind = 'v'`;
    expect(view.options).toEqual(['security_invoker=true']);
    const columns = await db.sql<{ column_name: string }[]>`
      select column_name from information_schema.columns
      where table_schema = 'public' and table_name = 'generation_job_summary' order by ordinal_position`;
    expect(columns.map((c) => c.column_name)).toEqual([
      'user_id', 'project_id', 'status', 'job_count', 'total_cost_cents', 'avg_cost_cents', 'last_created_at',
    ]);
  });
});

describe('projects and assets', () => {
  it('ties an asset to a project of the same owner with a composite foreign key', async () => {
    const fks = await db.sql<{ conname: string; def: string }[]>`
      select conname, pg_get_constraintdef(oid) as def from pg_constraint
      where conrelid = 'public.assets'::regclass and contype = 'f' order by conname`;
    expect(fks).toEqual([
      { conname: 'assets_project_id_user_id_fkey', def: 'FOREIGN KEY (project_id, user_id) REFERENCES projects(id, user_id) ON DELETE CASCADE' },
      { conname: 'assets_user_id_fkey', def: 'FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE' },
    ]);
  });

  it('has owner-only RLS with 4 policies each, and updated_at triggers', async () => {
    for (const table of ['projects', 'assets']) {
      const policies = await db.sql<{ cmd: string; roles: string[] }[]>`
        select cmd, roles::text[] as roles from pg_policies where schemaname = 'public' and tablename = ${table} order by cmd`;
      expect(policies).toEqual(['DELETE', 'INSERT', 'SELECT', 'UPDATE'].map((cmd) => ({ cmd, roles: ['authenticated'] })));
      const triggers = await db.sql<{ tgname: string }[]>`
        select tgname from pg_trigger where tgrelid = ${`public.${table}`}::regclass and not tgisinternal order by tgname`;
      const own = table === 'assets' ? ['assets_check_object'] : [];
      expect(triggers.map((t) => t.tgname)).toEqual([...own, `${table}_forbid_owner_change`, `${table}_set_updated_at`]);
    }
  });
});
