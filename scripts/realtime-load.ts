/**
 * A Realtime load: N subscribers (each its own user, socket and channel on an owner-only RLS table) while a writer
 * inserts rows for them at a fixed rate. Checks that every subscriber got exactly its own rows, and measures
 * delivery latency and memory. Used by `npm run bench:realtime` (heavy) and by the test suite (light).
 */
import { randomUUID } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import postgres from 'postgres';
import { nodeRealtimeOptions } from '../lib/supabase/node-realtime.ts';
import { percentile } from './latency.ts';

export const LOAD_TABLE_SQL = `
  create table public.load_events (
    id bigint generated always as identity primary key,
    owner uuid not null,
    seq int not null,
    sent_at double precision not null,
    body text not null
  );
  alter table public.load_events enable row level security;
  create policy "owners read" on public.load_events for select to authenticated using ((select auth.uid()) = owner);
  alter publication supabase_realtime add table public.load_events;
`;

export interface LoadOptions {
  apiUrl: string;
  anonKey: string;
  jwtSecret: string;
  /** Superuser connection string of the database holding `load_events`. */
  databaseUrl: string;
  subscribers: number;
  changesPerSecond: number;
  durationMs: number;
  /** Subscribe with `owner=eq.<user>` (as an app subscribes to its user's rows); else RLS alone decides. */
  filterByOwner: boolean;
  /** Called about once a second while the load runs (memory sampling). */
  onTick?: (elapsedMs: number) => void;
}

export interface LoadResult {
  sent: number;
  delivered: number;
  missing: number;
  duplicates: number;
  foreign: number;
  /** Achieved write rate (changes per second). */
  writeRate: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
}


async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function runRealtimeLoad(options: LoadOptions): Promise<LoadResult> {
  const key = new TextEncoder().encode(options.jwtSecret);
  const owners = Array.from({ length: options.subscribers }, () => randomUUID());
  const received = owners.map(() => new Map<number, number>());
  let foreign = 0;
  let duplicates = 0;
  const latencies: number[] = [];
  const clients: SupabaseClient[] = [];
  const channels: RealtimeChannel[] = [];
  // Commits flushed at once, as on a durable stack: throwaway clusters turn synchronous_commit off, and the WAL
  // is only streamed once flushed (up to 3 × wal_writer_delay later).
  const sql = postgres(options.databaseUrl, { max: 2, onnotice: () => {}, connection: { synchronous_commit: 'on' } });
  try {
    // Subscribers join in waves so the joins (each a few catalog queries) do not time out on a small machine.
    for (let start = 0; start < owners.length; start += 20) {
      await Promise.all(
        owners.slice(start, start + 20).map(async (owner, offset) => {
          const index = start + offset;
          const token = await new SignJWT({ sub: owner, role: 'authenticated', aud: 'authenticated' })
            .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
            .setExpirationTime('1h')
            .sign(key);
          const client = createClient(options.apiUrl, options.anonKey, {
            auth: { persistSession: false, autoRefreshToken: false },
            realtime: nodeRealtimeOptions,
          });
          clients.push(client);
          await client.realtime.setAuth(token);
          let confirmed = false;
          const channel = client
            .channel(`load-${index}`)
            .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'load_events', ...(options.filterByOwner ? { filter: `owner=eq.${owner}` } : {}) }, (payload) => {
              const row = payload.new as { owner: string; seq: number; sent_at: number };
              if (row.owner !== owner) foreign++;
              if (received[index].has(row.seq)) duplicates++;
              received[index].set(row.seq, Date.now());
              latencies.push(Date.now() - row.sent_at);
            })
            .on('system', {}, (message: { extension: string; status: string }) => {
              if (message.extension === 'postgres_changes' && message.status === 'ok') confirmed = true;
            });
          channels.push(channel);
          channel.subscribe();
          await until(() => confirmed, `subscriber ${index}`, 60_000);
        }),
      );
    }

    // The writer: a batch every 10 ms, rows spread round-robin over the subscribers' owners.
    const expected = owners.map(() => new Set<number>());
    let sent = 0;
    const started = Date.now();
    let lastTick = started;
    while (Date.now() - started < options.durationMs) {
      const due = Math.floor(((Date.now() - started) / 1000) * options.changesPerSecond) - sent;
      if (due > 0) {
        const rows = Array.from({ length: due }, (_, i) => {
          const seq = sent + i;
          const ownerIndex = seq % owners.length;
          expected[ownerIndex].add(seq);
          return { owner: owners[ownerIndex], seq, sent_at: Date.now(), body: `event ${seq}` };
        });
        await sql`insert into public.load_events ${sql(rows, 'owner', 'seq', 'sent_at', 'body')}`;
        sent += due;
      }
      if (Date.now() - lastTick >= 1000) {
        lastTick = Date.now();
        options.onTick?.(lastTick - started);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const writeRate = sent / ((Date.now() - started) / 1000);
    const deliveredCount = () => received.reduce((total, map) => total + map.size, 0);
    await until(() => deliveredCount() >= sent, `all ${sent} changes (got ${deliveredCount()})`, 60_000).catch(() => undefined);
    let missing = 0;
    expected.forEach((seqs, i) => seqs.forEach((seq) => (received[i].has(seq) ? undefined : missing++)));
    latencies.sort((a, b) => a - b);
    return {
      sent,
      delivered: deliveredCount(),
      missing,
      duplicates,
      foreign,
      writeRate,
      latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN },
    };
  } finally {
    await Promise.all(clients.map((client) => client.removeAllChannels().catch(() => undefined)));
    await sql.end();
  }
}

/** Runs the load in a worker thread: clients and writer on their own event loop, as browsers would be. */
export function runRealtimeLoadInWorker(options: Omit<LoadOptions, 'onTick'>, onTick?: (elapsedMs: number) => void): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // A worker cannot start from a .ts file: a tiny ESM entry registers tsx, then loads this module.
    const entry = `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(import.meta.url)});`;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(entry)}`), { workerData: { realtimeLoad: options } });
    worker.on('message', (message: { tick?: number; result?: LoadResult; error?: string }) => {
      if (message.tick !== undefined) onTick?.(message.tick);
      if (message.result) resolve(message.result);
      if (message.error) reject(new Error(message.error));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => code !== 0 && reject(new Error(`load worker exited with ${code}`)));
  });
}

if (!isMainThread && (workerData as { realtimeLoad?: LoadOptions } | null)?.realtimeLoad) {
  const options = (workerData as { realtimeLoad: LoadOptions }).realtimeLoad;
  runRealtimeLoad({ ...options, onTick: (tick) => parentPort?.postMessage({ tick }) }).then(
    (result) => {
      parentPort?.postMessage({ result });
      process.exit(0);
    },
    (error: unknown) => {
      parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
}
