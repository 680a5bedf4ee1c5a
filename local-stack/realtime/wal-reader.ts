/**
 * Reads row changes of the `supabase_realtime` publication from the WAL through logical replication (pgoutput),
 * once for the whole server, and hands them on in commit order.
 *
 * The slot is a regular (not temporary) slot named for this process, so a dropped connection or a restarted
 * database resumes where it left off: we confirm a commit only after everything before it was dispatched.
 * `stop()` drops the slot. A slot left behind by a killed stack is dropped by the next reader that starts in the
 * same database (its name carries the dead process's pid), and `max_slot_wal_keep_size` caps what it can retain
 * until then.
 */
import { randomBytes } from 'node:crypto';
import { LogicalReplicationService, PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';
import postgres from 'postgres';
import { isAlive } from '../processes.ts';

export const PUBLICATION = 'supabase_realtime';
const SLOT_PREFIX = 'local_stack_realtime_';

export type ChangeKind = 'INSERT' | 'UPDATE' | 'DELETE';

export interface RelationColumn {
  name: string;
  typeOid: number;
  /** Part of the replica identity (the primary key by default). */
  key: boolean;
}

export interface Relation {
  oid: number;
  schema: string;
  table: string;
  replicaIdentity: 'default' | 'nothing' | 'full' | 'index';
  columns: RelationColumn[];
}

/** A tuple as pgoutput sends it: text values, null, or undefined for an unchanged TOASTed value. */
export type TextTuple = Record<string, string | null | undefined>;

export interface WalChange {
  relation: Relation;
  kind: ChangeKind;
  /** The new row (INSERT, UPDATE). */
  record: TextTuple | null;
  /** The old row: the whole row under REPLICA IDENTITY FULL, else only its key columns (or null when unchanged). */
  oldRecord: TextTuple | null;
  /** `YYYY-MM-DDTHH:MM:SS.mmmZ`, as hosted Realtime formats it. */
  commitTimestamp: string;
  /** Where the transaction committed in the WAL (subscriptions get the changes committed after they began). */
  commitLsn: bigint;
}

export interface WalReaderOptions {
  /** Superuser connection string of the database (replication needs the REPLICATION attribute). */
  databaseUrl: string;
  /**
   * Receives changes in commit order. Its promise resolving means the changes were dispatched: only then are they
   * confirmed to PostgreSQL. While it is pending no further change is read (back-pressure on the WAL stream).
   */
  onChanges(changes: WalChange[]): Promise<void>;
  /** A relation's definition arrived (after DDL or on a new stream): cached facts about it are stale. */
  onRelation?(relation: Relation): void;
  log?: (line: string) => void;
}

/** Slots of processes (or readers of this process) that no longer run. */
const liveSlots = new Set<string>();

/** An LSN (`16/B374D848`) as a number. */
export function lsnValue(lsn: string): bigint {
  const [high, low] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

export function compareLsn(a: string, b: string): number {
  const difference = lsnValue(a) - lsnValue(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

function previousLsn(lsn: string): string {
  const value = lsnValue(lsn) - 1n;
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * Drops the slots, in the connection's database, of readers whose process is gone (a stack killed with SIGKILL),
 * so they stop retaining WAL. Runs when the Realtime server starts and before each reader creates its slot.
 */
export async function dropStaleSlots(admin: postgres.Sql, log: (line: string) => void): Promise<void> {
  const slots = await admin<{ slot_name: string }[]>`
    select slot_name from pg_replication_slots
    where database = current_database() and slot_name like ${`${SLOT_PREFIX}%`} and not active`;
  for (const { slot_name: name } of slots) {
    const pid = Number(/^local_stack_realtime_(\d+)_/.exec(name)?.[1]);
    const orphaned = pid === process.pid ? !liveSlots.has(name) : !(pid > 0 && isAlive(pid));
    if (!orphaned) continue;
    await admin`select pg_drop_replication_slot(${name})`.catch(() => undefined);
    log(`[realtime] dropped replication slot ${name} left by a stopped stack`);
  }
}

/** pgoutput's parser, but keeping values as the text PostgreSQL sent (pg's type parsers would turn them into JS values). */
class TextPgoutputPlugin extends PgoutputPlugin {
  received = 0;

  override parse(buffer: Buffer): Pgoutput.Message {
    const message = super.parse(buffer);
    this.received++;
    // The parser caches this relation object and reads later tuples through these parsers.
    if (message.tag === 'relation') for (const column of message.columns) column.parser = (raw: unknown) => raw;
    return message;
  }
}

function toRelation(message: Pgoutput.MessageRelation): Relation {
  return {
    oid: message.relationOid,
    schema: message.schema,
    table: message.name,
    replicaIdentity: message.replicaIdentity,
    columns: message.columns.map((column) => ({ name: column.name, typeOid: column.typeOid, key: (column.flags & 1) === 1 })),
  };
}

function microsToIso(micros: bigint | number | unknown): string {
  const value = typeof micros === 'bigint' ? micros : BigInt(String(micros));
  return new Date(Number(value / 1000n)).toISOString();
}

/** Changes waiting for dispatch, with the commits between them (whose end LSN may be confirmed once dispatched). */
type Queued = WalChange | { commitEndLsn: string };

/** Most changes one dispatch takes; everything that arrived meanwhile goes in the next one. */
const MAX_BATCH = 1_000;
/** Above this many waiting changes the WAL stream is paused until the pipeline catches up. */
const HIGH_WATER = 10_000;

export class WalReader {
  readonly slotName = `${SLOT_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
  private readonly admin: postgres.Sql;
  private service: LogicalReplicationService | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private ready: Promise<void> | null = null;
  private readonly relations = new Map<number, Relation>();
  private commitTimestamp = '';
  private commitLsn = 0n;
  private skipTransaction = false;
  /** Commit LSN of the last transaction read (a transaction resent after a reconnect is skipped). */
  private lastCommitLsn = '0/0';
  private readonly queue: Queued[] = [];
  private queuedChanges = 0;
  private dispatching: Promise<void> | null = null;
  /** A batch is being dispatched (its changes are neither queued nor confirmable yet). */
  private inFlight = false;
  private drained: (() => void)[] = [];
  /** Called with the end LSN of the last commit whose changes are all dispatched. */
  private confirm: (lsn: string) => Promise<void> = async () => {};
  private readonly log: (line: string) => void;

  constructor(private readonly options: WalReaderOptions) {
    this.log = options.log ?? (() => {});
    this.admin = postgres(options.databaseUrl, { max: 1, onnotice: () => {}, idle_timeout: 30, connection: { application_name: 'local-stack-realtime-admin' } });
  }

  /** Creates the slot and starts streaming; resolves once changes committed from now on will be read. */
  start(): Promise<void> {
    if (!this.ready) {
      this.ready = (async () => {
        await dropStaleSlots(this.admin, this.log);
        await this.createSlot();
        liveSlots.add(this.slotName);
        await new Promise<void>((resolve, reject) => {
          this.running = this.streamForever(resolve, reject);
        });
      })();
      this.ready.catch(() => {
        this.ready = null;
      });
    }
    return this.ready;
  }

  private async createSlot(): Promise<void> {
    await this.admin`select pg_create_logical_replication_slot(${this.slotName}, 'pgoutput')
      where not exists (select 1 from pg_replication_slots where slot_name = ${this.slotName})`;
  }

  /** One replication connection after another until stopped: a lost connection or restarted database resumes. */
  private async streamForever(started: () => void, failed: (error: Error) => void): Promise<void> {
    let delay = 100;
    let everStarted = false;
    while (!this.stopped) {
      const plugin = new TextPgoutputPlugin({ protoVersion: 1, publicationNames: [PUBLICATION] });
      const service = new LogicalReplicationService(
        { connectionString: this.options.databaseUrl, application_name: 'local-stack-realtime-wal' },
        { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
      );
      this.service = service;
      let handled = 0;
      let keepalive: { lsn: string; received: number } | null = null;
      const acknowledge = async (lsn: string) => {
        // The library reports `lsn + 1` (right for the start of a WAL record); a walsender that is shutting down
        // waits for the exact position it sent, so hand it the one before.
        if (!this.stopped && lsn !== '0/0') await service.acknowledge(previousLsn(lsn)).catch(() => undefined);
      };
      // Everything received before the keepalive is dispatched: confirm its position, so WAL written by
      // unrelated activity is not retained for us.
      const confirmKeepalive = async () => {
        if (keepalive && handled >= keepalive.received && this.idle()) {
          const { lsn } = keepalive;
          keepalive = null;
          await acknowledge(lsn);
        }
      };
      this.confirm = async (lsn) => {
        await acknowledge(lsn);
        await confirmKeepalive();
      };
      service.on('start', () => {
        delay = 100;
        everStarted = true;
        started();
      });
      service.on('data', async (_lsn: string, message: Pgoutput.Message) => {
        await this.handle(message);
        handled++;
      });
      service.on('heartbeat', async (lsn: string, _timestamp: number, shouldRespond: boolean) => {
        keepalive = { lsn, received: plugin.received };
        await confirmKeepalive();
        if (keepalive && shouldRespond) await acknowledge(this.confirmedLsn);
      });
      service.on('error', () => {});
      try {
        await service.subscribe(plugin, this.slotName, '0/0');
      } catch (error) {
        if (!everStarted) {
          await service.stop().catch(() => undefined);
          this.service = null;
          failed(error as Error);
          return;
        }
        if (!this.stopped) this.log(`[realtime] WAL stream interrupted: ${(error as Error).message}; reconnecting`);
      }
      await service.stop().catch(() => undefined);
      this.relations.clear();
      if (this.stopped) break;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5_000);
      // The database may have come back without our slot (a fresh cluster): make it again.
      if (!this.stopped) await this.createSlot().catch(() => undefined);
    }
  }

  /** The end LSN of the last commit whose changes were all dispatched. */
  private confirmedLsn = '0/0';

  private idle(): boolean {
    return this.queue.length === 0 && !this.inFlight;
  }

  private async handle(message: Pgoutput.Message): Promise<void> {
    switch (message.tag) {
      case 'relation': {
        const relation = toRelation(message);
        this.relations.set(relation.oid, relation);
        this.options.onRelation?.(relation);
        return;
      }
      case 'begin':
        this.commitTimestamp = microsToIso(message.commitTime);
        this.commitLsn = message.commitLsn ? lsnValue(message.commitLsn) : 0n;
        this.skipTransaction = message.commitLsn !== null && compareLsn(message.commitLsn, this.lastCommitLsn) <= 0;
        return;
      case 'insert':
      case 'update':
      case 'delete': {
        if (this.skipTransaction) return;
        const relation = this.relations.get(message.relation.relationOid) ?? toRelation(message.relation);
        this.enqueue({
          relation,
          kind: message.tag === 'insert' ? 'INSERT' : message.tag === 'update' ? 'UPDATE' : 'DELETE',
          record: message.tag === 'delete' ? null : (message.new as TextTuple),
          oldRecord: message.tag === 'insert' ? null : ((message.old ?? message.key) as TextTuple | null),
          commitTimestamp: this.commitTimestamp,
          commitLsn: this.commitLsn,
        });
        // Back-pressure: the stream waits (and PostgreSQL keeps the WAL) while the pipeline is behind.
        if (this.queuedChanges >= HIGH_WATER) await new Promise<void>((resolve) => this.drained.push(resolve));
        return;
      }
      case 'commit':
        if (!this.skipTransaction && message.commitLsn) this.lastCommitLsn = message.commitLsn;
        this.skipTransaction = false;
        if (message.commitEndLsn) this.enqueue({ commitEndLsn: message.commitEndLsn });
        return;
      default:
        return;
    }
  }

  private enqueue(item: Queued): void {
    this.queue.push(item);
    if (!('commitEndLsn' in item)) this.queuedChanges++;
    this.dispatching ??= this.dispatchLoop().finally(() => {
      this.dispatching = null;
    });
  }

  /** Dispatches whatever is queued, in batches: all that arrived while the previous batch was being dispatched. */
  private async dispatchLoop(): Promise<void> {
    await Promise.resolve();
    while (this.queue.length > 0) {
      const batch: WalChange[] = [];
      let lastCommit: string | null = null;
      while (this.queue.length > 0 && batch.length < MAX_BATCH) {
        const item = this.queue.shift()!;
        if ('commitEndLsn' in item) lastCommit = item.commitEndLsn;
        else batch.push(item);
      }
      this.queuedChanges -= batch.length;
      if (batch.length > 0) {
        this.inFlight = true;
        try {
          await this.options.onChanges(batch);
        } catch (error) {
          this.log(`[realtime] dispatching changes failed: ${(error as Error).message}`);
        } finally {
          this.inFlight = false;
        }
      }
      if (this.queuedChanges < HIGH_WATER / 2) for (const resolve of this.drained.splice(0)) resolve();
      if (lastCommit) {
        this.confirmedLsn = lastCommit;
        await this.confirm(lastCommit);
      }
    }
  }

  /** Stops streaming and drops the slot. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const resolve of this.drained.splice(0)) resolve();
    await this.service?.stop().catch(() => undefined);
    await this.running?.catch(() => undefined);
    await this.dispatching;
    // The walsender may take a moment to release the slot after the connection closes.
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await this.admin`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${this.slotName}`;
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    liveSlots.delete(this.slotName);
    await this.admin.end({ timeout: 1 });
  }
}
