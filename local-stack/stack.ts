import type http from 'node:http';
import { createAuthApi } from './auth/index.ts';
import { bootstrapPlatform } from './bootstrap.ts';
import type { StackConfig } from './config.ts';
import { apiUrl, dbUrl, paths, REPO_ROOT } from './config.ts';
import { startGateway } from './http/gateway.ts';
import type { Api } from './http/types.ts';
import { apiKeys, type ApiKeys } from './keys.ts';
import { pushMigrations } from './migrate.ts';
import { startPostgres, stopOrphanedPostmaster } from './postgres-server.ts';
import { loadProjectConfig } from './project-config.ts';
import { assertPortFree } from './processes.ts';
import { createRestApi } from './rest/index.ts';

export interface StackInfo extends ApiKeys {
  apiUrl: string;
  dbUrl: string;
  jwtSecret: string;
}

export interface RunningStack {
  info: StackInfo;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Durability off (fsync) for throwaway test clusters. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

/** Connection string for one of the platform's login roles, on the stack's database. */
export function roleUrl(databaseUrl: string, role: 'authenticator' | 'supabase_auth_admin'): string {
  const url = new URL(databaseUrl);
  url.username = role;
  url.password = 'postgres';
  return url.toString();
}

export async function stackInfo(config: StackConfig): Promise<StackInfo> {
  return { apiUrl: apiUrl(config), dbUrl: dbUrl(config), jwtSecret: config.jwtSecret, ...(await apiKeys(config.jwtSecret)) };
}

/** Starts the APIs (auth + rest) and the gateway in this process, against an already running database. */
export async function startApis(options: {
  databaseUrl: string;
  host: string;
  port: number;
  jwtSecret: string;
  /** Folder holding `supabase/config.toml` (default: this repository). */
  projectDir?: string;
  log?: (line: string) => void;
}): Promise<{ url: string; stop(): Promise<void> }> {
  const url = `http://${options.host}:${options.port}`;
  const project = loadProjectConfig(options.projectDir ?? REPO_ROOT);
  const apis: Record<string, Api> = {
    '/auth/v1': await createAuthApi({
      databaseUrl: roleUrl(options.databaseUrl, 'supabase_auth_admin'),
      jwtSecret: options.jwtSecret,
      apiUrl: url,
      log: options.log,
    }),
    '/rest/v1': await createRestApi({
      databaseUrl: roleUrl(options.databaseUrl, 'authenticator'),
      jwtSecret: options.jwtSecret,
      schemas: project.api.schemas,
      extraSearchPath: project.api.extra_search_path,
      maxRows: project.api.max_rows,
      log: options.log,
    }),
  };
  let server: http.Server;
  try {
    server = await startGateway({ host: options.host, port: options.port, apis, healthy: () => true, log: options.log });
  } catch (error) {
    await Promise.all(Object.values(apis).map((api) => api.close()));
    throw error;
  }
  return {
    url,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all(Object.values(apis).map((api) => api.close()));
    },
  };
}

/**
 * Database, platform bootstrap, migrations (and the seed on a fresh cluster), then the HTTP APIs:
 * what `supabase start` gives, in this process.
 */
export async function startStack(config: StackConfig, options: StartOptions = {}): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const { pgData } = paths(config);
  // A postmaster orphaned by a killed stack holds the DB port; it is ours, so stop it before probing.
  if (await stopOrphanedPostmaster(pgData)) log('stopped a PostgreSQL left running by a previous stack');
  await assertPortFree(config.host, config.dbPort, 'database', 'LOCAL_STACK_DB_PORT');
  await assertPortFree(config.host, config.apiPort, 'API', 'LOCAL_STACK_API_PORT');

  const postgres = await startPostgres({
    pgData,
    port: config.dbPort,
    host: config.host,
    ephemeral: options.ephemeral,
  });
  try {
    const databaseUrl = dbUrl(config);
    const bootstrapped = await bootstrapPlatform(databaseUrl);
    if (bootstrapped) log('platform bootstrap applied');
    await pushMigrations({ databaseUrl, projectDir: config.projectDir, includeSeed: bootstrapped, onLog: log });
    const apis = await startApis({
      databaseUrl,
      host: config.host,
      port: config.apiPort,
      jwtSecret: config.jwtSecret,
      projectDir: config.projectDir,
      log,
    });
    return {
      info: await stackInfo(config),
      stop: async () => {
        await apis.stop();
        await postgres.stop();
      },
    };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}
