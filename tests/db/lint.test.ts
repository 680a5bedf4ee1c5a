import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { LINTS, runLints } from '../support/supabase-lints.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('Supabase database linter rules over schema public', () => {
  it('find nothing in the migrated schema', async () => {
    expect(await runLints(db.sql)).toEqual([]);
  });

  it('each rule catches what it is meant to catch (checked on a throwaway schema)', async () => {
    class Rollback extends Error {}
    const findings = await db.sql
      .begin(async (tx) => {
        await tx.unsafe(`
          create schema lint_probe;
          create table lint_probe.parent (id int primary key);
          -- unindexed_foreign_keys, rls_disabled_in_public
          create table lint_probe.child (id int primary key, parent_id int references lint_probe.parent, user_id uuid);
          create index child_a on lint_probe.child (user_id);
          create index child_b on lint_probe.child (user_id); -- duplicate_index
          -- policy_exists_rls_disabled
          create policy p_disabled on lint_probe.child for select to authenticated using (true);
          -- rls_enabled_no_policy
          alter table lint_probe.parent enable row level security;
          create table lint_probe.owned (id int primary key, user_id uuid);
          alter table lint_probe.owned enable row level security;
          -- auth_rls_initplan
          create policy p_initplan on lint_probe.owned for select to authenticated using (auth.uid() = user_id);
          -- multiple_permissive_policies (two SELECT policies for authenticated)
          create policy p_second on lint_probe.owned for select to authenticated using ((select auth.uid()) = user_id);
          -- rls_policy_always_true
          create policy p_true on lint_probe.owned for delete to authenticated using (true);
          -- function_search_path_mutable
          create function lint_probe.f() returns int language sql as 'select 1';
          -- security_definer_view and auth_users_exposed
          create view lint_probe.v as select id, email from auth.users;
          grant usage on schema lint_probe to authenticated;
          grant select on lint_probe.v to authenticated;
        `);
        const found = await runLints(tx, 'lint_probe');
        throw Object.assign(new Rollback(), { found });
      })
      .catch((error: Error & { found?: { lint: string }[] }) => {
        if (!(error instanceof Rollback)) throw error;
        return error.found ?? [];
      });
    expect(new Set(findings.map((f) => f.lint))).toEqual(new Set(LINTS.map((lint) => lint.name)));
  });
});
