/**
 * Latency of the local REST API: a simple select through supabase-js against the same query over postgres.js
 * directly, on a throwaway cluster started the way the test harness starts one.
 *
 *   npm run bench:api            (ITERATIONS=2000 WARMUP=200 by default)
 */
import { createClient } from '@supabase/supabase-js';
import postgres from 'postgres';
import { bootstrapPlatform } from '../local-stack/bootstrap.ts';
import { REPO_ROOT, SUPABASE_LOCAL_JWT_SECRET } from '../local-stack/config.ts';
import { apiKeys } from '../local-stack/keys.ts';
import { freePort } from '../local-stack/processes.ts';
import { loadProjectConfig } from '../local-stack/project-config.ts';
import { startScratchCluster } from '../local-stack/scratch-cluster.ts';
import { startApis } from '../local-stack/stack.ts';
import { nodeRealtimeOptions } from '../lib/supabase/node-realtime.ts';
import { time, type Latency } from './latency.ts';

const ITERATIONS = Number(process.env.ITERATIONS ?? 2000);
const WARMUP = Number(process.env.WARMUP ?? 200);

async function measure(label: string, run: () => Promise<void>): Promise<Latency> {
  const result = await time(run, { iterations: ITERATIONS, warmup: WARMUP });
  console.log(`${label.padEnd(34)} p50 ${result.p50.toFixed(3)} ms   p95 ${result.p95.toFixed(3)} ms`);
  return result;
}

async function main() {
  const cluster = await startScratchCluster('bench-api-pg');
  const databaseUrl = cluster.url();
  let apis: { url: string; stop(): Promise<void> } | null = null;
  const direct = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await bootstrapPlatform(databaseUrl);
    const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`
      create table bench_items (id int primary key, name text not null, price numeric not null);
      insert into bench_items select i, 'item ' || i, i * 1.5 from generate_series(1, 1000) i;
      analyze bench_items;`);
    await admin.end();

    apis = await startApis({
      databaseUrl,
      host: cluster.host,
      port: await freePort(cluster.host),
      jwtSecret: SUPABASE_LOCAL_JWT_SECRET,
      project: loadProjectConfig(REPO_ROOT),
      mail: null,
    });
    const { anonKey } = await apiKeys(SUPABASE_LOCAL_JWT_SECRET);
    const supabase = createClient(apis.url, anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: nodeRealtimeOptions,
    });

    console.log(`${ITERATIONS} iterations after ${WARMUP} warm-up, one request at a time\n`);
    // What the API does for this request, minus HTTP, JWT and planning: same transaction shape and SQL.
    const viaPostgres = await measure('postgres.js (same tx + SQL)', async () => {
      await direct.begin('read only', async (tx) => {
        await tx.unsafe(`select set_config('role', 'anon', true), set_config('request.jwt.claims', '{"role":"anon"}', true)`);
        await tx.unsafe(
          `select coalesce(json_agg("_pgrst_r"), '[]')::text as body from (select "t0"."id", "t0"."name", "t0"."price" from "public"."bench_items" as "t0" where "t0"."id" = $1) as "_pgrst_r"`,
          ['42'],
        );
      });
    });
    const viaPlain = await measure('postgres.js (plain select)', async () => {
      await direct`select id, name, price from bench_items where id = ${42}`;
    });
    // The same request without supabase-js: what the HTTP round trip and the server cost on their own.
    const url = `${apis.url}/rest/v1/bench_items?select=id,name,price&id=eq.42`;
    const headers = { apikey: anonKey, authorization: `Bearer ${anonKey}` };
    const viaFetch = await measure('fetch → /rest/v1', async () => {
      const response = await fetch(url, { headers });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      await response.text();
    });
    const viaApi = await measure('supabase-js → /rest/v1', async () => {
      const { error } = await supabase.from('bench_items').select('id,name,price').eq('id', 42);
      if (error) throw new Error(error.message);
    });
    console.log(
      `\noverhead at p50 of supabase-js → API: ${(viaApi.p50 - viaPostgres.p50).toFixed(3)} ms over the same transaction, ` +
        `${(viaApi.p50 - viaPlain.p50).toFixed(3)} ms over a plain select` +
        `\noverhead at p50 of fetch → API: ${(viaFetch.p50 - viaPostgres.p50).toFixed(3)} ms over the same transaction, ` +
        `${(viaFetch.p50 - viaPlain.p50).toFixed(3)} ms over a plain select`,
    );
  } finally {
    await direct.end();
    await apis?.stop();
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
