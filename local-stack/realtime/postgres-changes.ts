/**
 * The change pipeline: WAL changes → subscriptions of their table and event → values and filters evaluated by
 * PostgreSQL → RLS visibility per subscriber group → one `postgres_changes` message per channel, shaped as hosted
 * Realtime sends it: `{ids, data: {schema, table, commit_timestamp, type, columns, record, old_record, errors}}`.
 */
import type postgres from 'postgres';
import { AccessCache, VisibilityChecker, type RoleTableAccess, type SubscriberGroup } from './authorisation.ts';
import { decodeTuples, type DecodedTuple, type TypedCondition } from './records.ts';
import type { ChangeSubscriber, PostgresSubscription, SubscriptionRegistry } from './subscriptions.ts';
import type { Relation, TextTuple, WalChange } from './wal-reader.ts';

/** Records above this many bytes are cut to their small values, with hosted's error (realtime.apply_rls). */
const MAX_RECORD_BYTES = 1024 * 1024;
const SMALL_VALUE_BYTES = 64;

interface PreparedChange {
  change: WalChange;
  decoded: DecodedTuple | null;
  decodedOld: DecodedTuple | null;
  /** Position of each filter condition in `matches` of the decoded tuples. */
  predicateIndex: Map<TypedCondition, number>;
}

/** A subscription that wants a change, and what it takes to send it. */
interface Match {
  change: number;
  subscription: PostgresSubscription;
  access: RoleTableAccess;
  /** Hosted's error-only payload (no primary key, key not readable), sent without a check. */
  notice?: string;
  /** Index of the RLS question in the subscriber's group. */
  question?: number;
}

/** A filter condition on a decoded tuple: by canonical text (see TypedCondition.canonical) or by its SQL result. */
function conditionHolds(condition: TypedCondition, tuple: DecodedTuple, predicateIndex: Map<TypedCondition, number>): boolean {
  if (!condition.canonical) return tuple.matches[predicateIndex.get(condition)!];
  const value = tuple.texts[condition.condition.column];
  if (value === null || value === undefined) return false;
  return condition.canonical.includes(value) !== condition.condition.negate;
}

function stripUndefined(tuple: TextTuple | null): TextTuple {
  const out: TextTuple = {};
  for (const [name, value] of Object.entries(tuple ?? {})) if (value !== undefined) out[name] = value;
  return out;
}

function pick(record: Record<string, unknown>, names: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) if (names.has(name)) out[name] = value;
  return out;
}

/** Hosted's answer to a record too large to send: only its values of at most 64 bytes. */
function limitSize(record: Record<string, unknown> | null, errors: string[]): Record<string, unknown> | null {
  if (record === null || JSON.stringify(record).length <= MAX_RECORD_BYTES) return record;
  if (!errors.includes('Error 413: Payload Too Large')) errors.push('Error 413: Payload Too Large');
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) if (JSON.stringify(value).length <= SMALL_VALUE_BYTES) out[name] = value;
  return out;
}

export class ChangePipeline {
  private readonly access: AccessCache;
  private readonly checker: VisibilityChecker;

  constructor(
    private readonly registry: SubscriptionRegistry,
    /** Superuser connection: decodes values (any schema) and reads the catalog. */
    private readonly admin: postgres.Sql,
    /** `authenticator` connection: the RLS checks switch from it to each subscriber's role. */
    checkSql: postgres.Sql,
    log: (line: string) => void,
  ) {
    this.access = new AccessCache(admin);
    this.checker = new VisibilityChecker(checkSql, log);
  }

  relationChanged(relation: Relation): void {
    this.access.invalidate(relation.oid);
  }

  async dispatch(changes: WalChange[]): Promise<void> {
    // 1. Which subscriptions want which change (table and event).
    const wanted = changes.map((change) =>
      this.registry
        .forTable(change.relation.oid)
        .filter((subscription) => (subscription.event === '*' || subscription.event === change.kind) && change.commitLsn >= subscription.since),
    );
    if (wanted.every((subscriptions) => subscriptions.length === 0)) return;

    // 2. Values as JSON and filter results, one query per table.
    const prepared = await this.prepare(changes, wanted);

    // 3. Filters; what each role may read of each table; one RLS question per (group, change).
    const accessOf = new Map<number, Map<string, RoleTableAccess>>();
    const groups = new Map<string, SubscriberGroup & { questionOf: Map<number, number> }>();
    const matches: Match[] = [];
    for (let index = 0; index < changes.length; index++) {
      const { change, decoded, decodedOld, predicateIndex } = prepared[index];
      let checkTuple: TextTuple | null | undefined;
      for (const subscription of wanted[index]) {
        const conditions = subscription.tables.get(change.relation.oid) ?? [];
        if (conditions.length > 0) {
          const tuple = change.kind === 'DELETE' ? decodedOld : decoded;
          if (!tuple || !conditions.every((condition) => conditionHolds(condition, tuple, predicateIndex))) continue;
        }
        const { subscriber } = subscription;
        let byRole = accessOf.get(change.relation.oid);
        if (!byRole) accessOf.set(change.relation.oid, (byRole = new Map()));
        let access = byRole.get(subscriber.role);
        if (!access) byRole.set(subscriber.role, (access = await this.access.get(change.relation.oid, subscriber.role)));
        const match: Match = { change: index, subscription, access };
        matches.push(match);
        if (change.kind !== 'DELETE') {
          if (access.primaryKey.length === 0) {
            match.notice = 'Error 400: Bad Request, no primary key';
            continue;
          }
          if (!access.schemaUsage || access.primaryKey.some((name) => !access.columns.some((column) => column.name === name))) {
            match.notice = 'Error 401: Unauthorized';
            continue;
          }
        }
        // An UPDATE's new tuple lacks unchanged TOASTed values; the old row (REPLICA IDENTITY FULL) has them.
        checkTuple ??= change.kind === 'DELETE' ? change.oldRecord : { ...(change.oldRecord ?? {}), ...stripUndefined(change.record) };
        if (!checkTuple) continue;
        let group = groups.get(subscriber.groupKey);
        if (!group) {
          group = { key: subscriber.groupKey, role: subscriber.role, claimsJson: subscriber.claimsJson, questions: [], questionOf: new Map() };
          groups.set(subscriber.groupKey, group);
        }
        let question = group.questionOf.get(index);
        if (question === undefined) {
          question = group.questions.push({ change: index, relation: change.relation, kind: change.kind, tuple: checkTuple, access }) - 1;
          group.questionOf.set(index, question);
        }
        match.question = question;
      }
    }
    if (matches.length === 0) return;
    const visible = await this.checker.check([...groups.values()]);

    // 4. One message per channel and payload: payloads differ by role (readable columns) and `select`.
    const dataCache = new Map<string, string>();
    const outbox = new Map<ChangeSubscriber, Map<string, { ids: number[]; dataJson: string }>>();
    for (const match of matches) {
      const { subscriber, select, id } = match.subscription;
      const { change } = prepared[match.change];
      if (!match.notice && (match.question === undefined || !visible.get(subscriber.groupKey)?.has(match.question))) continue;
      const key = match.notice ? `${match.change}|notice` : `${match.change}|${subscriber.role}|${select?.join(',') ?? '*'}`;
      let data = dataCache.get(key);
      if (data === undefined) {
        data = match.notice
          ? JSON.stringify({ schema: change.relation.schema, table: change.relation.table, type: change.kind, errors: [match.notice] })
          : this.payload(prepared[match.change], match.access, select);
        dataCache.set(key, data);
      }
      let messages = outbox.get(subscriber);
      if (!messages) outbox.set(subscriber, (messages = new Map()));
      let message = messages.get(key);
      if (!message) messages.set(key, (message = { ids: [], dataJson: data }));
      if (!message.ids.includes(id)) message.ids.push(id);
    }
    for (const [subscriber, messages] of outbox) {
      for (const { ids, dataJson } of messages.values()) subscriber.deliverChange(ids, dataJson);
    }
  }

  private async prepare(changes: WalChange[], wanted: readonly PostgresSubscription[][]): Promise<PreparedChange[]> {
    const prepared: PreparedChange[] = changes.map((change) => ({ change, decoded: null, decodedOld: null, predicateIndex: new Map() }));
    const byTable = new Map<
      number,
      { relation: Relation; changes: number[]; predicates: Map<string, { condition: TypedCondition; members: TypedCondition[] }>; texts: Set<string> }
    >();
    changes.forEach((change, index) => {
      if (wanted[index].length === 0) return;
      let entry = byTable.get(change.relation.oid);
      if (!entry) byTable.set(change.relation.oid, (entry = { relation: change.relation, changes: [], predicates: new Map(), texts: new Set() }));
      entry.changes.push(index);
      for (const subscription of wanted[index]) {
        for (const condition of subscription.tables.get(change.relation.oid) ?? []) {
          if (condition.canonical) {
            entry.texts.add(condition.condition.column);
            continue;
          }
          // Equal conditions of different subscriptions are evaluated once.
          const key = JSON.stringify(condition);
          const predicate = entry.predicates.get(key);
          if (!predicate) entry.predicates.set(key, { condition, members: [condition] });
          else if (!predicate.members.includes(condition)) predicate.members.push(condition);
        }
      }
    });
    for (const entry of byTable.values()) {
      const predicates = [...entry.predicates.values()];
      const predicateIndex = new Map<TypedCondition, number>();
      predicates.forEach((predicate, i) => predicate.members.forEach((member) => predicateIndex.set(member, i)));
      const tuples: TextTuple[] = [];
      const slots: { change: number; old: boolean }[] = [];
      for (const index of entry.changes) {
        const change = changes[index];
        prepared[index].predicateIndex = predicateIndex;
        if (change.record) {
          tuples.push(change.record);
          slots.push({ change: index, old: false });
        }
        if (change.oldRecord) {
          tuples.push(change.oldRecord);
          slots.push({ change: index, old: true });
        }
      }
      const decoded = await decodeTuples(this.admin, entry.relation, tuples, predicates.map((predicate) => predicate.condition), [...entry.texts]);
      decoded.forEach((tuple, i) => {
        const slot = slots[i];
        if (slot.old) prepared[slot.change].decodedOld = tuple;
        else prepared[slot.change].decoded = tuple;
      });
    }
    return prepared;
  }

  private payload({ change, decoded, decodedOld }: PreparedChange, access: RoleTableAccess, select: string[] | null): string {
    const readable = new Set(access.columns.map((column) => column.name).filter((name) => !select || select.includes(name)));
    const keys = new Set(access.primaryKey);
    const errors: string[] = [];
    const data: Record<string, unknown> = {
      schema: change.relation.schema,
      table: change.relation.table,
      commit_timestamp: change.commitTimestamp,
      type: change.kind,
      columns: access.columns.filter((column) => readable.has(column.name)),
    };
    if (change.kind !== 'DELETE') {
      const record = { ...(decodedOld?.record ?? {}), ...(decoded?.record ?? {}) };
      data.record = limitSize(pick(record, readable), errors);
    }
    if (change.kind === 'UPDATE') {
      // Without REPLICA IDENTITY FULL (and an unchanged key) the old row is its key, which the new row holds.
      const old = decodedOld?.record ?? pick(decoded?.record ?? {}, keys);
      data.old_record = limitSize(pick(old, readable), errors);
    }
    if (change.kind === 'DELETE') {
      // As hosted: on a table with RLS only the primary key of a deleted row is sent.
      const names = access.rls ? new Set([...readable].filter((name) => keys.has(name))) : readable;
      data.old_record = limitSize(pick(decodedOld?.record ?? {}, names), errors);
    }
    data.errors = errors.length > 0 ? errors : null;
    return JSON.stringify(data);
  }
}
