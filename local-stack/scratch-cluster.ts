import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { bootstrapPlatform } from './bootstrap.ts';
import { REPO_ROOT } from './config.ts';
import { pushMigrations } from './migrate.ts';
import { startPostgres } from './postgres-server.ts';
import { freePort } from './processes.ts';

/** A temporary folder PostgreSQL (running as the postgres user) can reach. */
export function makeDataDir(prefix: string): string {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  chmodSync(dataDir, 0o755);
  return dataDir;
}

export interface ScratchCluster {
  host: string;
  port: number;
  /** Superuser connection string for a database of this cluster. */
  url(database?: string): string;
  /** Stops the server (fast shutdown: clients are disconnected), waits `downMs`, and starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  /** Stops the server and deletes its data. */
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL on a free port with its data in a temporary folder (durability off): for tests,
 * type generation and benchmarks, never the developer's stack.
 */
export async function startScratchCluster(prefix: string): Promise<ScratchCluster> {
  const dataDir = makeDataDir(prefix);
  const host = '127.0.0.1';
  const port = await freePort(host);
  const options = { pgData: path.join(dataDir, 'pgdata'), port, host, ephemeral: true };
  let server = await startPostgres(options);
  return {
    host,
    port,
    url: (database = 'postgres') => `postgresql://postgres:postgres@${host}:${port}/${database}`,
    restart: async (downMs = 0) => {
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await startPostgres(options);
    },
    stop: async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates `database` with the platform bootstrap and every migration of the project (no seed); returns its URL. */
export async function createMigratedDatabase(cluster: ScratchCluster, database: string, projectDir = REPO_ROOT): Promise<string> {
  const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
  const url = cluster.url(database);
  await bootstrapPlatform(url);
  await pushMigrations({ databaseUrl: url, projectDir, includeSeed: false });
  return url;
}
