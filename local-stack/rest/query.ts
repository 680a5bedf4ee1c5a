/**
 * Stage 3 (PostgREST's Query): SQL for a plan, with identifiers quoted from the schema cache and every value a
 * bound parameter; JSON built by PostgreSQL (json_agg / row_to_json). Runs in one transaction per request
 * after switching role and setting the request's claims.
 */
import type postgres from 'postgres';
import type { AuthResult } from './auth.ts';
import { singularityError } from './errors.ts';
import type {
  CallPlan,
  ColumnRef,
  DeletePlan,
  InsertPlan,
  Plan,
  PlannedFilter,
  PlannedItem,
  ReadTree,
  UpdatePlan,
} from './plan.ts';
import type { Condition } from './query-params.ts';
import { EXPOSED_SCHEMA } from './schema-cache.ts';

/** Quotes a name taken from the schema cache (or a generated alias). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const qualified = (name: string) => `${ident(EXPOSED_SCHEMA)}.${ident(name)}`;

class Statement {
  readonly params: string[] = [];
  private aliases = 0;

  param(value: string): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  alias(prefix: string): string {
    this.aliases += 1;
    return `${prefix}${this.aliases}`;
  }
}

// ---- expressions ----

function fieldSql(statement: Statement, alias: string, ref: ColumnRef): string {
  let expression = `${ident(alias)}.${ident(ref.column.name)}`;
  for (const step of ref.path) {
    const key = /^-?\d+$/.test(step.key) ? `${statement.param(step.key)}::int` : `${statement.param(step.key)}::text`;
    expression = `(${expression}${step.arrow}${key})`;
  }
  return expression;
}

const COMPARISONS: Partial<Record<Condition['operator'], string>> = {
  eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=', like: 'like', ilike: 'ilike', match: '~', imatch: '~*',
  isdistinct: 'is distinct from', cs: '@>', cd: '<@', ov: '&&', sl: '<<', sr: '>>', nxr: '&<', nxl: '&>', adj: '-|-',
};

const TEXT_SEARCH: Partial<Record<Condition['operator'], string>> = {
  fts: 'to_tsquery', plfts: 'plainto_tsquery', phfts: 'phraseto_tsquery', wfts: 'websearch_to_tsquery',
};

function conditionSql(statement: Statement, alias: string, ref: ColumnRef, condition: Condition): string {
  const field = fieldSql(statement, alias, ref);
  const { operator } = condition;
  const textual = operator === 'like' || operator === 'ilike' || operator === 'match' || operator === 'imatch';
  const left = textual ? `${field}::text` : field;
  const pattern = (value: string) => (operator === 'like' || operator === 'ilike' ? value.replace(/\*/g, '%') : value);
  let sql: string;
  if (operator === 'is') {
    sql = `${field} is ${{ null: 'null', not_null: 'not null', true: 'true', false: 'false', unknown: 'unknown' }[condition.value] ?? 'null'}`;
  } else if (operator === 'in') {
    sql = condition.values.length === 0 ? 'false' : `${field} in (${condition.values.map((value) => statement.param(value)).join(', ')})`;
  } else if (TEXT_SEARCH[operator]) {
    const language = condition.language === null ? '' : `${statement.param(condition.language)}::regconfig, `;
    sql = `${field} @@ ${TEXT_SEARCH[operator]}(${language}${statement.param(condition.value)})`;
  } else if (condition.quantifier !== null) {
    const comparison = COMPARISONS[operator] as string;
    const parts = condition.values.map((value) => `${left} ${comparison} ${statement.param(pattern(value))}`);
    sql = parts.length === 0 ? (condition.quantifier === 'any' ? 'false' : 'true') : `(${parts.join(condition.quantifier === 'any' ? ' or ' : ' and ')})`;
  } else {
    sql = `${left} ${COMPARISONS[operator] as string} ${statement.param(pattern(condition.value))}`;
  }
  return condition.negated ? `not (${sql})` : sql;
}

interface EmbedSql {
  key: string;
  /** The embedded rows' select, correlated to the parent alias. */
  select: string;
  toOne: boolean;
}

function filterSql(statement: Statement, alias: string, filter: PlannedFilter, embeds: Map<string, EmbedSql>): string {
  if (filter.type === 'condition') return conditionSql(statement, alias, filter, filter.condition);
  if (filter.type === 'embed-null') {
    const embed = embeds.get(filter.key) as EmbedSql;
    return `${filter.isNull ? 'not ' : ''}exists (select 1 from (${embed.select}) as ${ident(statement.alias('_x'))})`;
  }
  const parts = filter.children.map((child) => `(${filterSql(statement, alias, child, embeds)})`);
  const joined = parts.join(filter.operator === 'and' ? ' and ' : ' or ');
  return filter.negated ? `not (${joined})` : joined;
}

// ---- reads ----

interface SelectSql {
  /** `select … from … where … order by … limit … offset …` */
  rows: string;
  /** `from … where …` without order/limit, for the total count. */
  fromWhere: string;
}

/**
 * The select of one tree. `source` is the FROM item (a table, or a CTE of mutated/returned rows);
 * `correlation` joins embedded rows to their parent.
 */
function treeSql(
  statement: Statement,
  tree: ReadTree,
  source: string,
  alias: string,
  correlation: { joins: string; conditions: string[] },
): SelectSql {
  const embeds = new Map<string, EmbedSql>();
  const columns: string[] = [];
  for (const item of tree.items) columns.push(itemSql(statement, alias, item, embeds));
  const conditions = [...correlation.conditions];
  for (const item of tree.items) {
    if (item.kind === 'embed' && item.inner) {
      const embed = embeds.get(item.key) as EmbedSql;
      conditions.push(`exists (select 1 from (${embed.select}) as ${ident(statement.alias('_x'))})`);
    }
  }
  for (const filter of tree.filters) conditions.push(filterSql(statement, alias, filter, embeds));
  const where = conditions.length > 0 ? ` where ${conditions.map((c) => `(${c})`).join(' and ')}` : '';
  const fromWhere = `from ${source} as ${ident(alias)}${correlation.joins}${where}`;
  const order =
    tree.order.length > 0
      ? ` order by ${tree.order
          .map((term) => `${fieldSql(statement, alias, term)}${term.direction ? ` ${term.direction}` : ''}${term.nulls ? ` nulls ${term.nulls}` : ''}`)
          .join(', ')}`
      : '';
  const limit = tree.limit !== null ? ` limit ${statement.param(String(tree.limit))}` : '';
  const offset = tree.offset > 0 ? ` offset ${statement.param(String(tree.offset))}` : '';
  return { rows: `select ${columns.join(', ')} ${fromWhere}${order}${limit}${offset}`, fromWhere };
}

function itemSql(statement: Statement, alias: string, item: PlannedItem, embeds: Map<string, EmbedSql>): string {
  if (item.kind === 'column') {
    return `${fieldSql(statement, alias, item)}${item.cast ? `::${item.cast}` : ''} as ${ident(item.key)}`;
  }
  const relationship = item.relationship;
  const child = statement.alias('t');
  let joins = '';
  const conditions: string[] = [];
  if (relationship.junction) {
    const junction = statement.alias('j');
    const j = relationship.junction;
    joins = ` join ${qualified(j.relation)} as ${ident(junction)} on ${j.targetPairs
      .map(([junctionColumn, targetColumn]) => `${ident(junction)}.${ident(junctionColumn)} = ${ident(child)}.${ident(targetColumn)}`)
      .join(' and ')}`;
    for (const [junctionColumn, sourceColumn] of j.sourcePairs) {
      conditions.push(`${ident(junction)}.${ident(junctionColumn)} = ${ident(alias)}.${ident(sourceColumn)}`);
    }
  } else {
    for (const [sourceColumn, targetColumn] of relationship.pairs) {
      conditions.push(`${ident(child)}.${ident(targetColumn)} = ${ident(alias)}.${ident(sourceColumn)}`);
    }
  }
  const { rows } = treeSql(statement, item.tree, qualified(relationship.target), child, { joins, conditions });
  embeds.set(item.key, { key: item.key, select: rows, toOne: relationship.toOne });
  const rowsAlias = ident(statement.alias('_e'));
  const aggregate = relationship.toOne ? `(json_agg(${rowsAlias}) -> 0)` : `coalesce(json_agg(${rowsAlias}), '[]')`;
  return `(select ${aggregate} from (${rows}) as ${rowsAlias}) as ${ident(item.key)}`;
}

export interface BodyFormat {
  /** One JSON object instead of an array (`.single()`, or a function returning one composite). */
  single: boolean;
  stripNulls: boolean;
  /** HEAD: counts only. */
  omitBody: boolean;
  /** Set of scalars (`returns setof int`): the array holds the values, not objects. */
  scalarKey: string | null;
}

/** The outer select: the body as JSON text, the rows on this page, and the total when counting. */
function readSql(statement: Statement, tree: ReadTree, source: string, format: BodyFormat, count: boolean): string {
  const alias = 't0';
  const { rows, fromWhere } = treeSql(statement, tree, source, alias, { joins: '', conditions: [] });
  const r = '"_pgrst_r"';
  const element = format.scalarKey !== null ? `${r}.${ident(format.scalarKey)}` : format.stripNulls ? `json_strip_nulls(row_to_json(${r}))` : r;
  const body = format.omitBody ? 'null::text' : format.single ? `(json_agg(${element}) -> 0)::text` : `coalesce(json_agg(${element}), '[]')::text`;
  const total = count ? `(select count(*) ${fromWhere})::int8` : 'null::int8';
  return `select ${body} as body, count(*)::int8 as page_total, ${total} as total from (${rows}) as ${r}`;
}

// ---- mutations ----

function insertSql(statement: Statement, plan: InsertPlan, group: InsertPlan['groups'][number], returning: boolean): string {
  const names = group.columns.map((column) => ident(column.name));
  const body = statement.param(JSON.stringify(group.rows));
  const target = `${qualified(plan.relation.name)} as "t0"`;
  let sql =
    names.length > 0
      ? `insert into ${target} (${names.join(', ')}) select ${names.join(', ')} from json_populate_recordset(null::${qualified(plan.relation.name)}, ${body}::json)`
      : `insert into ${target} select from json_array_elements(${body}::json)`;
  if (plan.onConflict) {
    const conflict = plan.onConflict.columns.length > 0 ? ` (${plan.onConflict.columns.map(ident).join(', ')})` : '';
    const updates = group.columns.filter((column) => !plan.onConflict?.columns.includes(column.name));
    const set = (updates.length > 0 ? updates : group.columns).map((column) => `${ident(column.name)} = excluded.${ident(column.name)}`);
    sql += plan.onConflict.merge && set.length > 0 ? ` on conflict${conflict} do update set ${set.join(', ')}` : ` on conflict${conflict} do nothing`;
  }
  return returning ? `${sql} returning "t0".*` : sql;
}

function updateSql(statement: Statement, plan: UpdatePlan, returning: boolean): string {
  const values = statement.param(JSON.stringify(plan.values));
  const set = plan.columns.map((column) => `${ident(column.name)} = "_pgrst_body".${ident(column.name)}`);
  const conditions = plan.filters.map((filter) => `(${filterSql(statement, 't0', filter, new Map())})`);
  const where = conditions.length > 0 ? ` where ${conditions.join(' and ')}` : '';
  const sql = `update ${qualified(plan.relation.name)} as "t0" set ${set.join(', ')} from (select * from json_populate_record(null::${qualified(plan.relation.name)}, ${values}::json)) as "_pgrst_body"${where}`;
  return returning ? `${sql} returning "t0".*` : sql;
}

function deleteSql(statement: Statement, plan: DeletePlan, returning: boolean): string {
  const conditions = plan.filters.map((filter) => `(${filterSql(statement, 't0', filter, new Map())})`);
  const where = conditions.length > 0 ? ` where ${conditions.join(' and ')}` : '';
  const sql = `delete from ${qualified(plan.relation.name)} as "t0"${where}`;
  return returning ? `${sql} returning "t0".*` : sql;
}

// ---- calls ----

function callSql(statement: Statement, plan: CallPlan): { from: string; call: string } {
  const fn = qualified(plan.fn.name);
  if (plan.single) return { from: '', call: `${fn}(${statement.param(JSON.stringify(plan.body))}::${plan.fn.parameters[0].type})` };
  if (plan.parameters.length === 0) return { from: '', call: `${fn}()` };
  const record = `${statement.param(JSON.stringify(plan.args))}::text::json`;
  const definitions = plan.parameters.map((p) => `${ident(p.name)} ${p.type}`).join(', ');
  const args = plan.parameters.map((p) => `${p.variadic ? 'variadic ' : ''}${ident(p.name)} := "_pgrst_args".${ident(p.name)}`).join(', ');
  return { from: ` from json_to_record(${record}) as "_pgrst_args"(${definitions})`, call: `${fn}(${args})` };
}

// ---- execution ----

export interface QueryResult {
  /** JSON text (array, object or scalar), or null (no body). */
  body: string | null;
  /** Rows on this page, or rows affected by a mutation. */
  pageTotal: number;
  /** Total when counting was requested. */
  total: number | null;
}

interface ResultRow {
  body: string | null;
  page_total: string | number;
  total: string | number | null;
}

const toNumber = (value: string | number | null) => (value === null ? null : Number(value));

export interface RequestContext {
  auth: AuthResult;
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  readOnly: boolean;
  timeoutMs: number;
  count: boolean;
  format: BodyFormat;
  /** The client asked for exactly one object (`Accept: application/vnd.pgrst.object+json`). */
  singular: boolean;
}

async function runOne(tx: postgres.TransactionSql, statement: Statement, text: string): Promise<QueryResult> {
  const [row] = await tx.unsafe<ResultRow[]>(text, statement.params);
  return { body: row.body, pageTotal: Number(row.page_total), total: toNumber(row.total) };
}

async function runPlan(tx: postgres.TransactionSql, plan: Plan, context: RequestContext): Promise<QueryResult> {
  const statement = new Statement();
  const { format, count } = context;
  switch (plan.kind) {
    case 'read':
      return runOne(tx, statement, readSql(statement, plan.tree, qualified(plan.relation.name), format, count));
    case 'insert':
    case 'update':
    case 'delete': {
      // Nothing to insert, or a PATCH with an empty object: nothing happens (as in PostgREST).
      if ((plan.kind === 'insert' && plan.groups.length === 0) || (plan.kind === 'update' && plan.columns.length === 0)) {
        return { body: format.single ? null : '[]', pageTotal: 0, total: count ? 0 : null };
      }
      if (plan.returning === null) {
        let affected = 0;
        const statements = plan.kind === 'insert' ? plan.groups.map((group) => ({ group })) : [{ group: null }];
        for (const { group } of statements) {
          const own = new Statement();
          const text = plan.kind === 'insert' && group ? insertSql(own, plan, group, false) : plan.kind === 'update' ? updateSql(own, plan, false) : deleteSql(own, plan as DeletePlan, false);
          const result = await tx.unsafe(text, own.params);
          affected += result.count;
        }
        return { body: null, pageTotal: affected, total: count ? affected : null };
      }
      let ctes: string;
      if (plan.kind === 'insert') {
        const parts = plan.groups.map((group, index) => `"_pgrst_g${index}" as (${insertSql(statement, plan, group, true)})`);
        const union = plan.groups.map((_, index) => `select * from "_pgrst_g${index}"`).join(' union all ');
        ctes = `with ${parts.join(', ')}, "pgrst_source" as (${union})`;
      } else if (plan.kind === 'update') {
        ctes = `with "pgrst_source" as (${updateSql(statement, plan, true)})`;
      } else {
        ctes = `with "pgrst_source" as (${deleteSql(statement, plan, true)})`;
      }
      const result = await runOne(tx, statement, `${ctes} ${readSql(statement, plan.returning, '"pgrst_source"', format, count)}`);
      return { ...result, total: count ? result.pageTotal : null };
    }
    case 'call': {
      const { from, call } = callSql(statement, plan);
      if (plan.fn.returns === 'void') {
        await tx.unsafe(`select ${call}${from}`, statement.params);
        return { body: null, pageTotal: 1, total: null };
      }
      if (plan.tree === null) {
        return runOne(tx, statement, `select to_json(${call})::text as body, 1::int8 as page_total, null::int8 as total${from}`);
      }
      const rows =
        plan.fn.returns === 'composite'
          ? `select "_pgrst_fn".*${from ? `${from}, ` : ' from '}${call} as "_pgrst_fn"`
          : `select "_pgrst_fn" as ${ident(plan.fn.name)}${from ? `${from}, ` : ' from '}${call} as "_pgrst_fn"`;
      const cte = `with "pgrst_source" as materialized (${rows})`;
      return runOne(tx, statement, `${cte} ${readSql(statement, plan.tree, '"pgrst_source"', format, count)}`);
    }
  }
}

/**
 * One transaction per request, as PostgREST runs it: access mode, role and request settings
 * (`request.jwt.claims`, `request.method`, `request.path`, `request.headers`, statement_timeout), the plan's
 * statement, commit. A `.single()` that does not get exactly one row rolls everything back.
 */
export async function execute(sql: postgres.Sql, plan: Plan, context: RequestContext): Promise<QueryResult> {
  const mode = context.readOnly ? 'read only' : 'read write';
  const result = await sql.begin(`isolation level read committed ${mode}`, async (tx) => {
    // Sent without waiting for its answer: the plan's statement follows in the same pipeline (one round trip
    // less). Should the settings fail (a role that cannot be switched to), their error is the one reported.
    const settings = tx.unsafe(
      `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('request.method', $3, true),
              set_config('request.path', $4, true), set_config('request.headers', $5, true), set_config('statement_timeout', $6, true)`,
      [
        context.auth.role,
        JSON.stringify(context.auth.claims),
        context.method,
        context.path,
        JSON.stringify(context.headers),
        String(context.timeoutMs),
      ],
    ).execute();
    const outcome = runPlan(tx, plan, context);
    const [settled, ran] = await Promise.allSettled([settings, outcome]);
    if (settled.status === 'rejected') throw settled.reason;
    if (ran.status === 'rejected') throw ran.reason;
    const rowsAreChecked = plan.kind !== 'call' || (plan.tree !== null && plan.fn.returnsSet);
    if (context.singular && rowsAreChecked && ran.value.pageTotal !== 1) throw singularityError(ran.value.pageTotal);
    return ran.value;
  });
  return result as QueryResult;
}
