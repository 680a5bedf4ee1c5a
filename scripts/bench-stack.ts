/**
 * A throwaway local stack in a child process, for benchmarks that measure the stack's own memory (RSS of
 * that process, sampled with `ps`, which works on Linux and macOS). Its project folder is a copy of this
 * one's supabase/ folder with config.toml settings overridden, so a benchmark can raise limits.
 *
 * Run directly (`tsx scripts/bench-stack.ts child <json>`), it is the child: it starts the stack and prints
 * "ready" once healthy.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, SUPABASE_LOCAL_JWT_SECRET, type StackConfig } from '../local-stack/config.ts';
import { apiKeys, type ApiKeys } from '../local-stack/keys.ts';
import { freePort } from '../local-stack/processes.ts';
import { copyProject, type ConfigOverrides } from '../local-stack/project-copy.ts';
import { makeDataDir } from '../local-stack/scratch-cluster.ts';
import { startStack } from '../local-stack/stack.ts';

const execFileAsync = promisify(execFile);

export interface BenchStack extends ApiKeys {
  url: string;
  /** Superuser connection string of the stack's database, for fixtures. */
  dbUrl: string;
  pid: number;
  /** Resident set size of the stack process, in bytes. */
  rss(): Promise<number>;
  stop(): Promise<void>;
}

/** Samples a process's RSS every `intervalMs` until stopped; returns the peak. */
export function sampleRss(stack: BenchStack, intervalMs = 50): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await stack.rss());
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return Math.max(peak, await stack.rss());
    },
  };
}

export const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

export async function startBenchStack(overrides: ConfigOverrides = {}): Promise<BenchStack> {
  const dataDir = makeDataDir('bench-stack');
  const config: StackConfig = {
    dataDir,
    apiPort: await freePort(),
    dbPort: await freePort(),
    mailPort: await freePort(),
    jwtSecret: SUPABASE_LOCAL_JWT_SECRET,
    projectDir: copyProject(REPO_ROOT, path.join(dataDir, 'project'), overrides),
    host: '127.0.0.1',
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'child', JSON.stringify(config)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the bench stack exited (${code}) before it was ready:\n${output}`)));
  });
  child.stdout!.resume();
  const pid = child.pid!;
  return {
    url: `http://${config.host}:${config.apiPort}`,
    dbUrl: `postgresql://postgres:postgres@${config.host}:${config.dbPort}/postgres`,
    pid,
    ...(await apiKeys(config.jwtSecret)),
    rss: async () => {
      try {
        const { stdout } = await execFileAsync('ps', ['-p', String(pid), '-o', 'rss=']);
        return Number(stdout.trim()) * 1024;
      } catch {
        return 0;
      }
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

if (process.argv[2] === 'child') {
  const config = JSON.parse(process.argv[3]) as StackConfig;
  const stack = await startStack(config, { ephemeral: true, log: (line) => process.stderr.write(`[stack] ${line}\n`) });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void stack.stop().then(() => process.exit(0));
  });
}
