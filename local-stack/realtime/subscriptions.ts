/**
 * `postgres_changes` subscriptions: validated against the catalog when a channel joins (tables of the
 * publication, filter columns the role may read, operands that cast to the column's type, as hosted Realtime's
 * `realtime.subscription` trigger checks them), then indexed by table for the change pipeline.
 */
import type postgres from 'postgres';
import { FilterError, parseFilter, arrayLiteral, type FilterCondition } from './filters.ts';
import { CANONICAL_TEXT_TYPES, type TypedCondition } from './records.ts';
import { lsnValue, PUBLICATION, type ChangeKind } from './wal-reader.ts';

/** The channel side of a subscription: who it runs as and where its changes go. */
export interface ChangeSubscriber {
  readonly role: string;
  readonly claimsJson: string;
  /** Role and claims together: subscribers with equal keys share one RLS check. */
  readonly groupKey: string;
  /** Sends one `postgres_changes` message: the matching binding ids and the `data` object, already JSON. */
  deliverChange(ids: number[], dataJson: string): void;
}

/** One binding of `config.postgres_changes`, as the client sent it (echoed back in the join reply). */
export interface PostgresChangesParams {
  event?: unknown;
  schema?: unknown;
  table?: unknown;
  filter?: unknown;
  select?: unknown;
  [key: string]: unknown;
}

export interface PostgresSubscription {
  /** The id the client matches change messages with. */
  id: number;
  subscriber: ChangeSubscriber;
  event: '*' | ChangeKind;
  /** Subscribed tables (relation oid) with the filter bound to each table's column types. */
  tables: Map<number, TypedCondition[]>;
  /** Columns to send (the client's `select`), or all the role may read. */
  select: string[] | null;
  /** The WAL position when the subscription began: changes committed before it are not sent. */
  since: bigint;
}

export class SubscriptionError extends Error {}

const EVENTS = new Set(['*', 'INSERT', 'UPDATE', 'DELETE']);
/** Operators whose operand is cast to the column type (pattern operators take text, `is` a keyword). */
const TYPED_OPERATORS = new Set(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'isdistinct']);

/** Hosted Realtime's id for a binding: a hash of its params (stable for equal params, as `:erlang.phash2`). */
export function bindingId(params: PostgresChangesParams): number {
  const text = JSON.stringify(params);
  let hash = 5381;
  for (let i = 0; i < text.length; i++) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
  return hash % 2 ** 27;
}

const describe = (params: PostgresChangesParams) => JSON.stringify(params);

/** Resolves and validates one binding for `role`; throws SubscriptionError with a message for the client. */
export async function resolveSubscription(
  admin: postgres.Sql,
  params: PostgresChangesParams,
  role: string,
): Promise<Omit<PostgresSubscription, 'subscriber' | 'since'>> {
  const event = typeof params.event === 'string' ? params.event.toUpperCase() : '';
  if (!EVENTS.has(event)) throw new SubscriptionError(`Invalid event ${JSON.stringify(params.event ?? null)}: expected *, INSERT, UPDATE or DELETE`);
  const schema = typeof params.schema === 'string' && params.schema !== '' ? params.schema : null;
  const table = typeof params.table === 'string' && params.table !== '' ? params.table : null;
  if (schema === null && table === null) {
    throw new SubscriptionError('No subscription params provided. Please provide at least a `schema` or `table` to subscribe to.');
  }
  if (params.filter !== undefined && params.filter !== null && typeof params.filter !== 'string') {
    throw new SubscriptionError(`Error parsing \`filter\` params: expected a string, got ${JSON.stringify(params.filter)}`);
  }
  let conditions: FilterCondition[];
  try {
    conditions = parseFilter(params.filter ?? null);
  } catch (error) {
    throw new SubscriptionError(`Error parsing \`filter\` params: ${(error as FilterError).message}`);
  }
  const select = Array.isArray(params.select) && params.select.every((name) => typeof name === 'string') ? (params.select as string[]) : null;

  const [{ allowed }] = await admin<{ allowed: boolean }[]>`
    select coalesce((select pg_has_role('authenticator', r.oid, 'MEMBER') from pg_roles r where r.rolname = ${role}), false) as allowed`;
  if (!allowed) throw new SubscriptionError(`Subscription insert failed with error: role "${role}" does not exist or cannot be used by Realtime`);

  const tables = await admin<{ oid: number }[]>`
    select c.oid::int as oid
    from pg_publication_tables p
    join pg_namespace n on n.nspname = p.schemaname
    join pg_class c on c.relnamespace = n.oid and c.relname = p.tablename
    where p.pubname = ${PUBLICATION}
      and (${schema ?? 'public'} = '*' or p.schemaname = ${schema ?? 'public'})
      and (${table ?? '*'} = '*' or p.tablename = ${table ?? '*'})`;
  if (tables.length === 0) {
    throw new SubscriptionError(
      `Subscription insert failed with 0 rows. Check that tables are part of publication ${PUBLICATION} and subscription params are correct: ${describe(params)}`,
    );
  }

  const typed = new Map<number, TypedCondition[]>();
  for (const { oid } of tables) {
    const columns = await admin<{ name: string; type: string; selectable: boolean }[]>`
      select a.attname as name, a.atttypid::regtype::text as type, has_column_privilege(${role}, a.attrelid, a.attnum, 'SELECT') as selectable
      from pg_attribute a
      where a.attrelid = ${oid} and a.attnum > 0 and not a.attisdropped`;
    const byName = new Map(columns.map((column) => [column.name, column]));
    const bound: TypedCondition[] = [];
    for (const condition of conditions) {
      const column = byName.get(condition.column);
      if (!column || !column.selectable) {
        throw new SubscriptionError(`Subscription insert failed with error: invalid column for filter ${condition.column}. ${describe(params)}`);
      }
      let canonical: string[] | undefined;
      if (TYPED_OPERATORS.has(condition.operator)) {
        const operand = Array.isArray(condition.value) ? arrayLiteral(condition.value) : condition.value;
        const cast = condition.operator === 'in' ? `${column.type}[]` : column.type;
        try {
          const [{ texts }] = await admin.unsafe<{ texts: string[] }[]>(
            `select to_jsonb(array(select unnest(array[]::${column.type}[] || ($1::text)::${cast})::text)) as texts`,
            [operand],
          );
          if ((condition.operator === 'eq' || condition.operator === 'in') && CANONICAL_TEXT_TYPES.has(column.type)) canonical = texts;
        } catch (error) {
          throw new SubscriptionError(`Subscription insert failed with error: ${(error as Error).message}. ${describe(params)}`);
        }
      }
      bound.push({ condition, columnType: column.type, ...(canonical ? { canonical } : {}) });
    }
    typed.set(oid, bound);
  }
  return { id: bindingId(params), event: event as PostgresSubscription['event'], tables: typed, select };
}

/** The current end of the WAL: a subscription registered now gets the changes committed after it. */
export async function currentLsn(admin: postgres.Sql): Promise<bigint> {
  const [{ lsn }] = await admin<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
  return lsnValue(lsn);
}

/** All live subscriptions of this server, by table. */
export class SubscriptionRegistry {
  /** Arrays (rebuilt on change, read for every change of the WAL) rather than sets. */
  private byTable = new Map<number, PostgresSubscription[]>();
  private readonly bySubscriber = new Map<ChangeSubscriber, PostgresSubscription[]>();

  get size(): number {
    return this.bySubscriber.size;
  }

  add(subscription: PostgresSubscription): void {
    for (const oid of subscription.tables.keys()) this.byTable.set(oid, [...(this.byTable.get(oid) ?? []), subscription]);
    this.bySubscriber.set(subscription.subscriber, [...(this.bySubscriber.get(subscription.subscriber) ?? []), subscription]);
  }

  removeSubscriber(subscriber: ChangeSubscriber): void {
    const removed = this.bySubscriber.get(subscriber);
    if (!removed) return;
    this.bySubscriber.delete(subscriber);
    for (const oid of new Set(removed.flatMap((subscription) => [...subscription.tables.keys()]))) {
      const rest = (this.byTable.get(oid) ?? []).filter((subscription) => subscription.subscriber !== subscriber);
      if (rest.length > 0) this.byTable.set(oid, rest);
      else this.byTable.delete(oid);
    }
  }

  /** Subscriptions of a table (any event: the caller matches the event). */
  forTable(oid: number): readonly PostgresSubscription[] {
    return this.byTable.get(oid) ?? [];
  }
}
