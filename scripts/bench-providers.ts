/**
 * The local image provider on a 2000 × 2000 product photo: processing time (decode, the mode's work,
 * encode) and peak memory per mode. Each mode runs in a fresh process (so its peak RSS is its own), with
 * sharp configured as the worker configures it, three runs, the median time reported.
 *
 *   npm run bench:providers          (SIZE=2000, RUNS=3, THREADS=0: the worker's default per image job)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { readImageInfo } from '../lib/images/image-info.ts';
import { IMAGE_MODES, parseImageParams, type ImageMode } from '../lib/images/image-params.ts';
import { configureSharp, localImageProvider } from '../worker/providers/local/index.ts';
import { productPhoto } from './sample-photos.ts';
import { percentile } from './latency.ts';

const SIZE = Number(process.env.SIZE ?? 2000);
const RUNS = Number(process.env.RUNS ?? 3);
const THREADS = Number(process.env.THREADS ?? 0);
/** The worker's defaults: 2 simultaneous image jobs, 40 MP in and out. */
const IMAGE_SLOTS = 2;
const LIMITS = { maxInputPixels: 40_000_000, maxOutputPixels: 40_000_000 };

interface ChildResult {
  mode: ImageMode;
  output: string;
  bytes: number;
  medianMs: number;
  runsMs: number[];
  rssBeforeMb: number;
  peakRssMb: number;
  threads: number;
}

const mb = (bytes: number) => Math.round(bytes / 1048576);

/** One mode, in this process: RUNS runs over the photo at `file`. */
async function child(mode: ImageMode, file: string): Promise<void> {
  const threads = configureSharp(THREADS, IMAGE_SLOTS);
  const bytes = readFileSync(file);
  const info = readImageInfo(bytes)!;
  const provider = localImageProvider(LIMITS);
  const parsed = parseImageParams(mode, mode === 'upscale' ? { scale: 2 } : {});
  if (!parsed.ok) throw new Error(parsed.error);
  const rssBefore = process.memoryUsage().rss;
  const runsMs: number[] = [];
  let last: { mimeType: string; width: number; height: number; bytes: Buffer } = { mimeType: '', width: 0, height: 0, bytes: Buffer.alloc(0) };
  for (let run = 0; run < RUNS; run += 1) {
    const start = performance.now();
    last = await provider.run({ bytes, info, name: 'bench.jpg', signedUrl: async () => '' }, parsed.value, {
      job: { id: 'bench', userId: 'u', projectId: 'p', inputAssetId: 'a', mode, provider: 'local', params: {}, attempt: 1, maxAttempts: 1, costCents: 0, timeoutMs: 600_000 },
      signal: new AbortController().signal,
      log: pino({ level: 'silent' }),
      previousProviderJobId: null,
      recordProviderJobId: async () => true,
    });
    runsMs.push(performance.now() - start);
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  const result: ChildResult = {
    mode,
    output: `${last.mimeType.replace('image/', '')} ${last.width}×${last.height}`,
    bytes: last.bytes.length,
    medianMs: Math.round(percentile(sorted, 50)),
    runsMs: runsMs.map(Math.round),
    rssBeforeMb: mb(rssBefore),
    // maxRSS is in kilobytes: the process's high-water mark, including the runs above.
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    threads,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(mode: ImageMode, file: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult) : reject(new Error(`${mode}: exit ${code}`))));
  });
}

async function main(): Promise<void> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'bench-providers-'));
  try {
    const photo = await productPhoto({ shape: 'mug', width: SIZE, height: SIZE, format: 'jpeg' });
    const file = path.join(folder, 'input.jpg');
    writeFileSync(file, photo.bytes);
    console.log(`local provider, ${SIZE}×${SIZE} JPEG input (${Math.round(photo.bytes.length / 1024)} KB), ${RUNS} runs per mode, one process per mode, ${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(1)}`);
    const results: ChildResult[] = [];
    for (const mode of IMAGE_MODES) results.push(await runChild(mode, file));
    console.log(`sharp threads per job: ${results[0].threads}\n`);
    console.log('| mode | output | time (median) | runs | peak RSS | RSS before |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const r of results) {
      console.log(`| ${r.mode} | ${r.output}, ${Math.round(r.bytes / 1024)} KB | ${r.medianMs} ms | ${r.runsMs.join(' / ')} ms | ${r.peakRssMb} MB | ${r.rssBeforeMb} MB |`);
    }
    console.log(`\nproviders: ${results.map((r) => `${r.mode} ${r.medianMs} ms/${r.peakRssMb} MB`).join(', ')}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] as ImageMode, process.argv[4]);
else await main();
