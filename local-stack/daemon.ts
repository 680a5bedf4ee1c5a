import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StackConfig } from './config.ts';
import { apiUrl, paths, REPO_ROOT } from './config.ts';
import { failActiveRequest } from './http/gateway.ts';
import { stopOrphanedPostmaster } from './postgres-server.ts';
import { commandOf, isAlive, waitUntilGone } from './processes.ts';
import { startStack, type RunningStack } from './stack.ts';

/** Exit code of `serve` when another stack already owns the data folder. */
export const EXIT_ALREADY_RUNNING = 3;
const CLI = path.join(import.meta.dirname, 'cli.ts');

async function isStackProcess(pid: number): Promise<boolean> {
  if (!isAlive(pid)) return false;
  return (await commandOf(pid))?.includes('local-stack') ?? false;
}

/** Pid of the stack owning this data folder, if one is alive; a stale pid file is treated as absent. */
export async function runningPid(config: StackConfig): Promise<number | undefined> {
  const { pidFile } = paths(config);
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && (await isStackProcess(pid)) ? pid : undefined;
}

/** Takes the data folder for this process; false when a live stack holds it. */
async function acquirePidFile(config: StackConfig): Promise<boolean> {
  const { pidFile } = paths(config);
  mkdirSync(config.dataDir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(pidFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if ((await runningPid(config)) !== undefined) return false;
      rmSync(pidFile, { force: true }); // left by a crashed stack
    }
  }
  return false;
}

export async function isHealthy(config: StackConfig): Promise<boolean> {
  try {
    const response = await fetch(`${apiUrl(config)}/health`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** `serve`: runs the stack in this process until SIGTERM/SIGINT. */
export async function serve(config: StackConfig): Promise<number> {
  if (!(await acquirePidFile(config))) {
    console.error(`A local stack is already running for ${config.dataDir}.`);
    return EXIT_ALREADY_RUNNING;
  }
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  // Last resort: a bug that escapes every handler answers its request with 500 and is logged; the stack
  // (and the PostgreSQL it owns) keeps running instead of exiting on one request.
  process.on('uncaughtException', (error) => {
    const answered = failActiveRequest();
    log(`uncaught error${answered ? ' (its request got a 500)' : ''}: ${error.stack ?? error.message}`);
  });
  process.on('unhandledRejection', (reason) => {
    log(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  });
  let stack: RunningStack;
  try {
    stack = await startStack(config, { log });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    unlinkSync(paths(config).pidFile);
    return 1;
  }
  log(`ready on ${stack.info.apiUrl}`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  log('shutting down');
  await stack.stop();
  rmSync(paths(config).pidFile, { force: true });
  log('stopped');
  return 0;
}

/** Starts `serve` detached and waits until the APIs answer; idempotent. */
export async function startInBackground(config: StackConfig, timeoutMs = 180_000): Promise<void> {
  if ((await runningPid(config)) !== undefined && (await isHealthy(config))) return;
  const { logFile } = paths(config);
  mkdirSync(config.dataDir, { recursive: true });
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', out, out],
    env: process.env,
  });
  closeSync(out);
  let exitCode: number | null = null;
  child.on('exit', (code) => {
    exitCode = code ?? 1;
  });
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isHealthy(config)) return;
    // Another start won the race: keep waiting for that one instead of failing.
    if (exitCode !== null && exitCode !== EXIT_ALREADY_RUNNING) {
      throw new Error(`The local stack failed to start (exit ${exitCode}). Last log lines:\n${tail(logFile, 15)}`);
    }
    if (exitCode === EXIT_ALREADY_RUNNING && (await runningPid(config)) === undefined) {
      throw new Error(`The local stack exited while starting. Last log lines:\n${tail(logFile, 15)}`);
    }
    await sleep(200);
  }
  throw new Error(`The local stack did not become healthy within ${timeoutMs / 1000}s. See ${logFile}.`);
}

/** Clean shutdown: the stack stops its APIs and PostgreSQL (fast shutdown: committed data is kept). */
export async function stopStack(config: StackConfig): Promise<boolean> {
  const pid = await runningPid(config);
  let stopped = false;
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    if (!(await waitUntilGone(pid, 60_000))) {
      process.kill(pid, 'SIGKILL');
      await waitUntilGone(pid, 5_000);
    }
    stopped = true;
  }
  // After a crash (kill -9 of the stack) its PostgreSQL may still run on its own.
  if (await stopOrphanedPostmaster(paths(config).pgData)) stopped = true;
  rmSync(paths(config).pidFile, { force: true });
  return stopped;
}

export function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
