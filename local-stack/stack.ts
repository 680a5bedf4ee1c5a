import { mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createAuthApi } from './auth/index.ts';
import { bootstrapPlatform } from './bootstrap.ts';
import type { StackConfig } from './config.ts';
import { apiUrl, dbUrl, mailUrl, paths, REPO_ROOT } from './config.ts';
import { startGateway } from './http/gateway.ts';
import type { Api, StreamingApi, UpgradeApi } from './http/types.ts';
import { apiKeys, type ApiKeys } from './keys.ts';
import { startMailServer, type MailServer } from './mail/server.ts';
import { MailStore } from './mail/store.ts';
import { pushMigrations } from './migrate.ts';
import { loadProjectConfig, type ProjectConfig } from './project-config.ts';
import { startPostgres, stopOrphanedPostmaster } from './postgres-server.ts';
import { assertPortFree } from './processes.ts';
import { createRealtimeApi } from './realtime/index.ts';
import { createRestApi } from './rest/index.ts';
import { createStorageApi } from './storage/index.ts';

export interface StackInfo extends ApiKeys {
  apiUrl: string;
  dbUrl: string;
  /** The local mail inbox; absent when `[local_smtp] enabled = false`. */
  mailUrl?: string;
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
export function roleUrl(databaseUrl: string, role: 'authenticator' | 'supabase_auth_admin' | 'supabase_storage_admin'): string {
  const url = new URL(databaseUrl);
  url.username = role;
  url.password = 'postgres';
  return url.toString();
}

export async function stackInfo(config: StackConfig): Promise<StackInfo> {
  const mailEnabled = loadProjectConfig(config.projectDir).mail.enabled;
  return {
    apiUrl: apiUrl(config),
    dbUrl: dbUrl(config),
    ...(mailEnabled ? { mailUrl: mailUrl(config) } : {}),
    jwtSecret: config.jwtSecret,
    ...(await apiKeys(config.jwtSecret)),
  };
}

/** Starts the APIs (auth, rest, storage, realtime) and the gateway in this process, against an already running database. */
export async function startApis(options: {
  databaseUrl: string;
  host: string;
  port: number;
  jwtSecret: string;
  /** `supabase/config.toml` as the CLI reads it (default: this repository's). */
  project?: ProjectConfig;
  /** The inbox Auth's mail goes to; null (the default) drops mail (`[local_smtp] enabled = false`). */
  mail?: MailStore | null;
  /** Folder for Storage's object bytes; a temporary folder (removed on stop) when omitted. */
  storageDir?: string;
  log?: (line: string) => void;
}): Promise<{ url: string; stop(): Promise<void> }> {
  const url = `http://${options.host}:${options.port}`;
  const project = options.project ?? loadProjectConfig(REPO_ROOT);
  const temporaryStorage = options.storageDir ? undefined : mkdtempSync(path.join(os.tmpdir(), 'local-stack-storage-'));
  const keys = await apiKeys(options.jwtSecret);
  const apis: Record<string, Api> = {
    '/auth/v1': await createAuthApi({
      databaseUrl: roleUrl(options.databaseUrl, 'supabase_auth_admin'),
      jwtSecret: options.jwtSecret,
      apiUrl: url,
      project,
      mail: options.mail ?? null,
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
  const streamingApis: Record<string, StreamingApi> = {
    '/storage/v1': await createStorageApi({
      databaseUrl: roleUrl(options.databaseUrl, 'supabase_storage_admin'),
      jwtSecret: options.jwtSecret,
      root: options.storageDir ?? temporaryStorage!,
      fileSizeLimit: project.storage.file_size_limit,
      log: options.log,
    }),
  };
  const realtime = await createRealtimeApi({
    databaseUrl: options.databaseUrl,
    authenticatorUrl: roleUrl(options.databaseUrl, 'authenticator'),
    jwtSecret: options.jwtSecret,
    log: options.log,
  });
  // The WebSocket, and broadcast over HTTP (/realtime/v1/api/broadcast).
  apis['/realtime/v1'] = realtime.http;
  const upgrades: Record<string, UpgradeApi> = { '/realtime/v1': realtime };
  const closeApis = async () => {
    await Promise.all([...Object.values(apis), ...Object.values(streamingApis)].map((api) => api.close()));
    if (temporaryStorage) rmSync(temporaryStorage, { recursive: true, force: true });
  };
  let server: http.Server;
  try {
    server = await startGateway({
      host: options.host,
      port: options.port,
      apis,
      streamingApis,
      upgrades,
      apiKeys: [keys.anonKey, keys.serviceRoleKey],
      opaqueKeys: { [keys.publishableKey]: keys.anonKey, [keys.secretKey]: keys.serviceRoleKey },
      healthy: () => true,
      log: options.log,
    });
  } catch (error) {
    await Promise.all(Object.values(upgrades).map((api) => api.close()));
    await closeApis();
    throw error;
  }
  return {
    url,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      // Upgraded (WebSocket) connections are no longer HTTP connections: their API ends them.
      await Promise.all(Object.values(upgrades).map((api) => api.close()));
      await closed;
      await closeApis();
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
  const project = loadProjectConfig(config.projectDir);
  if (project.mail.enabled) await assertPortFree(config.host, config.mailPort, 'mail inbox', 'LOCAL_STACK_MAIL_PORT');

  let mailServer: MailServer | null = null;
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
    const mail = project.mail.enabled ? new MailStore() : null;
    mailServer = mail ? await startMailServer(mail, { host: config.host, port: config.mailPort, log }) : null;
    const apis = await startApis({
      databaseUrl,
      host: config.host,
      port: config.apiPort,
      jwtSecret: config.jwtSecret,
      project,
      mail,
      storageDir: paths(config).storage,
      log,
    });
    const inbox = mailServer;
    return {
      info: await stackInfo(config),
      stop: async () => {
        await apis.stop();
        await inbox?.close();
        await postgres.stop();
      },
    };
  } catch (error) {
    await mailServer?.close();
    await postgres.stop();
    throw error;
  }
}
