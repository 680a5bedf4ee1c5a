/**
 * Realtime under load, on a throwaway cluster: SUBSCRIBERS users each subscribed to their own rows of an RLS
 * table while RATE inserts a second arrive for DURATION seconds; prints delivery (nothing lost, nothing foreign),
 * latency from commit to subscriber, and the process's memory over the run (server and clients share it).
 *
 *   npm run bench:realtime       (SUBSCRIBERS=100 RATE=1000 DURATION=20 by default; FILTER=owner|none for one mode)
 */
import os from 'node:os';
import postgres from 'postgres';
import { bootstrapPlatform } from '../local-stack/bootstrap.ts';
import { SUPABASE_LOCAL_JWT_SECRET } from '../local-stack/config.ts';
import { apiKeys } from '../local-stack/keys.ts';
import { freePort } from '../local-stack/processes.ts';
import { startScratchCluster } from '../local-stack/scratch-cluster.ts';
import { startApis } from '../local-stack/stack.ts';
import { LOAD_TABLE_SQL, runRealtimeLoadInWorker } from './realtime-load.ts';

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 100);
const RATE = Number(process.env.RATE ?? 1000);
const DURATION = Number(process.env.DURATION ?? 20);

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const collect = () => (globalThis as { gc?: () => void }).gc?.();

async function main() {
  const cluster = await startScratchCluster('bench-realtime-pg');
  let apis: { url: string; stop(): Promise<void> } | null = null;
  try {
    const databaseUrl = cluster.url();
    await bootstrapPlatform(databaseUrl);
    const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(LOAD_TABLE_SQL);
    await admin.end();
    apis = await startApis({ databaseUrl, host: cluster.host, port: await freePort(cluster.host), jwtSecret: SUPABASE_LOCAL_JWT_SECRET });
    const { anonKey } = await apiKeys(SUPABASE_LOCAL_JWT_SECRET);

    const modes = process.env.FILTER === 'owner' ? [true] : process.env.FILTER === 'none' ? [false] : [true, false];
    for (const filterByOwner of modes) {
      console.log(
        `${SUBSCRIBERS} subscribers (one user, socket and channel each, ${filterByOwner ? 'filter owner=eq.<user>' : 'no filter: RLS alone decides'}), ` +
          `${RATE} inserts/s for ${DURATION} s`,
      );
      const samples: { at: number; heap: number; rss: number }[] = [];
      // Clients and writer run in a worker thread (their own event loop, like browsers elsewhere); the memory
      // figures are this thread's: the server's.
      const result = await runRealtimeLoadInWorker(
        {
          apiUrl: apis.url,
          anonKey,
          jwtSecret: SUPABASE_LOCAL_JWT_SECRET,
          databaseUrl,
          subscribers: SUBSCRIBERS,
          changesPerSecond: RATE,
          durationMs: DURATION * 1000,
          filterByOwner,
        },
        (elapsed) => {
          collect();
          const { heapUsed, rss } = process.memoryUsage();
          samples.push({ at: elapsed, heap: heapUsed, rss });
        },
      );
      console.log(`  sent       ${result.sent} changes at ${result.writeRate.toFixed(0)}/s`);
      console.log(`  delivered  ${result.delivered}   missing ${result.missing}   duplicates ${result.duplicates}   other users' rows ${result.foreign}`);
      const { p50, p95, p99, max } = result.latencyMs;
      console.log(`  latency    commit → subscriber  p50 ${p50} ms   p95 ${p95} ms   p99 ${p99} ms   max ${max} ms`);
      if (samples.length >= 4) {
        const quarter = samples[Math.floor(samples.length / 4)];
        const last = samples.at(-1)!;
        const peak = Math.max(...samples.map((sample) => sample.heap));
        console.log(
          `  memory     server heap after GC at ${(quarter.at / 1000).toFixed(0)} s ${mib(quarter.heap)}, at ${(last.at / 1000).toFixed(0)} s ${mib(last.heap)} ` +
            `(peak ${mib(peak)}); process rss (with the client thread) ${mib(quarter.rss)} → ${mib(last.rss)}`,
        );
      }
      console.log(`  load       ${os.loadavg()[0].toFixed(1)} (1-min load average on ${os.cpus().length} cores)\n`);
      if (result.missing > 0 || result.foreign > 0 || result.duplicates > 0) process.exitCode = 1;
    }
  } finally {
    await apis?.stop();
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
