import type postgres from 'postgres';

/**
 * Our own SQL for the Supabase database linter (splinter) rules that apply to this schema, restricted to
 * one schema. Each query returns one row per finding, with a human-readable `detail`. The semantics follow
 * splinter's (e.g. a foreign key counts as indexed only by an index on exactly its columns, in order).
 * Queries take the schema name as $1; run them with search_path = '' so policy expressions deparse with
 * schema-qualified function names, as splinter expects.
 */
export interface Lint {
  name: string;
  sql: string;
}

const policyCommand = `case p.polcmd when 'r' then 'SELECT' when 'a' then 'INSERT' when 'w' then 'UPDATE' when 'd' then 'DELETE' else 'ALL' end`;

export const LINTS: Lint[] = [
  {
    name: 'auth_rls_initplan',
    sql: `
      select format('policy %s on %s calls auth.<function>() per row; wrap it as (select auth.<function>())', p.polname, c.oid::regclass) as detail
      from pg_catalog.pg_policy p
      join pg_catalog.pg_class c on c.oid = p.polrelid
      where c.relnamespace = $1::regnamespace
        and c.relrowsecurity
        and exists (
          select 1
          from unnest(array[pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)]) as e(expr)
          where e.expr ~ 'auth\\.(uid|jwt|role|email)\\(\\)'
            and lower(e.expr) !~ 'select\\s+auth\\.(uid|jwt|role|email)\\(\\)'
        )`,
  },
  {
    name: 'unindexed_foreign_keys',
    sql: `
      select format('foreign key %s on %s has no index on exactly its columns', k.conname, k.conrelid::regclass) as detail
      from pg_catalog.pg_constraint k
      join pg_catalog.pg_class c on c.oid = k.conrelid
      where k.contype = 'f'
        and c.relnamespace = $1::regnamespace
        and not exists (
          select 1 from pg_catalog.pg_index i
          where i.indrelid = k.conrelid
            and i.indisvalid
            and string_to_array(i.indkey::text, ' ')::smallint[] = k.conkey
        )`,
  },
  {
    name: 'function_search_path_mutable',
    sql: `
      select format('function %s has a role-mutable search_path', p.oid::regprocedure) as detail
      from pg_catalog.pg_proc p
      where p.pronamespace = $1::regnamespace
        and not exists (select 1 from pg_catalog.pg_depend d where d.objid = p.oid and d.deptype = 'e')
        and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) as setting where setting like 'search_path=%')`,
  },
  {
    name: 'security_definer_view',
    sql: `
      select format('view %s runs with its owner''s rights (not security_invoker)', c.oid::regclass) as detail
      from pg_catalog.pg_class c
      where c.relkind = 'v'
        and c.relnamespace = $1::regnamespace
        and (pg_catalog.has_table_privilege('anon', c.oid, 'SELECT') or pg_catalog.has_table_privilege('authenticated', c.oid, 'SELECT'))
        and not exists (select 1 from pg_catalog.pg_depend d where d.objid = c.oid and d.deptype = 'e')
        and not (lower(coalesce(c.reloptions::text, '{}'))::text[]
                 && array['security_invoker=1', 'security_invoker=true', 'security_invoker=yes', 'security_invoker=on'])`,
  },
  {
    name: 'rls_disabled_in_public',
    sql: `
      select format('table %s has row level security disabled', c.oid::regclass) as detail
      from pg_catalog.pg_class c
      where c.relkind in ('r', 'p') and c.relnamespace = $1::regnamespace and not c.relrowsecurity`,
  },
  {
    name: 'policy_exists_rls_disabled',
    sql: `
      select format('table %s has policies (%s) but row level security is disabled', c.oid::regclass, string_agg(p.polname, ', ')) as detail
      from pg_catalog.pg_policy p
      join pg_catalog.pg_class c on c.oid = p.polrelid
      where c.relnamespace = $1::regnamespace and not c.relrowsecurity
      group by c.oid`,
  },
  {
    name: 'rls_enabled_no_policy',
    sql: `
      select format('table %s has row level security enabled but no policy', c.oid::regclass) as detail
      from pg_catalog.pg_class c
      where c.relkind in ('r', 'p') and c.relnamespace = $1::regnamespace and c.relrowsecurity
        and not exists (select 1 from pg_catalog.pg_policy p where p.polrelid = c.oid)`,
  },
  {
    name: 'multiple_permissive_policies',
    sql: `
      select format('table %s has %s permissive policies for role %s and %s: %s',
                    c.oid::regclass, count(*), r.rolname, a.cmd, string_agg(p.polname, ', ' order by p.polname)) as detail
      from pg_catalog.pg_policy p
      join pg_catalog.pg_class c on c.oid = p.polrelid
      join pg_catalog.pg_roles r on p.polroles @> array[r.oid] or p.polroles = array[0::oid]
      cross join lateral unnest(case p.polcmd
        when 'r' then array['SELECT'] when 'a' then array['INSERT'] when 'w' then array['UPDATE'] when 'd' then array['DELETE']
        else array['SELECT', 'INSERT', 'UPDATE', 'DELETE'] end) as a(cmd)
      where c.relkind = 'r'
        and c.relnamespace = $1::regnamespace
        and p.polpermissive
        and r.rolname not like 'pg\\_%'
        and r.rolname not like 'supabase%admin'
        and not r.rolbypassrls
      group by c.oid, r.rolname, a.cmd
      having count(*) > 1`,
  },
  {
    name: 'rls_policy_always_true',
    sql: `
      with policies as (
        select c.oid::regclass as table_name, p.polname, ${policyCommand} as cmd,
               regexp_replace(lower(coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '')), '\\s', '', 'g') as qual,
               regexp_replace(lower(coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), '')), '\\s', '', 'g') as with_check,
               p.polqual is null as no_qual, p.polwithcheck is null as no_check
        from pg_catalog.pg_policy p
        join pg_catalog.pg_class c on c.oid = p.polrelid
        where c.relkind = 'r' and c.relnamespace = $1::regnamespace and c.relrowsecurity and p.polpermissive
          and (p.polroles = array[0::oid]
               or exists (select 1 from unnest(p.polroles) as r(oid) where r.oid::regrole::text in ('anon', 'authenticated')))
      )
      select format('policy %s on %s allows every row for %s', polname, table_name, cmd) as detail
      from policies
      where (cmd in ('UPDATE', 'DELETE', 'ALL') and (qual in ('true', '(true)', '1=1', '(1=1)') or no_qual))
         or with_check in ('true', '(true)', '1=1', '(1=1)')
         or (no_check and cmd = 'INSERT')
         or (no_check and cmd in ('UPDATE', 'ALL') and qual in ('true', '(true)', '1=1', '(1=1)'))`,
  },
  {
    name: 'auth_users_exposed',
    sql: `
      select format('view %s exposes auth.users to the API roles', c.oid::regclass) as detail
      from pg_catalog.pg_depend d
      join pg_catalog.pg_rewrite w on w.oid = d.objid
      join pg_catalog.pg_class c on c.oid = w.ev_class
      where d.refobjid = 'auth.users'::regclass
        and d.deptype = 'n'
        and c.relkind in ('v', 'm')
        and c.relnamespace = $1::regnamespace
        and (pg_catalog.has_table_privilege('anon', c.oid, 'SELECT') or pg_catalog.has_table_privilege('authenticated', c.oid, 'SELECT'))
      group by c.oid`,
  },
  {
    name: 'duplicate_index',
    sql: `
      select format('table %s has identical indexes %s', c.oid::regclass, string_agg(i.indexname, ', ' order by i.indexname)) as detail
      from pg_catalog.pg_indexes i
      join pg_catalog.pg_class c on c.relname = i.tablename and c.relnamespace = $1::regnamespace
      where i.schemaname = $2 and c.relkind in ('r', 'm')
      group by c.oid, replace(i.indexdef, i.indexname, '')
      having count(*) > 1`,
  },
];

export interface LintFinding {
  lint: string;
  detail: string;
}

/** Runs every lint over `schema` (public by default) and returns the findings. */
export async function runLints(sql: postgres.Sql | postgres.TransactionSql, schema = 'public'): Promise<LintFinding[]> {
  const findings: LintFinding[] = [];
  const run = async (tx: postgres.TransactionSql) => {
    await tx`set local search_path = ''`;
    for (const lint of LINTS) {
      const params = lint.sql.includes('$2') ? [schema, schema] : [schema];
      const rows = await tx.unsafe<{ detail: string }[]>(lint.sql, params);
      findings.push(...rows.map((row) => ({ lint: lint.name, detail: row.detail })));
    }
  };
  if ('savepoint' in sql) await sql.savepoint(run);
  else await sql.begin(run);
  return findings;
}
