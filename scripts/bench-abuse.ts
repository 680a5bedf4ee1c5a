/**
 * Floods against a throwaway stack in a child process, measuring the stack's peak RSS and what a well-behaved
 * user sees meanwhile (p95 latency of a small REST read). Gateway part: concurrent large bodies, without a
 * key (refused before their bodies are read) and with one (read within the in-memory body budget).
 *
 *   npm run bench:abuse            (CONCURRENCY=2000 BODY_MB=1 by default)
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { megabytes, sampleRss, startBenchStack, type BenchStack } from './bench-stack.ts';

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 2000);
const BODY = Buffer.alloc(Number(process.env.BODY_MB ?? 1) * 1024 * 1024, 0x20);

/**
 * The flood runs in a worker thread with its own event loop, so the probe below measures the stack, not the
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

function runFlood(url: string, headers: Record<string, string>): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(FLOOD_WORKER, { eval: true, workerData: { url, headers, concurrency: CONCURRENCY, size: BODY.length } });
    worker.once('message', (statuses: number[]) => {
      void worker.terminate();
      resolve(statuses);
    });
    worker.once('error', reject);
  });
}

/** p95 of sequential small reads by another user while `flood` runs. */
async function latencyDuring(stack: BenchStack, flood: Promise<unknown>): Promise<{ p50: number; p95: number; count: number }> {
  let done = false;
  void flood.finally(() => (done = true));
  const samples: number[] = [];
  while (!done) {
    const start = performance.now();
    const response = await fetch(`${stack.url}/auth/v1/settings`, { headers: { apikey: stack.anonKey } }).catch(() => null);
    await response?.arrayBuffer();
    samples.push(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), count: samples.length };
}

async function flood(stack: BenchStack, label: string, headers: Record<string, string>) {
  const before = await stack.rss();
  const sampler = sampleRss(stack);
  const start = performance.now();
  const requests = runFlood(`${stack.url}/rest/v1/projects`, headers);
  const [statuses, latency] = await Promise.all([requests, latencyDuring(stack, requests)]);
  const seconds = (performance.now() - start) / 1000;
  const peak = await sampler.stop();
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  const answered = [...counts].map(([status, count]) => `${status === -1 ? 'closed' : status}×${count}`).join(', ');
  console.log(`${label}`);
  console.log(`  ${CONCURRENCY} × ${megabytes(BODY.length)} in ${seconds.toFixed(1)} s: ${answered}`);
  console.log(`  stack RSS ${megabytes(before)} → peak ${megabytes(peak)}`);
  console.log(`  another user's reads meanwhile: p50 ${latency.p50.toFixed(1)} ms, p95 ${latency.p95.toFixed(1)} ms (${latency.count} reads)`);
}

const stack = await startBenchStack();
try {
  await flood(stack, 'concurrent large bodies without an API key', {});
  await flood(stack, 'concurrent large bodies with the anon key (read within the body budget, then refused by RLS/validation)', {
    apikey: stack.anonKey,
  });
} finally {
  await stack.stop();
}
