import { performance } from 'node:perf_hooks';

export interface Latency {
  p50: number;
  p95: number;
}

/** The p-th percentile (nearest rank) of samples sorted ascending. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function summarize(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

/** Runs `run` `warmup` times, then `iterations` times timed one after another; returns p50/p95 in ms. */
export async function time(run: () => Promise<void>, { iterations, warmup }: { iterations: number; warmup: number }): Promise<Latency> {
  for (let i = 0; i < warmup; i += 1) await run();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}
