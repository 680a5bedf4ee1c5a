/**
 * The change pipeline: WAL changes → subscriptions of their table and event → values and filters evaluated by
 * PostgreSQL → RLS visibility per subscriber group → one `postgres_changes` message per channel, shaped as hosted
 * Realtime sends it: `{ids, data: {schema, table, commit_timestamp, type, columns, record, old_record, errors}}`.
 */
import type postgres from 'postgres';
import { AccessCache, VisibilityChecker, type RoleTableAccess, type SubscriberGroup, type VisibilityQuestion } from './authorisation.ts';
import { decodeTuples, type DecodedTuple, type TypedCondition } from './records.ts';
import type { ChangeSubscriber, PostgresSubscription, SubscriptionRegistry } from './subscriptions.ts';
import type { Relation, TextTuple, WalChange } from './wal-reader.ts';

/** Records above this many bytes are cut to their small values, with hosted's error (realtime.apply_rls). */
const MAX_RECORD_BYTES = 1024 * 1024;
const SMALL_VALUE_BYTES = 64;

interface Candidate {
  subscription: PostgresSubscription;
  change: number;
}

interface PreparedChange {
  change: WalChange;
  decoded: DecodedTuple | null;
  decodedOld: DecodedTuple | null;
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
    private readonly log: (line: string) => void,
  ) {
    this.access = new AccessCache(admin);
    this.checker = new VisibilityChecker(checkSql, log);
  }

  relationChanged(relation: Relation): void {
    this.access.invalidate(relation.oid);
  }

  async dispatch(changes: WalChange[]): Promise<void> {
    // 1. Which subscriptions want which change (table and event).
    const candidates: Candidate[] = [];
    changes.forEach((change, index) => {
      for (const subscription of this.registry.forTable(change.relation.oid, change.kind)) candidates.push({ subscription, change: index });
    });
    if (candidates.length === 0) return;

    // 2. Values as JSON and filter results, one query per table.
    const prepared = await this.prepare(changes, candidates);

    // 3. Filters.
    const matched = candidates.filter(({ subscription, change }) => {
      const { change: walChange, decoded, decodedOld } = prepared[change];
      const conditions = subscription.tables.get(walChange.relation.oid) ?? [];
      if (conditions.length === 0) return true;
      const tuple = walChange.kind === 'DELETE' ? decodedOld : decoded;
      if (!tuple) return false;
      return conditions.every((condition) => tuple.matches[this.predicateIndex(walChange.relation.oid, condition)]);
    });
    if (matched.length === 0) return;

    // 4. What each role may read of each table, and RLS per (role, claims) group.
    const accessByKey = new Map<string, RoleTableAccess>();
    for (const { subscription, change } of matched) {
      const key = `${prepared[change].change.relation.oid}|${subscription.subscriber.role}`;
      if (!accessByKey.has(key)) accessByKey.set(key, await this.access.get(prepared[change].change.relation.oid, subscription.subscriber.role));
    }
    const accessOf = (subscriber: ChangeSubscriber, change: WalChange) => accessByKey.get(`${change.relation.oid}|${subscriber.role}`)!;

    const groups = new Map<string, SubscriberGroup & { questionOf: Map<number, number> }>();
    const notices = new Map<Candidate, string>();
    for (const candidate of matched) {
      const { subscriber } = candidate.subscription;
      const { change } = prepared[candidate.change];
      const access = accessOf(subscriber, change);
      if (change.kind !== 'DELETE') {
        const selectable = new Set(access.columns.map((column) => column.name));
        if (access.primaryKey.length === 0) {
          notices.set(candidate, 'Error 400: Bad Request, no primary key');
          continue;
        }
        if (!access.schemaUsage || access.primaryKey.some((name) => !selectable.has(name))) {
          notices.set(candidate, 'Error 401: Unauthorized');
          continue;
        }
      }
      const groupKey = `${subscriber.role}\u0000${subscriber.claimsJson}`;
      let group = groups.get(groupKey);
      if (!group) {
        group = { key: groupKey, role: subscriber.role, claimsJson: subscriber.claimsJson, questions: [], questionOf: new Map() };
        groups.set(groupKey, group);
      }
      if (!group.questionOf.has(candidate.change)) {
        // An UPDATE's new tuple lacks unchanged TOASTed values; the old row (REPLICA IDENTITY FULL) has them.
        const tuple: TextTuple | null = change.kind === 'DELETE' ? change.oldRecord : { ...(change.oldRecord ?? {}), ...stripUndefined(change.record) };
        if (!tuple) continue;
        const question: VisibilityQuestion = { relation: change.relation, kind: change.kind, tuple, access };
        group.questionOf.set(candidate.change, group.questions.length);
        group.questions.push(question);
      }
    }
    const visible = await this.checker.check([...groups.values()]);

    // 5. One message per channel and payload: payloads differ by role (readable columns) and `select`.
    const dataCache = new Map<string, string>();
    const outbox = new Map<ChangeSubscriber, Map<string, { ids: number[]; dataJson: string }>>();
    const send = (candidate: Candidate, dataKey: string, dataJson: () => string) => {
      const subscriber = candidate.subscription.subscriber;
      let messages = outbox.get(subscriber);
      if (!messages) outbox.set(subscriber, (messages = new Map()));
      const key = `${candidate.change}|${dataKey}`;
      let message = messages.get(key);
      if (!message) {
        let json = dataCache.get(key);
        if (json === undefined) dataCache.set(key, (json = dataJson()));
        messages.set(key, (message = { ids: [], dataJson: json }));
      }
      if (!message.ids.includes(candidate.subscription.id)) message.ids.push(candidate.subscription.id);
    };
    for (const candidate of matched) {
      const { subscriber } = candidate.subscription;
      const { change } = prepared[candidate.change];
      const notice = notices.get(candidate);
      if (notice) {
        send(candidate, `notice:${notice}`, () => JSON.stringify({ schema: change.relation.schema, table: change.relation.table, type: change.kind, errors: [notice] }));
        continue;
      }
      const group = groups.get(`${subscriber.role}\u0000${subscriber.claimsJson}`);
      const question = group?.questionOf.get(candidate.change);
      if (question === undefined || !visible.get(group!.key)?.has(question)) continue;
      const select = candidate.subscription.select;
      send(candidate, `${subscriber.role}|${select?.join(',') ?? '*'}`, () =>
        this.payload(prepared[candidate.change], accessOf(subscriber, change), select),
      );
    }
    for (const [subscriber, messages] of outbox) {
      for (const { ids, dataJson } of messages.values()) subscriber.deliverChange(ids, dataJson);
    }
  }

  /** Position of a condition in its table's predicate list (built in `prepare`). */
  private predicateIndexes = new Map<number, Map<string, number>>();

  private predicateIndex(oid: number, condition: TypedCondition): number {
    return this.predicateIndexes.get(oid)!.get(JSON.stringify(condition))!;
  }

  private async prepare(changes: WalChange[], candidates: Candidate[]): Promise<PreparedChange[]> {
    const prepared: PreparedChange[] = changes.map((change) => ({ change, decoded: null, decodedOld: null }));
    const byTable = new Map<number, { relation: Relation; changes: Set<number>; predicates: Map<string, TypedCondition> }>();
    for (const { subscription, change } of candidates) {
      const relation = changes[change].relation;
      let entry = byTable.get(relation.oid);
      if (!entry) byTable.set(relation.oid, (entry = { relation, changes: new Set(), predicates: new Map() }));
      entry.changes.add(change);
      for (const condition of subscription.tables.get(relation.oid) ?? []) entry.predicates.set(JSON.stringify(condition), condition);
    }
    this.predicateIndexes = new Map();
    for (const [oid, entry] of byTable) {
      const predicates = [...entry.predicates.entries()];
      this.predicateIndexes.set(oid, new Map(predicates.map(([key], i) => [key, i])));
      const tuples: TextTuple[] = [];
      const slots: { change: number; old: boolean }[] = [];
      for (const index of entry.changes) {
        const change = changes[index];
        if (change.record) {
          tuples.push(change.record);
          slots.push({ change: index, old: false });
        }
        if (change.oldRecord) {
          tuples.push(change.oldRecord);
          slots.push({ change: index, old: true });
        }
      }
      const decoded = await decodeTuples(this.admin, entry.relation, tuples, predicates.map(([, condition]) => condition));
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
