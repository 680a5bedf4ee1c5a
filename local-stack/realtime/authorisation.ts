/**
 * Who may see a change, decided by PostgreSQL as each subscriber: the `postgres_cdc_rls` design of hosted
 * Realtime, batched. For every batch of changes, one read-only transaction runs, per distinct (role, claims) group,
 * `set role` + `request.jwt.claims` and one query that returns which of the group's changes it may SELECT: the
 * table's SELECT policies that apply to the role, evaluated by PostgreSQL against the row as the change left it
 * (the old row for a DELETE, which needs REPLICA IDENTITY FULL; without it a delete on an RLS table is not sent,
 * where hosted sends its primary key to every subscriber). Evaluating the row version of the change, rather than
 * looking the row up again (hosted's `walrus_rls_stmt`), keeps a change visible when the row was deleted before
 * the check and never shows a version of the row the subscriber could not read.
 * Roles that bypass RLS, and tables without RLS, need only the column grants.
 */
import type postgres from 'postgres';
import { qualifiedName, quoteIdent } from './sql-names.ts';
import type { ChangeKind, Relation, TextTuple } from './wal-reader.ts';

/** What a role may see of a table; read from the catalog, cached briefly. */
export interface RoleTableAccess {
  rls: boolean;
  /** The role bypasses RLS (BYPASSRLS, or owner of a table without FORCE ROW LEVEL SECURITY). */
  bypass: boolean;
  schemaUsage: boolean;
  /** Selectable columns in table order, with `pg_type.typname` as the payload's `columns` lists them. */
  columns: { name: string; type: string }[];
  /** SELECT policies that apply to the role: USING expressions as PostgreSQL prints them. */
  policies: { permissive: boolean; using: string | null }[];
  /** Primary key columns (under REPLICA IDENTITY FULL the WAL marks every column as key). */
  primaryKey: string[];
}

const ACCESS_TTL_MS = 5_000;
const ACCESS_CACHE_LIMIT = 10_000;

export class AccessCache {
  private readonly entries = new Map<string, { access: RoleTableAccess; at: number }>();

  constructor(private readonly admin: postgres.Sql) {}

  /** A relation changed (DDL, new stream): forget what we knew about it. */
  invalidate(relationOid: number): void {
    for (const key of this.entries.keys()) if (key.startsWith(`${relationOid}|`)) this.entries.delete(key);
  }

  async get(relationOid: number, role: string): Promise<RoleTableAccess> {
    const key = `${relationOid}|${role}`;
    const cached = this.entries.get(key);
    if (cached && Date.now() - cached.at < ACCESS_TTL_MS) return cached.access;
    const [row] = await this.admin<{ access: RoleTableAccess | null }[]>`
      select jsonb_build_object(
        'rls', c.relrowsecurity,
        'bypass', r.rolbypassrls or (pg_has_role(r.oid, c.relowner, 'USAGE') and not c.relforcerowsecurity),
        'schemaUsage', has_schema_privilege(r.oid, c.relnamespace, 'USAGE'),
        'columns', coalesce((
          select jsonb_agg(jsonb_build_object('name', a.attname, 'type', t.typname) order by a.attnum)
          from pg_attribute a join pg_type t on t.oid = a.atttypid
          where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            and has_column_privilege(r.oid, c.oid, a.attnum, 'SELECT')), '[]'::jsonb),
        'policies', coalesce((
          select jsonb_agg(jsonb_build_object('permissive', p.polpermissive, 'using', pg_get_expr(p.polqual, p.polrelid)))
          from pg_policy p
          where p.polrelid = c.oid and p.polcmd in ('r', '*')
            and (p.polroles = '{0}' or exists (select 1 from unnest(p.polroles) pr where pg_has_role(r.oid, pr, 'USAGE')))), '[]'::jsonb),
        'primaryKey', coalesce((
          select jsonb_agg(a.attname order by array_position(i.indkey::int2[], a.attnum))
          from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey::int2[])
          where i.indrelid = c.oid and i.indisprimary), '[]'::jsonb)
      ) as access
      from pg_class c, pg_roles r
      where c.oid = ${relationOid} and r.rolname = ${role}`;
    const access: RoleTableAccess = row?.access ?? { rls: true, bypass: false, schemaUsage: false, columns: [], policies: [], primaryKey: [] };
    if (this.entries.size >= ACCESS_CACHE_LIMIT) this.entries.clear();
    this.entries.set(key, { access, at: Date.now() });
    return access;
  }
}

/** One change a group wants to see. */
export interface VisibilityQuestion {
  /** The change's position in its batch (questions of several groups about one change share its row). */
  change: number;
  relation: Relation;
  kind: ChangeKind;
  /** The row as the change left it: the new row for INSERT/UPDATE, the old row for DELETE. */
  tuple: TextTuple;
  access: RoleTableAccess;
}

export interface SubscriberGroup {
  key: string;
  role: string;
  claimsJson: string;
  questions: VisibilityQuestion[];
}

/** JSON values for jsonb_populate_record: text values, except json/jsonb columns, which must be JSON. */
const JSON_TYPE_OIDS = new Set([114, 3802]);
export function tupleJson(relation: Relation, tuple: TextTuple, only?: Set<string>): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const column of relation.columns) {
    if (only && !only.has(column.name)) continue;
    const value = tuple[column.name];
    if (value === undefined) continue;
    object[column.name] = value !== null && JSON_TYPE_OIDS.has(column.typeOid) ? JSON.parse(value) : value;
  }
  return object;
}

/**
 * The columns the role's policies can read: names that occur in their expressions, or every column when the
 * table's own name occurs alone (a whole-row reference). Only these travel to the check, which keeps it cheap.
 */
function policyColumns(relation: Relation, access: RoleTableAccess): Set<string> {
  const tokens = new Set<string>();
  for (const policy of access.policies) {
    for (const match of (policy.using ?? '').matchAll(/"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)(\s*\.)?/g)) {
      const name = match[1] !== undefined ? match[1].replaceAll('""', '"') : match[2];
      if (name === relation.table && match[3] === undefined) return new Set(relation.columns.map((column) => column.name));
      tokens.add(name);
    }
  }
  return new Set(relation.columns.map((column) => column.name).filter((name) => tokens.has(name)));
}

/** The combined USING of the role's SELECT policies, as PostgreSQL combines them (no permissive policy: no rows). */
function policyExpression(access: RoleTableAccess): string {
  const permissive = access.policies.filter((policy) => policy.permissive).map((policy) => `(${policy.using ?? 'false'})`);
  const restrictive = access.policies.filter((policy) => !policy.permissive).map((policy) => `(${policy.using ?? 'false'})`);
  if (permissive.length === 0) return 'false';
  return [`(${permissive.join(' or ')})`, ...restrictive].join(' and ');
}

/** Questions answered without asking the database; null when the database must decide. */
export function answerWithoutQuery(question: VisibilityQuestion): boolean | null {
  const { access, kind, relation } = question;
  if (!access.schemaUsage) return false;
  if (access.bypass || !access.rls) return true;
  if (access.policies.length === 0) return false;
  if (kind === 'DELETE' && relation.replicaIdentity !== 'full') return false;
  return null;
}

/** The query over one table's rows (`$1`, a JSON array) returning the indexes of the rows the current role may read. */
function tableQuery(relation: Relation, access: RoleTableAccess): string {
  // The row stands in for the table under the table's own name, so the policies' column references resolve.
  return `select (_rt_e._rt_v->>'_rt_index')::int
    from jsonb_array_elements($1) as _rt_e(_rt_v)
    cross join lateral jsonb_populate_record(null::${qualifiedName(relation.schema, relation.table)}, _rt_e._rt_v) as ${quoteIdent(relation.table)}
    where ${policyExpression(access)}`;
}

/** One table's rows in a batch check: each asked-about change once, with only the columns policies read. */
interface BatchTable {
  relation: Relation;
  rows: { change: number; tuple: TextTuple }[];
  /** change index → position in `rows`. */
  positions: Map<number, number>;
  columns: Set<string>;
}

const rowsJson = (table: BatchTable) => table.rows.map(({ change, tuple }) => ({ ...tupleJson(table.relation, tuple, table.columns), _rt_index: change }));

export class VisibilityChecker {
  constructor(
    /** Connection as `authenticator`, which may switch to the API roles only (as PostgREST does). */
    private readonly sql: postgres.Sql,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * For each group, the set of its question indexes it may see: one call of `_local_stack.realtime_visible` for
   * the whole batch, each table's rows sent once, each group checked as its own role and claims.
   */
  async check(groups: SubscriberGroup[]): Promise<Map<string, Set<number>>> {
    const result = new Map<string, Set<number>>();
    const tables: BatchTable[] = [];
    const tableIndex = new Map<number, number>();
    const checks: { role: string; claims: string; queries: { table: number; sql: string; rows?: number[] }[] }[] = [];
    const asked: { group: SubscriberGroup; byChange: Map<number, number> }[] = [];
    for (const group of groups) {
      const visible = new Set<number>();
      result.set(group.key, visible);
      const queries = new Map<number, { table: number; sql: string; rows: number[] }>();
      // A group asks once per change (change indexes are unique across the batch's tables).
      const byChange = new Map<number, number>();
      group.questions.forEach((question, index) => {
        const answer = answerWithoutQuery(question);
        if (answer !== null) {
          if (answer) visible.add(index);
          return;
        }
        const { relation } = question;
        let t = tableIndex.get(relation.oid);
        if (t === undefined) {
          t = tables.push({ relation, rows: [], positions: new Map(), columns: new Set() }) - 1;
          tableIndex.set(relation.oid, t);
        }
        let position = tables[t].positions.get(question.change);
        if (position === undefined) {
          position = tables[t].rows.push({ change: question.change, tuple: question.tuple }) - 1;
          tables[t].positions.set(question.change, position);
        }
        let query = queries.get(t);
        if (!query) {
          queries.set(t, (query = { table: t, sql: tableQuery(relation, question.access), rows: [] }));
          for (const column of policyColumns(relation, question.access)) tables[t].columns.add(column);
        }
        query.rows.push(position);
        byChange.set(question.change, index);
      });
      if (queries.size > 0) {
        // A group that asks about every row of a table says so (no `rows`): the check takes the table as sent.
        const parts = [...queries.values()].map((query) =>
          query.rows.length === tables[query.table].rows.length ? { table: query.table, sql: query.sql } : query,
        );
        checks.push({ role: group.role, claims: group.claimsJson, queries: parts });
        asked.push({ group, byChange });
      }
    }
    if (checks.length === 0) return result;
    try {
      const rows = await this.sql<{ check_index: number; table_index: number; row_index: number }[]>`
        select check_index, table_index, row_index
        from _local_stack.realtime_visible(${JSON.stringify({ tables: tables.map(rowsJson), checks })}::text::jsonb)`;
      for (const row of rows) {
        const { group, byChange } = asked[row.check_index];
        const index = byChange.get(row.row_index);
        if (index !== undefined) result.get(group.key)!.add(index);
      }
    } catch (error) {
      // Nothing is sent that was not checked.
      this.log(`[realtime] RLS check failed: ${(error as Error).message}`);
    }
    return result;
  }
}
