/**
 * The floods of issue 13 against a throwaway stack in a child process, each measuring the stack's peak RSS
 * and what a well-behaved user sees meanwhile (p50/p95 of a small authenticated REST read):
 *
 *  1. concurrent large bodies without an API key (refused before their bodies are read) and with one (read
 *     within the gateway's in-memory body budget);
 *  2. a login flood: concurrent password sign-ins (bcrypt runs off the event loop), then the same flood
 *     under `supabase/config.toml`'s `[auth.rate_limit]` (how many get 429);
 *  3. deep embeddings: one signed-up user sends concurrent, deeply nested, slow embedding reads (the pool
 *     keeps a fair share for everyone else; statement timeouts end them).
 *
 *   npm run bench:abuse     (CONCURRENCY=2000 BODY_MB=1 LOGINS=60 EMBEDS=12 by default)
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import postgres from 'postgres';
import { megabytes, sampleRss, startBenchStack, type BenchStack } from './bench-stack.ts';
import { summarize } from './latency.ts';

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 2000);
const BODY_BYTES = Number(process.env.BODY_MB ?? 1) * 1024 * 1024;
const LOGINS = Number(process.env.LOGINS ?? 60);
const EMBEDS = Number(process.env.EMBEDS ?? 12);

/**
 * The body flood runs in a worker thread with its own event loop, so the probe measures the stack, not the
 * flooding client's own backlog.
 */
const FLOOD_WORKER = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { url, headers, concurrency, size } = workerData;
const body = Buffer.alloc(size, 0x20);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
function post() {
  return new Promise((resolve) => {
    const request = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': String(size) } });
    request.on('response', (response) => { response.resume(); response.on('end', () => resolve(response.statusCode)); });
    request.on('error', () => resolve(-1)); // a refused request's connection closed before its body was sent
    request.end(body);
  });
}
Promise.all(Array.from({ length: concurrency }, post)).then((statuses) => { agent.destroy(); parentPort.postMessage(statuses); });
`;

function bodyFlood(url: string, headers: Record<string, string>): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(FLOOD_WORKER, { eval: true, workerData: { url, headers, concurrency: CONCURRENCY, size: BODY_BYTES } });
    worker.once('message', (statuses: number[]) => {
      void worker.terminate();
      resolve(statuses);
    });
    worker.once('error', reject);
  });
}

interface User {
  id: string;
  email: string;
  password: string;
  token: string;
}

async function signUp(stack: BenchStack): Promise<User> {
  const email = `abuse-${randomUUID()}@example.com`;
  const password = `pw-${randomUUID()}`;
  const response = await fetch(`${stack.url}/auth/v1/signup`, {
    method: 'POST',
    headers: { apikey: stack.anonKey, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const session = (await response.json()) as { access_token?: string; user?: { id: string } };
  if (!session.access_token || !session.user) throw new Error(`sign-up failed (${response.status}): ${JSON.stringify(session)}`);
  return { id: session.user.id, email, password, token: session.access_token };
}

const asUser = (stack: BenchStack, user: User) => ({ apikey: stack.anonKey, authorization: `Bearer ${user.token}` });

/** Sequential small reads by `probe` (one of its own rows, through RLS) until `flood` settles. */
async function latencyDuring(stack: BenchStack, probe: User, flood: Promise<unknown>) {
  let done = false;
  void flood.finally(() => (done = true));
  const samples: number[] = [];
  let failures = 0;
  while (!done) {
    const start = performance.now();
    const response = await fetch(`${stack.url}/rest/v1/projects?select=id,name&limit=1`, { headers: asUser(stack, probe) }).catch(() => null);
    await response?.arrayBuffer();
    if (!response?.ok) failures += 1;
    samples.push(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { ...summarize(samples), count: samples.length, failures };
}

function statusCounts(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${status === -1 ? 'closed' : status}×${count}`).join(', ');
}

/** Runs `flood`, sampling the stack's RSS and the probe user's latency; prints one block. */
async function measure(stack: BenchStack, probe: User, label: string, flood: () => Promise<number[]>) {
  const before = await stack.rss();
  const sampler = sampleRss(stack);
  const start = performance.now();
  const requests = flood();
  const [statuses, latency] = await Promise.all([requests, latencyDuring(stack, probe, requests)]);
  const seconds = (performance.now() - start) / 1000;
  const peak = await sampler.stop();
  console.log(label);
  console.log(`  answered in ${seconds.toFixed(1)} s: ${statusCounts(statuses)}`);
  console.log(`  stack RSS ${megabytes(before)} → peak ${megabytes(peak)}`);
  console.log(
    `  another user's reads meanwhile: p50 ${latency.p50.toFixed(1)} ms, p95 ${latency.p95.toFixed(1)} ms ` +
      `(${latency.count} reads${latency.failures ? `, ${latency.failures} failed` : ''})`,
  );
  return { peak, p95: latency.p95 };
}

const signIn = (stack: BenchStack, user: User) =>
  fetch(`${stack.url}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: stack.anonKey, 'content-type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: user.password }),
  }).then(async (response) => (await response.arrayBuffer(), response.status));

/** A chain of to-many and to-one embeddings `levels` deep: every level multiplies the rows by the group size. */
function deepEmbedding(levels: number): string {
  let select = 'id';
  for (let level = levels; level >= 1; level -= 1) select = `id,${level % 2 ? 'abuse_nodes' : 'abuse_groups'}(${select})`;
  return select;
}

const EMBED_FIXTURE = `
create table public.abuse_groups (id int primary key);
create table public.abuse_nodes (id int primary key, group_id int not null references public.abuse_groups (id));
create index on public.abuse_nodes (group_id);
insert into public.abuse_groups values (1);
insert into public.abuse_nodes select i, 1 from generate_series(1, 60) i;
grant select on public.abuse_groups, public.abuse_nodes to authenticated;
notify pgrst, 'reload schema';
`;

const results: string[] = [];

// 1 + 3: body floods and deep embeddings, on a stack with the project's settings (Auth limits raised so the
// bench can sign its users up).
const open = { auth: { rate_limit: { sign_in_sign_ups: 1_000_000, token_refresh: 1_000_000, token_verifications: 1_000_000 } } };
let stack = await startBenchStack(open);
try {
  const probe = await signUp(stack);
  await fetch(`${stack.url}/rest/v1/projects`, {
    method: 'POST',
    headers: { ...asUser(stack, probe), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'probe' }),
  });

  const keyless = await measure(stack, probe, `${CONCURRENCY} concurrent ${megabytes(BODY_BYTES)} POSTs without an API key`, () =>
    bodyFlood(`${stack.url}/rest/v1/projects`, {}),
  );
  results.push(`keyless bodies: RSS peak ${megabytes(keyless.peak)}, other user p95 ${keyless.p95.toFixed(0)} ms`);
  const keyed = await measure(stack, probe, `${CONCURRENCY} concurrent ${megabytes(BODY_BYTES)} POSTs with the anon key`, () =>
    bodyFlood(`${stack.url}/rest/v1/projects`, { apikey: stack.anonKey }),
  );
  results.push(`keyed bodies: RSS peak ${megabytes(keyed.peak)}, other user p95 ${keyed.p95.toFixed(0)} ms`);

  const logins = await measure(stack, probe, `${LOGINS} concurrent password sign-ins (limits raised)`, () =>
    Promise.all(Array.from({ length: LOGINS }, () => signIn(stack, probe))),
  );
  results.push(`login flood: RSS peak ${megabytes(logins.peak)}, other user p95 ${logins.p95.toFixed(0)} ms`);

  const admin = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(EMBED_FIXTURE);
  await admin.end();
  const flooder = await signUp(stack);
  const deep = `${stack.url}/rest/v1/abuse_groups?select=${deepEmbedding(8)}`;
  // The schema cache reloads on NOTIFY: wait until the fixture is visible.
  for (let tries = 0; (await fetch(`${stack.url}/rest/v1/abuse_groups?select=id`, { headers: asUser(stack, flooder) })).status !== 200; tries += 1) {
    if (tries > 100) throw new Error('the fixture tables never became visible to the REST API');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const embeds = await measure(stack, probe, `${EMBEDS} concurrent 8-level embeddings (60^4 rows each) from one user`, () =>
    Promise.all(
      Array.from({ length: EMBEDS }, () =>
        fetch(deep, { headers: asUser(stack, flooder) }).then(async (response) => (await response.arrayBuffer(), response.status)),
      ),
    ),
  );
  results.push(`deep embeddings: RSS peak ${megabytes(embeds.peak)}, other user p95 ${embeds.p95.toFixed(0)} ms`);
} finally {
  await stack.stop();
}

// 2b: the login flood under the project's own [auth.rate_limit].
stack = await startBenchStack();
try {
  const user = await signUp(stack);
  const statuses = await Promise.all(Array.from({ length: LOGINS }, () => signIn(stack, user)));
  console.log(`${LOGINS} concurrent password sign-ins under config.toml's [auth.rate_limit]`);
  console.log(`  ${statusCounts(statuses)}`);
  results.push(`login flood under the project's limits: ${statusCounts(statuses)}`);
} finally {
  await stack.stop();
}

console.log(`\nabuse: ${results.join('; ')}`);
