/**
 * Storage streams: a 200 MB upload and its download through the local stack, with the stack process's memory
 * sampled all along. The growth (peak RSS minus RSS before) must stay far below the file size: bodies go
 * socket → disk and disk → socket, never whole in memory.
 *
 *   npm run bench:storage            (SIZE_MB=200 by default)
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { megabytes, sampleRss, startBenchStack } from './bench-stack.ts';

const SIZE = Number(process.env.SIZE_MB ?? 200) * 1024 * 1024;
const LIMIT = 50 * 1024 * 1024;
const CHUNK = randomBytes(1024 * 1024);

function body(size: number, hash: ReturnType<typeof createHash>): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) {
        controller.close();
        return;
      }
      const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, size - sent));
      hash.update(chunk);
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

async function main() {
  const stack = await startBenchStack({ storage: { file_size_limit: '2GiB' } });
  try {
    const auth = { apikey: stack.serviceRoleKey, authorization: `Bearer ${stack.serviceRoleKey}` };
    const created = await fetch(`${stack.url}/storage/v1/bucket`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', public: false }),
    });
    if (!created.ok) throw new Error(`create bucket: ${created.status} ${await created.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const baseline = await stack.rss();

    const uploadHash = createHash('sha256');
    let sampler = sampleRss(stack);
    let start = performance.now();
    const upload = await fetch(`${stack.url}/storage/v1/object/bench/big.bin`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(SIZE) },
      body: body(SIZE, uploadHash),
      duplex: 'half',
    } as RequestInit);
    if (!upload.ok) throw new Error(`upload: ${upload.status} ${await upload.text()}`);
    const uploadSeconds = (performance.now() - start) / 1000;
    const uploadPeak = await sampler.stop();

    sampler = sampleRss(stack);
    start = performance.now();
    const download = await fetch(`${stack.url}/storage/v1/object/bench/big.bin`, { headers: auth });
    const downloadHash = createHash('sha256');
    let received = 0;
    for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) {
      downloadHash.update(chunk);
      received += chunk.length;
    }
    const downloadSeconds = (performance.now() - start) / 1000;
    const downloadPeak = await sampler.stop();

    const intact = received === SIZE && uploadHash.digest('hex') === downloadHash.digest('hex');
    const growth = Math.max(uploadPeak, downloadPeak) - baseline;
    console.log(`file                 ${megabytes(SIZE)} (${intact ? 'downloaded intact, sha256 matches' : 'CORRUPTED'})`);
    console.log(`stack RSS before     ${megabytes(baseline)}`);
    console.log(`upload               ${(SIZE / 1024 / 1024 / uploadSeconds).toFixed(0)} MB/s, peak RSS ${megabytes(uploadPeak)} (+${megabytes(uploadPeak - baseline)})`);
    console.log(`download             ${(SIZE / 1024 / 1024 / downloadSeconds).toFixed(0)} MB/s, peak RSS ${megabytes(downloadPeak)} (+${megabytes(downloadPeak - baseline)})`);
    console.log(`memory growth        ${megabytes(growth)} (limit ${megabytes(LIMIT)}): ${growth < LIMIT ? 'OK' : 'TOO HIGH'}`);
    if (!intact || growth >= LIMIT) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

await main();
