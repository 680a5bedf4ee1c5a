/**
 * Stage 3 (PostgREST's Query): one statement per request built from the plan, run in one transaction after
 * the request's settings (search_path, the role's own settings, role, claims, method, path, headers, cookies,
 * time zone), then the checks that roll it back (`.single()`, max-affected, PUT), and the transaction end the
 * server and the client chose.
 */
import type postgres from 'postgres';
import { maxAffectedViolation, putMatchingPk, singularityError } from './errors.ts';
import type { MediaType } from './media-type.ts';
import type { ActionPlan, ReadNode } from './plan-types.ts';
import { callCte } from './query-call.ts';
import { mutationCtes } from './query-mutate.ts';
import { countSql, nodeSql } from './query-read.ts';
import { ident, Statement } from './sql.ts';

export interface QueryResult {
  /** Response body text (JSON, CSV or a plan), or null (no body). */
  body: string | null;
  /** Rows on this page, or rows affected by a mutation. */
  pageTotal: number;
  /** Total when counting was requested. */
  total: number | null;
  /** Rows an upsert inserted rather than updated (only tracked for merge-duplicates). */
  inserted: number | null;
  /** First mutated row (primary key) as JSON, for `Location`. */
  firstRow: string | null;
  /** `response.headers` / `response.status` set by the SQL the request ran. */
  responseHeaders: string | null;
  responseStatus: string | null;
}

export interface RequestSession {
  role: string;
  claims: Record<string, unknown>;
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  /** The request's schema first, then the extra search path. */
  searchPath: string[];
  /** The role's settings (statement_timeout, …) applied before switching to it. */
  roleSettings: [string, string][];
  /** statement_timeout (ms) when the role sets none. */
  defaultTimeoutMs: number;
  timezone: string | null;
  readOnly: boolean;
  /** End the transaction with a rollback (Prefer: tx=rollback, or db-tx-end). */
  rollback: boolean;
  /** `handling=strict` with `max-affected=N`. */
  maxAffected: number | null;
  /** Rows at most a read returns: `count=estimated` counts exactly up to one more than this. */
  maxRows: number | null;
}

interface ResultRow {
  total: string | number | null;
  page_total: string | number;
  body: string | null;
  first_row?: string | null;
  inserted?: number | null;
  response_headers: string | null;
  response_status: string | null;
}

const toNumber = (value: string | number | null) => (value === null ? null : Number(value));

/** The response body over `_postgrest_t` (the rows of `pgrst_result`) in the negotiated media type. */
function bodySql(action: ActionPlan, root: ReadNode | null, head: boolean): string {
  const { output, plan } = action;
  if (head || root === null) return 'NULL::text';
  if (plan.kind !== 'read' && plan.kind !== 'call' && action.preferences.return !== 'representation') return 'NULL::text';
  const media: MediaType = output.media.kind === 'plan' ? output.media.for : output.media;
  if (media.kind === 'csv') {
    const header = `(SELECT coalesce(string_agg(a.k, ','), '') FROM (SELECT json_object_keys(r)::text AS k FROM (SELECT row_to_json(hh) AS r FROM "pgrst_result" AS hh LIMIT 1) s) a)`;
    return `${header} || E'\\n' || coalesce(string_agg(substring(_postgrest_t::text, 2, length(_postgrest_t::text) - 2), E'\\n'), '')`;
  }
  const strip = media.kind === 'array-stripped' || (media.kind === 'object' && media.stripNulls);
  const wrap = (json: string) => (strip ? `json_strip_nulls(${json})` : json);
  if (output.scalar !== null) {
    const value = `_postgrest_t.${ident(root.fields[0]?.key ?? root.shape.name)}`;
    if (output.scalar === 'one') return `coalesce(${wrap(`json_agg(${value})->0`)}, 'null')::text`;
    return output.single ? `coalesce(${wrap(`json_agg(${value})->0`)}, 'null')::text` : `coalesce(${wrap(`json_agg(${value})`)}, '[]')::text`;
  }
  if (output.single) return `coalesce(${wrap('json_agg(_postgrest_t)->0')}, 'null')::text`;
  return `coalesce(${wrap('json_agg(_postgrest_t)')}, '[]')::text`;
}

/** What the request's SQL set for the response (read after its rows). */
const RESPONSE_SETTINGS = `nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status`;

/**
 * Whether SQL the request runs can set response.status/headers: functions, triggers, computed fields, views.
 * A read of tables alone cannot (short of a policy function doing it), so it skips reading them.
 */
function mayShapeResponse(action: ActionPlan): boolean {
  return action.plan.kind !== 'read' || !readsTablesOnly(action.plan.root);
}

function readsTablesOnly(node: ReadNode): boolean {
  if (node.from.kind !== 'relation' || (node.from.relation.kind !== 'table' && node.from.relation.kind !== 'partitioned table')) return false;
  for (const field of node.fields) if (field.value?.kind === 'computed') return false;
  for (const embed of node.embeds) if (!readsTablesOnly(embed.node)) return false;
  return true;
}

interface Built {
  statement: Statement;
  text: string;
  /** The statement whose plan estimates the total (count=planned/estimated). */
  countText: string | null;
  countParams: string[];
}

/** null: nothing to run (an empty insert or update), answered as an empty result. */
function buildStatement(action: ActionPlan, raw: string, session: RequestSession): Built | null {
  const statement = new Statement();
  const { plan } = action;
  const head = session.method === 'HEAD';
  const ctes: string[] = [];
  let root: ReadNode | null;
  let exactCount: string | null = null;
  let countBase: ReadNode | null = null;
  if (plan.kind === 'read') {
    root = plan.root;
    countBase = root;
  } else if (plan.kind === 'call') {
    ctes.push(callCte(statement, plan));
    root = plan.root;
    countBase = root;
  } else {
    const mutation = mutationCtes(statement, plan, raw);
    if (mutation === null) return null;
    ctes.push(...mutation);
    root = plan.root;
  }
  const count = action.count;
  if (countBase !== null && (count === 'exact' || count === 'estimated') && action.output.media.kind !== 'plan') {
    const limit = count === 'estimated' && session.maxRows !== null ? ` LIMIT ${session.maxRows + 1}` : '';
    ctes.push(`"pgrst_source_count" AS (${countSql(statement, countBase)}${limit})`);
    exactCount = `(SELECT pg_catalog.count(*) FROM "pgrst_source_count")`;
  }
  // The rows of the response: a CTE only when CSV reads them twice (header and lines), else a subquery, which
  // plans a little faster.
  const rows = root ? nodeSql(statement, root) : 'SELECT 1 FROM "pgrst_source"';
  const csv = (action.output.media.kind === 'plan' ? action.output.media.for : action.output.media).kind === 'csv';
  if (csv) ctes.push(`"pgrst_result" AS (${rows})`);
  // Columns only some plans need (absent ones read as undefined → null).
  const extra: string[] = [];
  if (plan.kind === 'insert' && plan.onConflict?.merge) extra.push(`nullif(current_setting('pgrst.inserted', true), '')::int AS inserted`);
  if (plan.kind === 'insert' && action.preferences.return === 'headers-only' && plan.returning !== 'none') {
    extra.push(`(SELECT row_to_json("pgrst_source") FROM "pgrst_source" LIMIT 1)::text AS first_row`);
  }
  const text =
    `${ctes.length > 0 ? `WITH ${ctes.join(', ')} ` : ''}SELECT ${exactCount ?? 'NULL::int8'} AS total, pg_catalog.count(*) AS page_total, ` +
    `${bodySql(action, root, head)} AS body, ${extra.map((column) => `${column}, `).join('')}` +
    `${mayShapeResponse(action) ? RESPONSE_SETTINGS : 'NULL::text AS response_headers, NULL::text AS response_status'} ` +
    `FROM ${csv ? '"pgrst_result"' : `(${rows})`} AS _postgrest_t`;

  let countText: string | null = null;
  const countStatement = new Statement();
  if (countBase !== null && (count === 'planned' || count === 'estimated')) {
    const callPrefix = plan.kind === 'call' ? `WITH ${callCte(countStatement, plan)} ` : '';
    countText = `EXPLAIN (FORMAT JSON) ${callPrefix}${countSql(countStatement, countBase)}`;
  }
  return { statement, text, countText, countParams: countStatement.params };
}

/** A void function's statement: the call, then nothing but its row count. */
function voidStatement(action: ActionPlan): Built {
  const statement = new Statement();
  if (action.plan.kind !== 'call') throw new Error('not a call');
  const text =
    `WITH ${callCte(statement, action.plan)} SELECT NULL::int8 AS total, pg_catalog.count(*) AS page_total, NULL::text AS body, ` +
    `${RESPONSE_SETTINGS} FROM "pgrst_source"`;
  return { statement, text, countText: null, countParams: [] };
}

/** The plan's statement (or its EXPLAIN), then the estimated count when asked. */
async function runStatement(tx: postgres.TransactionSql, built: Built | null, action: ActionPlan, session: RequestSession): Promise<QueryResult> {
  const { plan } = action;
  const media = action.output.media;
  if (built === null) return { ...EMPTY, body: action.output.single ? null : '[]', total: action.count === 'exact' ? 0 : null };
  if (media.kind === 'plan') return runExplain(tx, built, media);
  const [row] = await tx.unsafe<ResultRow[]>(built.text, built.statement.params);
  const result: QueryResult = {
    body: row.body,
    pageTotal: Number(row.page_total),
    total: toNumber(row.total),
    inserted: row.inserted ?? null,
    firstRow: row.first_row ?? null,
    responseHeaders: row.response_headers,
    responseStatus: row.response_status,
  };
  if (built.countText !== null) {
    const exceeded = action.count === 'planned' || (session.maxRows !== null && (result.total ?? 0) > session.maxRows);
    if (exceeded) {
      const [explained] = await tx.unsafe<{ 'QUERY PLAN': unknown }[]>(built.countText, built.countParams);
      const planned = planRows(explained?.['QUERY PLAN']);
      result.total = action.count === 'planned' ? planned : Math.max(result.total ?? 0, planned ?? 0);
    }
  }
  if (plan.kind !== 'read' && plan.kind !== 'call' && action.count !== null && action.count !== 'planned') result.total = result.pageTotal;
  return result;
}

/** Thrown inside the transaction to end it with ROLLBACK while still answering with the result. */
class RollbackWith extends Error {
  constructor(readonly result: QueryResult) {
    super('rollback');
  }
}

function setConfig(statement: Statement, name: string, value: string): string {
  return `set_config('${name}', ${statement.param(value)}, true)`;
}

/** `a=1; b=2` → `{"a":"1","b":"2"}` (PostgREST's request.cookies). */
function cookiesOf(header: string | undefined): string {
  if (header === undefined) return '{}';
  const pairs = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.includes('='))
    .map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)]);
  return JSON.stringify(Object.fromEntries(pairs));
}

/** The fixed setting names are written into the text (they are constants); every value is a parameter. */
function settingsStatement(session: RequestSession): { text: string; params: string[] } {
  const statement = new Statement();
  const calls = [setConfig(statement, 'search_path', session.searchPath.map(ident).join(', '))];
  // Role settings first, so that `grant set on parameter … to authenticator` covers them (as in PostgREST);
  // their names come from the catalog, so they are bound too.
  for (const [name, value] of session.roleSettings) calls.push(`set_config(${statement.param(name)}, ${statement.param(value)}, true)`);
  if (!session.roleSettings.some(([name]) => name === 'statement_timeout')) calls.push(setConfig(statement, 'statement_timeout', String(session.defaultTimeoutMs)));
  calls.push(
    setConfig(statement, 'role', session.role),
    setConfig(statement, 'request.jwt.claims', JSON.stringify(session.claims)),
    setConfig(statement, 'request.method', session.method),
    setConfig(statement, 'request.path', session.path),
    setConfig(statement, 'request.headers', JSON.stringify(session.headers)),
    setConfig(statement, 'request.cookies', cookiesOf(session.headers.cookie)),
  );
  if (session.timezone !== null) calls.push(setConfig(statement, 'timezone', session.timezone));
  return { text: `select ${calls.join(', ')}`, params: statement.params };
}

function planRows(explained: unknown): number | null {
  const parsed: unknown = typeof explained === 'string' ? JSON.parse(explained) : explained;
  const rows = (parsed as [{ Plan?: { 'Plan Rows'?: unknown } }] | null)?.[0]?.Plan?.['Plan Rows'];
  return typeof rows === 'number' ? rows : null;
}

async function runExplain(tx: postgres.TransactionSql, built: Built, media: Extract<MediaType, { kind: 'plan' }>): Promise<QueryResult> {
  const options = [`FORMAT ${media.format.toUpperCase()}`, ...media.options.map((option) => option.toUpperCase())].join(', ');
  const rows = await tx.unsafe<{ 'QUERY PLAN': unknown }[]>(`EXPLAIN (${options}) ${built.text}`, built.statement.params);
  // postgres.js parses the json column of FORMAT JSON; the text format is one row per line.
  const body = media.format === 'json' ? JSON.stringify(rows[0]?.['QUERY PLAN'] ?? []) : rows.map((row) => String(row['QUERY PLAN'])).join('\n');
  return { body, pageTotal: 0, total: null, inserted: null, firstRow: null, responseHeaders: null, responseStatus: null };
}

const EMPTY: QueryResult = { body: null, pageTotal: 0, total: null, inserted: null, firstRow: null, responseHeaders: null, responseStatus: null };

export async function execute(sql: postgres.Sql, action: ActionPlan, raw: string, session: RequestSession, isolation: string): Promise<QueryResult> {
  const { plan } = action;
  const built = plan.kind === 'call' && plan.fn.returns === 'void' ? voidStatement(action) : buildStatement(action, raw, session);
  const mode = session.readOnly ? 'read only' : 'read write';
  try {
    return (await sql.begin(`isolation level ${isolation} ${mode}`, async (tx) => {
      const settings = settingsStatement(session);
      // Sent without waiting for its answer: the plan's statement follows in the same pipeline (one round trip
      // less). Should the settings fail (a role that cannot be switched to), their error is the one reported.
      const applied = tx.unsafe(settings.text, settings.params).execute();
      const media = action.output.media;
      const [settled, ran] = await Promise.allSettled([applied, runStatement(tx, built, action, session)]);
      if (settled.status === 'rejected') throw settled.reason;
      if (ran.status === 'rejected') throw ran.reason;
      const result = ran.value;
      if (media.kind !== 'plan') checkResult(action, result, session);
      if (session.rollback) {
        await tx.unsafe('SET CONSTRAINTS ALL IMMEDIATE');
        throw new RollbackWith(result);
      }
      return result;
    })) as QueryResult;
  } catch (error) {
    if (error instanceof RollbackWith) return error.result;
    throw error;
  }
}

/** PostgREST's post-query checks; each failure rolls the transaction back. */
function checkResult(action: ActionPlan, result: QueryResult, session: RequestSession): void {
  const { plan, output } = action;
  const rowsAreChecked = plan.kind !== 'call' || (plan.root !== null && plan.fn.returnsSet);
  if (output.media.kind === 'object' && rowsAreChecked && result.pageTotal !== 1) throw singularityError(result.pageTotal);
  if (plan.kind === 'insert' && plan.put && result.pageTotal !== 1) throw putMatchingPk();
  if (session.maxAffected !== null && plan.kind !== 'read' && plan.kind !== 'insert' && result.pageTotal > session.maxAffected) {
    throw maxAffectedViolation(result.pageTotal);
  }
}
