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
export function tupleJson(relation: Relation, tuple: TextTuple): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const column of relation.columns) {
    const value = tuple[column.name];
    if (value === undefined) continue;
    object[column.name] = value !== null && JSON_TYPE_OIDS.has(column.typeOid) ? JSON.parse(value) : value;
  }
  return object;
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

/** The query for one group: indexes (into `questions`) of the changes the group may see. */
function groupQuery(questions: VisibilityQuestion[]): { text: string; params: string[] } {
  const byTable = new Map<number, { sql: (input: string) => string; items: unknown[] }>();
  questions.forEach((question, index) => {
    if (answerWithoutQuery(question) !== null) return;
    const { relation, tuple, access } = question;
    let statement = byTable.get(relation.oid);
    if (!statement) {
      const table = qualifiedName(relation.schema, relation.table);
      const expression = policyExpression(access);
      // The row stands in for the table under the table's own name, so the policies' column references resolve.
      statement = {
        items: [],
        sql: (input) =>
          `select (_rt_e._rt_v->>'_rt_index')::int as index
           from jsonb_array_elements(${input}) as _rt_e(_rt_v)
           cross join lateral (select (jsonb_populate_record(null::${table}, _rt_e._rt_v)).*) as ${quoteIdent(relation.table)}
           where ${expression}`,
      };
      byTable.set(relation.oid, statement);
    }
    statement.items.push({ ...tupleJson(relation, tuple), _rt_index: index });
  });
  const params: string[] = [];
  const parts = [...byTable.values()].map((statement) => {
    params.push(JSON.stringify(statement.items));
    return statement.sql(`$${params.length}::text::jsonb`);
  });
  return { text: parts.join('\nunion all\n'), params };
}

export class VisibilityChecker {
  constructor(
    /** Connection as `authenticator`, which may switch to the API roles only (as PostgREST does). */
    private readonly sql: postgres.Sql,
    private readonly log: (line: string) => void,
    private readonly statementTimeoutMs = 10_000,
  ) {}

  /**
   * For each group, the set of question indexes it may see. All groups run in one read-only transaction (one
   * round trip for the pipeline); when a group's query fails (a policy raising, a timeout), the groups are
   * retried one transaction each, and the failing group sees nothing.
   */
  async check(groups: SubscriberGroup[]): Promise<Map<string, Set<number>>> {
    const result = new Map<string, Set<number>>();
    const pending: { group: SubscriberGroup; query: { text: string; params: string[] } }[] = [];
    for (const group of groups) {
      const visible = new Set<number>();
      group.questions.forEach((question, index) => {
        if (answerWithoutQuery(question) === true) visible.add(index);
      });
      result.set(group.key, visible);
      const query = groupQuery(group.questions);
      if (query.text !== '') pending.push({ group, query });
    }
    if (pending.length === 0) return result;
    try {
      const answers = await this.run(pending);
      answers.forEach((rows, i) => rows.forEach((row) => result.get(pending[i].group.key)!.add(row.index)));
    } catch {
      for (const item of pending) {
        try {
          const [rows] = await this.run([item]);
          rows.forEach((row) => result.get(item.group.key)!.add(row.index));
        } catch (error) {
          this.log(`[realtime] RLS check failed for role ${item.group.role}: ${(error as Error).message}`);
        }
      }
    }
    return result;
  }

  private async run(items: { group: SubscriberGroup; query: { text: string; params: string[] } }[]): Promise<{ index: number }[][]> {
    const answers = await this.sql.begin('read only', (tx) => {
      const statements: postgres.PendingQuery<postgres.Row[]>[] = [
        tx`select set_config('statement_timeout', ${String(this.statementTimeoutMs)}, true)`,
      ];
      for (const { group, query } of items) {
        statements.push(tx`select set_config('role', ${group.role}, true), set_config('request.jwt.claims', ${group.claimsJson}, true)`);
        statements.push(tx.unsafe(query.text, query.params));
      }
      return statements;
    });
    const rows = answers as unknown as { index: number }[][];
    return items.map((_, i) => rows[2 + i * 2]);
  }
}
