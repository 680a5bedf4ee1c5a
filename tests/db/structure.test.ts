import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('generation_jobs table (the seed\'s 10 columns, then the queue\'s)', () => {
  it('has the seed\'s 10 columns, then the 16 of the job queue and the image providers\' one, with their types, nullability and defaults', async () => {
    const columns = await db.sql<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }[]>`
      select column_name, data_type, is_nullable, column_default
      from information_schema.columns
      where table_schema = 'public' and table_name = 'generation_jobs'
      order by ordinal_position`;
    const column = (column_name: string, data_type: string, nullable: boolean, column_default: string | null = null) => ({
      column_name,
      data_type,
      is_nullable: nullable ? 'YES' : 'NO',
      column_default,
    });
    const timestamp = 'timestamp with time zone';
    expect(columns).toEqual([
      column('id', 'uuid', false, 'gen_random_uuid()'),
      column('user_id', 'uuid', false, 'auth.uid()'),
      column('project_id', 'uuid', false),
      column('input_asset_id', 'uuid', true),
      column('mode', 'text', false),
      column('status', 'text', false, "'queued'::text"),
      column('cost_cents', 'integer', false, '0'),
      column('error_message', 'text', true),
      column('created_at', timestamp, false, 'now()'),
      column('updated_at', timestamp, false, 'now()'),
      column('provider', 'text', false, "'local'::text"),
      column('params', 'jsonb', false, "'{}'::jsonb"),
      column('attempts', 'integer', false, '0'),
      column('max_attempts', 'integer', false, '1'),
      column('run_at', timestamp, false, 'now()'),
      column('priority', 'integer', false, '0'),
      column('locked_by', 'text', true),
      column('locked_until', timestamp, true),
      column('lease_token', 'bigint', true),
      column('started_at', timestamp, true),
      column('finished_at', timestamp, true),
      column('last_error', 'text', true),
      column('cancel_requested_at', timestamp, true),
      column('output_asset_id', 'uuid', true),
      column('retry_of', 'uuid', true),
      column('idempotency_key', 'text', true),
      column('provider_job_id', 'text', true),
    ]);
  });

  it('constrains status to the five statuses of public.job_statuses, with the workflow\'s six transitions', async () => {
    const [check] = await db.sql<{ def: string }[]>`
      select pg_get_constraintdef(oid) as def from pg_constraint
      where conrelid = 'public.generation_jobs'::regclass and conname = 'generation_jobs_status_check'`;
    const statuses = await db.sql<{ status: string }[]>`select status from public.job_statuses order by sort_order`;
    expect(statuses.map((s) => s.status)).toEqual(['queued', 'running', 'succeeded', 'failed', 'canceled']);
    for (const { status } of statuses) expect(check.def).toContain(`'${status}'::text`);
    const transitions = await db.sql<{ t: string }[]>`
      select from_status || '>' || to_status as t from public.job_status_transitions order by 1`;
    expect(transitions.map((r) => r.t)).toEqual([
      'queued>canceled',
      'queued>running',
      'running>canceled',
      'running>failed',
      'running>queued',
      'running>succeeded',
    ]);
  });

  it('has the check constraints of the seed and of the queue', async () => {
    const checks = await db.sql<{ conname: string }[]>`
      select conname from pg_constraint
      where conrelid = 'public.generation_jobs'::regclass and contype = 'c' order by conname`;
    expect(checks.map((c) => c.conname)).toEqual([
      'generation_jobs_attempts_check',
      'generation_jobs_cost_cents_check',
      'generation_jobs_error_message_check',
      'generation_jobs_idempotency_key_check',
      'generation_jobs_last_error_check',
      'generation_jobs_lease_check',
      'generation_jobs_locked_by_check',
      'generation_jobs_max_attempts_check',
      'generation_jobs_mode_check',
      'generation_jobs_params_check',
      'generation_jobs_priority_check',
      'generation_jobs_provider_check',
      'generation_jobs_provider_job_id_check',
      'generation_jobs_run_at_check',
      'generation_jobs_status_check',
      'generation_jobs_timestamps_check',
    ]);
  });

  it('references auth.users (cascade), projects (cascade), assets (set null) through ownership keys, and the retried job', async () => {
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
      { conname: 'generation_jobs_output_asset_id_fkey', target: 'assets', columns: ['output_asset_id', 'project_id', 'user_id'], target_columns: ['id', 'project_id', 'user_id'], on_delete: 'n', set_null: ['output_asset_id'] },
      { conname: 'generation_jobs_project_id_fkey', target: 'projects', columns: ['project_id', 'user_id'], target_columns: ['id', 'user_id'], on_delete: 'c', set_null: [] },
      { conname: 'generation_jobs_retry_of_fkey', target: 'generation_jobs', columns: ['retry_of'], target_columns: ['id'], on_delete: 'n', set_null: [] },
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

  it('has indexes for every foreign key, the user\'s lists, the claim and lease expiry', async () => {
    const indexes = await db.sql<{ name: string; columns: string }[]>`
      select c.relname as name, pg_get_indexdef(i.indexrelid) as columns
      from pg_index i join pg_class c on c.oid = i.indexrelid
      where i.indrelid = 'public.generation_jobs'::regclass and not i.indisprimary
      order by c.relname`;
    const defs = Object.fromEntries(indexes.map((i) => [i.name, i.columns.replace(/^.* USING btree /, '')]));
    expect(defs).toEqual({
      // Runnable jobs in claim order: a claimed job leaves the index at once.
      generation_jobs_claim_idx: "(priority, run_at, id) INCLUDE (provider) WHERE (status = 'queued'::text)",
      generation_jobs_created_at_idx: '(created_at DESC)',
      generation_jobs_idempotency_key_idx: '(user_id, idempotency_key) WHERE (idempotency_key IS NOT NULL)',
      generation_jobs_input_asset_id_idx: '(input_asset_id, project_id, user_id) WHERE (input_asset_id IS NOT NULL)',
      generation_jobs_lease_idx: "(locked_until) WHERE (status = 'running'::text)",
      generation_jobs_output_asset_id_idx: '(output_asset_id, project_id, user_id) WHERE (output_asset_id IS NOT NULL)',
      // The foreign keys' indexes, on exactly their columns (Supabase's unindexed_foreign_keys lint).
      generation_jobs_project_id_idx: '(project_id, user_id)',
      generation_jobs_user_id_idx: '(user_id)',
      generation_jobs_retry_of_idx: '(retry_of) WHERE (retry_of IS NOT NULL)',
      // The hot orders: the project list (keyset), recent jobs and the user's list, per-status lookups.
      generation_jobs_project_created_idx: '(project_id, user_id, created_at DESC, id DESC)',
      generation_jobs_user_created_idx: '(user_id, created_at DESC, id DESC)',
      generation_jobs_user_status_created_idx: '(user_id, status, created_at DESC, id DESC) INCLUDE (project_id)',
    });
    expect(indexes.find((i) => i.name === 'generation_jobs_idempotency_key_idx')?.columns).toMatch(/^CREATE UNIQUE INDEX/);
  });

  it('has the rules, timestamp and delete triggers (per row), and the event and spend triggers (per statement)', async () => {
    const triggers = await db.sql<{ tgname: string; fn: string; per_row: boolean }[]>`
      select tgname, tgfoid::regproc::text as fn, (tgtype & 1) = 1 as per_row from pg_trigger
      where tgrelid = 'public.generation_jobs'::regclass and not tgisinternal order by tgname`;
    expect(triggers).toEqual([
      // Triggers of one kind fire in name order. BEFORE: the rules first, updated_at last. AFTER (per
      // statement): spend and its budget check first, so a refused statement writes no events.
      { tgname: 'generation_jobs_budget_spend_deletes', fn: 'track_job_spend_deletes', per_row: false },
      { tgname: 'generation_jobs_budget_spend_inserts', fn: 'track_job_spend_inserts', per_row: false },
      { tgname: 'generation_jobs_budget_spend_updates', fn: 'track_job_spend_updates', per_row: false },
      { tgname: 'generation_jobs_enforce_rules', fn: 'enforce_generation_job_rules', per_row: true },
      { tgname: 'generation_jobs_guard_delete', fn: 'guard_generation_job_delete', per_row: true },
      { tgname: 'generation_jobs_image_rules', fn: 'enforce_image_job_rules', per_row: true },
      { tgname: 'generation_jobs_log_inserts', fn: 'log_generation_job_inserts', per_row: false },
      { tgname: 'generation_jobs_log_updates', fn: 'log_generation_job_updates', per_row: false },
      { tgname: 'generation_jobs_reject_repeated_status', fn: 'reject_repeated_job_status', per_row: true },
      // The rollups (statistics, costs, metrics): one pass per statement over the transition tables.
      { tgname: 'generation_jobs_rollup_deletes', fn: 'job_rollups.track_job_changes', per_row: false },
      { tgname: 'generation_jobs_rollup_inserts', fn: 'job_rollups.track_job_changes', per_row: false },
      { tgname: 'generation_jobs_rollup_truncate', fn: 'job_rollups.rebuild_after_truncate', per_row: false },
      { tgname: 'generation_jobs_rollup_updates', fn: 'job_rollups.track_job_changes', per_row: false },
      { tgname: 'generation_jobs_set_updated_at', fn: 'set_updated_at', per_row: true },
    ]);
  });
});

describe('functions and view', () => {
  it('defines the seed\'s 3 functions, security invoker, with search_path pinned to empty', async () => {
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

  it('defines cancel_generation_job and retry_generation_job: security definer (they check the owner), for signed-in users only', async () => {
    const functions = await db.sql<{ signature: string; result: string; secdef: boolean; config: string[] | null; callers: string[] }[]>`
      select p.oid::regprocedure::text as signature, pg_get_function_result(p.oid) as result, p.prosecdef as secdef, p.proconfig as config,
             array(select r from unnest(array['anon', 'authenticated', 'service_role', 'public']) r
                   where r <> 'public' and has_function_privilege(r, p.oid, 'execute')) as callers
      from pg_proc p
      where p.pronamespace = 'public'::regnamespace and p.proname in ('cancel_generation_job', 'retry_generation_job')
      order by 1`;
    expect(functions).toEqual([
      { signature: 'cancel_generation_job(uuid)', result: 'generation_jobs', secdef: true, config: ['search_path=""'], callers: ['authenticated'] },
      { signature: 'retry_generation_job(uuid)', result: 'generation_jobs', secdef: true, config: ['search_path=""'], callers: ['authenticated'] },
    ]);
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
    ]);    // Read-only: the INSTEAD OF trigger sends writes to the executor, where privileges refuse them (42501).
    const [writes] = await db.sql<{ trigger: string; privileges: string[] }[]>`
      select (select tgname from pg_trigger where tgrelid = 'public.generation_job_summary'::regclass) as trigger,
             array(select r || ':' || p from unnest(array['anon', 'authenticated', 'service_role']) r, unnest(array['insert', 'update', 'delete']) p
                   where has_table_privilege(r, 'public.generation_job_summary', p)) as privileges`;
    expect(writes).toEqual({ trigger: 'generation_job_summary_read_only', privileges: [] });
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

describe('the job queue\'s objects', () => {
  it('generation_modes: one row per mode and provider, the five modes for local and simulated, http disabled', async () => {
    const rows = await db.sql<{ provider: string; modes: string[]; enabled: boolean[] }[]>`
      select provider, array_agg(mode order by mode) as modes, array_agg(distinct enabled) as enabled
      from public.generation_modes group by provider order by provider`;
    const modes = ['background-removal', 'lifestyle', 'shadow', 'studio-white', 'upscale'];
    expect(rows).toEqual([
      { provider: 'http', modes, enabled: [false] },
      { provider: 'local', modes, enabled: [true] },
      { provider: 'simulated', modes, enabled: [true] },
    ]);
  });

  it('job_events: append-only columns, no foreign key, indexed by job and by user + time, RLS on', async () => {
    const columns = await db.sql<{ column_name: string }[]>`
      select column_name from information_schema.columns where table_schema = 'public' and table_name = 'job_events' order by ordinal_position`;
    expect(columns.map((c) => c.column_name)).toEqual([
      'id', 'job_id', 'user_id', 'project_id', 'mode', 'provider', 'event', 'from_status', 'to_status',
      'attempt', 'actor', 'error', 'cost_cents', 'created_at', 'details',
    ]);
    const [{ fks, rls }] = await db.sql<{ fks: number; rls: boolean }[]>`
      select (select count(*)::int from pg_constraint where conrelid = 'public.job_events'::regclass and contype = 'f') as fks,
             (select relrowsecurity from pg_class where oid = 'public.job_events'::regclass) as rls`;
    expect({ fks, rls }).toEqual({ fks: 0, rls: true });
    const indexes = await db.sql<{ def: string }[]>`
      select regexp_replace(pg_get_indexdef(indexrelid), '^.* USING btree ', '') as def from pg_index
      where indrelid = 'public.job_events'::regclass and not indisprimary order by 1`;
    expect(indexes.map((i) => i.def)).toEqual(['(job_id, id)', '(user_id, created_at)']);
  });

  it('schema job_queue: functions security definer with a pinned search_path, executable by job_worker only', async () => {
    const functions = await db.sql<{ name: string; secdef: boolean; config: string[] | null; callers: string[] }[]>`
      select p.proname as name, p.prosecdef as secdef, p.proconfig as config,
             array(select r from unnest(array['anon', 'authenticated', 'service_role', 'job_worker']) r
                   where has_function_privilege(r, p.oid, 'execute')) as callers
      from pg_proc p where p.pronamespace = 'job_queue'::regnamespace and p.prosecdef order by 1`;
    expect(functions.map((f) => f.name)).toEqual([
      'archive_finished_jobs', 'cancel_jobs', 'claim_jobs', 'claim_webhook_deliveries', 'compact_job_rollups',
      'complete_jobs', 'complete_jobs_with_output', 'discardable_outputs', 'enable_modes', 'fail_jobs', 'heartbeat',
      'job_inputs', 'prune_workers', 'record_webhook_attempts', 'register_worker', 'release_jobs',
      'rescue_expired_jobs', 'set_provider_job_id', 'stop_worker',
    ]);
    for (const f of functions) {
      // The claim also keeps to its index in claim order (see the migration).
      const config = f.name === 'claim_jobs' ? ['search_path=""', 'enable_sort=off'] : ['search_path=""'];
      expect(f, f.name).toEqual({ name: f.name, secdef: true, config, callers: ['job_worker'] });
    }
    const [schema] = await db.sql<{ roles: string[] }[]>`
      select array(select r from unnest(array['anon', 'authenticated', 'service_role', 'job_worker']) r
                   where has_schema_privilege(r, 'job_queue', 'usage')) as roles`;
    expect(schema.roles).toEqual(['job_worker']);
    const [role] = await db.sql<{ rolcanlogin: boolean }[]>`select rolcanlogin from pg_roles where rolname = 'job_worker'`;
    expect(role.rolcanlogin).toBe(false);
  });
});
