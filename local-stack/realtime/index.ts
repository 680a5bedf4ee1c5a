/**
 * The local Realtime server at /realtime/v1 (WebSocket), speaking what @supabase/realtime-js speaks:
 * transport.ts (handshake, serializers, heartbeats, bounded sockets) → channel.ts (join, leave, tokens,
 * broadcast, presence) → subscriptions.ts (postgres_changes bindings) ← postgres-changes.ts (the pipeline fed by
 * wal-reader.ts; values and filters by records.ts; RLS by authorisation.ts).
 */
import postgres from 'postgres';
import type { Api, UpgradeApi } from '../http/types.ts';
import { createBroadcastApi } from './broadcast-api.ts';
import type { RealtimeContext } from './channel.ts';
import { ChangePipeline } from './postgres-changes.ts';
import { SubscriptionRegistry } from './subscriptions.ts';
import { Topics } from './topics.ts';
import { Transport, DEFAULT_LIMITS, type TransportLimits } from './transport.ts';
import { dropStaleSlots, WalReader } from './wal-reader.ts';

export interface RealtimeApiOptions {
  /** Superuser connection string: logical replication, catalog reads, private-channel checks. */
  databaseUrl: string;
  /** Connection string for `authenticator`: the RLS checks switch from it to each subscriber's role. */
  authenticatorUrl: string;
  jwtSecret: string;
  log?: (line: string) => void;
  limits?: Partial<TransportLimits>;
}

export interface RealtimeApi extends UpgradeApi {
  /** Broadcast over HTTP, mounted by the gateway at the same prefix. */
  readonly http: Api;
  /** Open WebSocket connections (for tests and benchmarks). */
  readonly socketCount: number;
  /** The replication slot while changes are being read, else null. */
  readonly slotName: string | null;
}

export async function createRealtimeApi(options: RealtimeApiOptions): Promise<RealtimeApi> {
  const log = options.log ?? (() => {});
  const pool = (url: string, name: string, max: number, statementTimeoutMs: number) =>
    postgres(url, { max, prepare: false, onnotice: () => {}, idle_timeout: 60, connection: { application_name: name, statement_timeout: statementTimeoutMs } });
  // Filters run here (a subscriber's `match` pattern included): none may hold the pipeline for long.
  const admin = pool(options.databaseUrl, 'local-stack-realtime', 4, 30_000);
  // RLS checks of one batch run in one statement; a policy that hangs must not stall the pipeline forever.
  const checks = pool(options.authenticatorUrl, 'local-stack-realtime-rls', 2, 60_000);
  // A stack killed with SIGKILL left its slot behind: it would retain WAL until someone subscribes again.
  await dropStaleSlots(admin, log).catch((error: Error) => log(`[realtime] could not check for stale replication slots: ${error.message}`));
  const registry = new SubscriptionRegistry();
  const pipeline = new ChangePipeline(registry, admin, checks, log);
  // The WAL is read only once someone subscribes to postgres_changes: a stack nobody listens to holds no slot.
  let reader: WalReader | null = null;
  const context: RealtimeContext = {
    jwtSecret: options.jwtSecret,
    admin,
    registry,
    topics: new Topics(),
    log,
    startChanges: () => {
      reader ??= new WalReader({
        databaseUrl: options.databaseUrl,
        onChanges: (changes) => pipeline.dispatch(changes),
        onRelation: (relation) => pipeline.relationChanged(relation),
        log,
      });
      const current = reader;
      return current.start().catch(async (error: unknown) => {
        if (reader === current) reader = null;
        await current.stop().catch(() => undefined);
        throw error;
      });
    },
  };
  const transport = new Transport(context, { ...DEFAULT_LIMITS, ...options.limits });
  let closing: Promise<void> | null = null;
  return {
    http: createBroadcastApi(context),
    upgrade: (request, socket, head) => transport.upgrade(request, socket, head),
    get socketCount() {
      return transport.socketCount;
    },
    get slotName() {
      return reader?.slotName ?? null;
    },
    close: () =>
      (closing ??= (async () => {
        await transport.close();
        await reader?.stop();
        await Promise.all([admin.end({ timeout: 1 }), checks.end({ timeout: 1 })]);
      })()),
  };
}
