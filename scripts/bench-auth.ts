/**
 * Auth under a flood (issue 13, item 9), on a throwaway cluster:
 *  1. 60 concurrent password sign-ins (limits out of the way) while another client keeps asking the REST
 *     API for one row: its latency during the flood and the event loop's longest stall show that bcrypt
 *     runs off the event loop;
 *  2. the same flood with the project's [auth.rate_limit]: how many got 429 over_request_rate_limit.
 *
 *   npm run bench:auth            (LOGINS=60 by default)
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { bootstrapPlatform } from '../local-stack/bootstrap.ts';
import { REPO_ROOT, SUPABASE_LOCAL_JWT_SECRET } from '../local-stack/config.ts';
import { apiKeys } from '../local-stack/keys.ts';
import { freePort } from '../local-stack/processes.ts';
import { loadProjectConfig, type ProjectConfig } from '../local-stack/project-config.ts';
import { startScratchCluster } from '../local-stack/scratch-cluster.ts';
import { startApis } from '../local-stack/stack.ts';

const LOGINS = Number(process.env.LOGINS ?? 60);
const EMAIL = 'flood@example.com';
const PASSWORD = 'flood-password-1';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function main() {
  const cluster = await startScratchCluster('bench-auth-pg');
  const databaseUrl = cluster.url();
  const stops: (() => Promise<void>)[] = [];
  try {
    await bootstrapPlatform(databaseUrl);
    const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`
      create table bench_items (id int primary key, name text not null);
      insert into bench_items select i, 'item ' || i from generate_series(1, 100) i;
      grant select on bench_items to anon;`);
    await admin.end();
    const { anonKey, serviceRoleKey } = await apiKeys(SUPABASE_LOCAL_JWT_SECRET);
    const project = loadProjectConfig(REPO_ROOT);

    const start = async (config: ProjectConfig) => {
      const apis = await startApis({ databaseUrl, host: cluster.host, port: await freePort(cluster.host), jwtSecret: SUPABASE_LOCAL_JWT_SECRET, project: config, mail: null });
      stops.push(apis.stop);
      return apis.url;
    };
    const unlimited = await start({ ...project, auth: { ...project.auth, rate_limit: { ...project.auth.rate_limit, token_refresh: 1e6, sign_in_sign_ups: 1e6 } } });
    const created = await fetch(`${unlimited}/auth/v1/admin/users`, {
      method: 'POST',
      headers: { apikey: serviceRoleKey, authorization: `Bearer ${serviceRoleKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD, email_confirm: true }),
    });
    if (!created.ok) throw new Error(`creating the user failed: ${created.status}`);

    const signIn = (url: string) =>
      fetch(`${url}/auth/v1/token?grant_type=password`, {
        method: 'POST',
        headers: { apikey: anonKey, 'content-type': 'application/json' },
        body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
      }).then(async (response) => (await response.text(), response.status));

    const probe = async (url: string, stop: () => boolean) => {
      const samples: number[] = [];
      while (!stop()) {
        const begin = performance.now();
        const response = await fetch(`${url}/rest/v1/bench_items?select=id,name&id=eq.7`, { headers: { apikey: anonKey } });
        await response.text();
        samples.push(performance.now() - begin);
      }
      return samples.sort((a, b) => a - b);
    };

    // Baseline: the REST probe alone.
    let done = false;
    const baselineProbe = probe(unlimited, () => done);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    done = true;
    const baseline = await baselineProbe;

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    done = false;
    const floodProbe = probe(unlimited, () => done);
    const began = performance.now();
    const statuses = await Promise.all(Array.from({ length: LOGINS }, () => signIn(unlimited)));
    const floodMs = performance.now() - began;
    done = true;
    const during = await floodProbe;
    loop.disable();

    console.log(`${LOGINS} concurrent password sign-ins (bcrypt cost 10, native, off the event loop)`);
    console.log(`  all answered in ${ms(floodMs)}; statuses: ${summarise(statuses)}`);
    console.log(`  REST probe alone:        p50 ${ms(percentile(baseline, 50))}  p95 ${ms(percentile(baseline, 95))}  (${baseline.length} requests)`);
    console.log(`  REST probe during flood: p50 ${ms(percentile(during, 50))}  p95 ${ms(percentile(during, 95))}  max ${ms(during.at(-1) ?? NaN)}  (${during.length} requests)`);
    console.log(`  event loop delay during flood: p99 ${ms(loop.percentile(99) / 1e6)}  max ${ms(loop.max / 1e6)}`);

    const limited = await start(project);
    const limitedStatuses = await Promise.all(Array.from({ length: LOGINS }, () => signIn(limited)));
    console.log(`\nthe same flood under config.toml's [auth.rate_limit] (token_refresh = ${project.auth.rate_limit.token_refresh} per 5 min, burst 30):`);
    console.log(`  statuses: ${summarise(limitedStatuses)}`);
  } finally {
    for (const stop of stops) await stop();
    await cluster.stop();
  }
}

function summarise(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count}× ${status}`).join(', ');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
