import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { REPO_ROOT } from '../../local-stack/config.ts';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface WorkerProcess {
  id: string;
  child: ChildProcess;
  /** Every structured log line so far. */
  logs: LogLine[];
  /** Resolves with the first log line (past or future) matching `predicate`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildProcess>();

/**
 * A real worker process (`worker/main.ts` under tsx, as `npm run worker` runs it) against `databaseUrl`;
 * resolves once it logged "worker started". Fast defaults for tests; `env` overrides them.
 */
export async function spawnWorker(databaseUrl: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const id = env.WORKER_ID ?? `test-worker-${randomBytes(3).toString('hex')}`;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'worker', 'main.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      WORKER_ID: id,
      LOG_LEVEL: 'info',
      WORKER_POLL_INTERVAL_MS: '500',
      WORKER_RESCUE_INTERVAL_MS: '500',
      WORKER_RETRY_BASE_MS: '100',
      WORKER_RETRY_MAX_MS: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const logs: LogLine[] = [];
  const waiters = new Set<{ predicate: (line: LogLine) => boolean; resolve(line: LogLine): void }>();
  let buffered = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.trim()) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { level: 50, msg: text };
      }
      logs.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 30_000) => {
    const seen = logs.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (line: LogLine) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`worker ${id}: no matching log line within ${timeoutMs} ms. Last lines:\n${logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}\n${stderr}`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  };

  await Promise.race([
    waitForLog((line) => line.msg === 'worker started', 60_000),
    exited.then((code) => {
      throw new Error(`worker ${id} exited (${code}) before starting:\n${stderr}\n${logs.map((l) => JSON.stringify(l)).join('\n')}`);
    }),
  ]);
  return {
    id,
    child,
    logs,
    waitForLog,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Kills every worker a test left running (afterAll). */
export async function killAllWorkers(): Promise<void> {
  const children = [...running];
  for (const child of children) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.on('exit', resolve)))));
}
