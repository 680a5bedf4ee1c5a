/**
 * The catalog queries behind the schema cache: read-only questions to pg_catalog about the exposed schemas,
 * run as the login role (authenticator), as PostgREST runs them. Rows only; schema-cache.ts assembles them.
 */
import type postgres from 'postgres';

export interface RelationRow {
  oid: number;
  schema: string;
  name: string;
  kind: string;
  /** pg_relation_is_updatable: 4 UPDATE, 8 INSERT, 16 DELETE. */
  updatable: number;
}
export interface ColumnRow {
  relation: number;
  num: number;
  name: string;
  type: string;
  base_type: string;
  not_null: boolean;
  has_default: boolean;
  default_expr: string | null;
  generated: boolean;
}
export interface ConstraintRow {
  relation: number;
  name: string;
  kind: 'p' | 'u' | 'f';
  columns: string[];
  foreign_relation: number | null;
  foreign_columns: string[] | null;
}
export interface ViewRow {
  relation: number;
  definition: string;
}
export interface FunctionRow {
  oid: number;
  schema: string;
  name: string;
  volatility: 'i' | 's' | 'v';
  returns_set: boolean;
  return_type: string;
  return_type_name: string;
  return_type_kind: string;
  return_relation: number;
  rows: number;
  defaults: number;
  description: string | null;
}
export interface ArgumentRow {
  function: number;
  position: number;
  name: string;
  mode: string;
  type: string;
  base_type: string;
  type_relation: number;
}
export interface TypeRow {
  name: string;
  schema: string;
}
export interface RoleSettingRow {
  role: string;
  settings: [string, string][];
}
export interface DbSettingRow {
  key: string;
  value: string;
}

/** The exposed schemas as one bound JSON parameter (no array serializer is loaded). */
const schemaList = (schemas: string[]) => JSON.stringify(schemas);

export async function queryCatalog(sql: postgres.Sql, schemas: string[]) {
  const exposed = schemaList(schemas);
  const relations = await sql<RelationRow[]>`
    select c.oid::int as oid, n.nspname as schema, c.relname as name, c.relkind::text as kind,
           pg_relation_is_updatable(c.oid::regclass, true) as updatable
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in (select json_array_elements_text(${exposed}::json)) and c.relkind in ('r', 'v', 'm', 'f', 'p')`;
  const columns = await sql<ColumnRow[]>`
    select a.attrelid::int as relation, a.attnum::int as num, a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
           coalesce(bt.typname, t.typname)::text as base_type, a.attnotnull as not_null,
           (a.atthasdef or a.attidentity <> '') as has_default,
           pg_get_expr(d.adbin, d.adrelid) as default_expr,
           a.attgenerated <> '' as generated
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    join pg_type t on t.oid = a.atttypid
    left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where n.nspname in (select json_array_elements_text(${exposed}::json))
      and c.relkind in ('r', 'v', 'm', 'f', 'p') and a.attnum > 0 and not a.attisdropped
    order by a.attrelid, a.attnum`;
  const constraints = await sql<ConstraintRow[]>`
    select con.conrelid::int as relation, con.conname as name, con.contype::text as kind,
           to_json(array(select a.attname::text from unnest(con.conkey) with ordinality k(num, ord)
                 join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.num order by k.ord)) as columns,
           nullif(con.confrelid, 0)::int as foreign_relation,
           case when con.contype = 'f' then
             to_json(array(select a.attname::text from unnest(con.confkey) with ordinality k(num, ord)
                   join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.num order by k.ord))
           end as foreign_columns
    from pg_constraint con join pg_namespace n on n.oid = con.connamespace
    where n.nspname in (select json_array_elements_text(${exposed}::json)) and con.contype in ('p', 'u', 'f')
    order by con.conrelid, con.conname`;
  const views = await sql<ViewRow[]>`
    select r.ev_class::int as relation, r.ev_action::text as definition
    from pg_rewrite r join pg_class c on c.oid = r.ev_class join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in (select json_array_elements_text(${exposed}::json)) and c.relkind in ('v', 'm') and r.rulename = '_RETURN'`;
  const functions = await sql<FunctionRow[]>`
    select p.oid::int as oid, n.nspname as schema, p.proname as name, p.provolatile::text as volatility, p.proretset as returns_set,
           format_type(p.prorettype, null) as return_type, rt.typname::text as return_type_name, rt.typtype::text as return_type_kind,
           rt.typrelid::int as return_relation, p.prorows::float8 as rows, p.pronargdefaults::int as defaults,
           obj_description(p.oid, 'pg_proc') as description
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    join pg_type rt on rt.oid = p.prorettype
    where n.nspname in (select json_array_elements_text(${exposed}::json)) and p.prokind = 'f'
    order by p.oid`;
  const functionArguments = await sql<ArgumentRow[]>`
    select p.oid::int as function, t.position::int as position, coalesce(p.proargnames[t.position], '') as name,
           coalesce(p.proargmodes[t.position]::text, 'i') as mode, format_type(t.type, null) as type,
           coalesce(bt.typname, ty.typname)::text as base_type, ty.typrelid::int as type_relation
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    cross join lateral unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality as t(type, position)
    join pg_type ty on ty.oid = t.type
    left join pg_type bt on ty.typtype = 'd' and bt.oid = ty.typbasetype
    where n.nspname in (select json_array_elements_text(${exposed}::json)) and p.prokind = 'f'
    order by p.oid, t.position`;
  // Composite result types that are not relations of the exposed schemas (OUT parameters are listed above).
  const compositeColumns = await sql<ColumnRow[]>`
    select a.attrelid::int as relation, a.attnum::int as num, a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
           coalesce(bt.typname, t.typname)::text as base_type, a.attnotnull as not_null, false as has_default,
           null::text as default_expr, false as generated
    from pg_attribute a
    join pg_type t on t.oid = a.atttypid
    left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
    where a.attnum > 0 and not a.attisdropped and a.attrelid in (
      select rt.typrelid from pg_proc p
      join pg_namespace n on n.oid = p.pronamespace
      join pg_type rt on rt.oid = p.prorettype and rt.typtype = 'c'
      where n.nspname in (select json_array_elements_text(${exposed}::json)) and p.prokind = 'f')
    order by a.attrelid, a.attnum`;
  // Types a select may cast to (`col::type`): everything the request's search path shows, plus the exposed schemas.
  const types = await sql<TypeRow[]>`
    select t.typname::text as name, n.nspname as schema
    from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where t.typtype in ('b', 'c', 'd', 'e', 'r', 'm') and t.typisdefined
      and (n.nspname in ('pg_catalog', 'extensions') or n.nspname in (select json_array_elements_text(${exposed}::json)))
    order by (n.nspname = 'pg_catalog') desc, t.oid`;
  return { relations, columns, constraints, views, functions, functionArguments, compositeColumns, types };
}

/**
 * Settings of the roles the login role can switch to, as PostgREST applies them per request (`set_config`
 * before `set role`): only those a session may set (context `user`, or granted with SET). A setting made for
 * the current database wins over the role's general one, as at login.
 */
export async function queryRoleSettings(sql: postgres.Sql): Promise<RoleSettingRow[]> {
  return sql<RoleSettingRow[]>`
    with setting as (
      select r.rolname, s.setdatabase, unnest(s.setconfig) as setting
      from pg_auth_members m
      join pg_roles r on r.oid = m.roleid
      join pg_db_role_setting s on s.setrole = r.oid
        and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
      where m.member = current_user::regrole::oid
    ), kv as (
      select distinct on (rolname, key) rolname, key, value
      from (select rolname, setdatabase, substr(setting, 1, strpos(setting, '=') - 1) as key,
                   substr(setting, strpos(setting, '=') + 1) as value from setting) x
      order by rolname, key, setdatabase desc
    )
    select kv.rolname as role, json_agg(json_build_array(kv.key, kv.value) order by kv.key) as settings
    from kv join pg_settings ps on ps.name = kv.key
      and (ps.context = 'user' or has_parameter_privilege(current_user::regrole::oid, ps.name, 'set'))
    group by kv.rolname`;
}

/**
 * PostgREST's in-database configuration: `alter role authenticator [in database x] set pgrst.<name> = ...`,
 * the database-specific value winning. Names are returned without the `pgrst.` prefix.
 */
export async function queryDbSettings(sql: postgres.Sql, names: string[]): Promise<DbSettingRow[]> {
  return sql<DbSettingRow[]>`
    with role_setting as (
      select setdatabase as database, unnest(setconfig) as setting
      from pg_catalog.pg_db_role_setting
      where setrole = current_user::regrole::oid
        and setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_catalog))
    ), kv as (
      select database, substr(setting, 1, strpos(setting, '=') - 1) as k, substr(setting, strpos(setting, '=') + 1) as v
      from role_setting
    )
    select distinct on (key) replace(k, 'pgrst.', '') as key, v as value
    from kv
    where k in (select 'pgrst.' || json_array_elements_text(${JSON.stringify(names)}::json)) and v is not null
    order by key, database desc nulls last`;
}

/** Time zone names `Prefer: timezone=` accepts. */
export async function queryTimezones(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`select name from pg_timezone_names`;
  return rows.map((row) => row.name);
}
