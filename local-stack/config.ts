import path from 'node:path';
import { loadProjectConfig } from './project-config.ts';

/** Supabase CLI's well-known local JWT secret: keys signed with it equal the ones `supabase start` prints. */
export const SUPABASE_LOCAL_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');

export interface StackConfig {
  /** Folder holding the cluster (`pgdata/`), logs and the pid file. */
  dataDir: string;
  apiPort: number;
  dbPort: number;
  /** The local mail inbox (web page and Mailpit-compatible API): `[local_smtp] port`, 54324 by default. */
  mailPort: number;
  jwtSecret: string;
  /** Folder containing `supabase/config.toml`, `supabase/migrations/` and `supabase/seed.sql`. */
  projectDir: string;
  host: string;
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a TCP port (1-65535), got "${raw}"`);
  }
  return port;
}

/** The developer's stack, as `npm run local:*` sees it; env vars override the `supabase start` defaults. */
export function defaultConfig(): StackConfig {
  const jwtSecret = process.env.LOCAL_STACK_JWT_SECRET ?? SUPABASE_LOCAL_JWT_SECRET;
  if (jwtSecret.length < 32) throw new Error('LOCAL_STACK_JWT_SECRET must be at least 32 characters long');
  return {
    dataDir: path.resolve(REPO_ROOT, process.env.LOCAL_STACK_DATA_DIR ?? '.local-stack'),
    apiPort: portFromEnv('LOCAL_STACK_API_PORT', 54321),
    dbPort: portFromEnv('LOCAL_STACK_DB_PORT', 54322),
    mailPort: portFromEnv('LOCAL_STACK_MAIL_PORT', loadProjectConfig(REPO_ROOT).mail.port),
    jwtSecret,
    projectDir: REPO_ROOT,
    host: '127.0.0.1',
  };
}

export function apiUrl(config: StackConfig): string {
  return `http://${config.host}:${config.apiPort}`;
}

export function mailUrl(config: StackConfig): string {
  return `http://${config.host}:${config.mailPort}`;
}

export function dbUrl(config: StackConfig, database = 'postgres'): string {
  return `postgresql://postgres:postgres@${config.host}:${config.dbPort}/${database}`;
}

export const paths = (config: StackConfig) => ({
  pgData: path.join(config.dataDir, 'pgdata'),
  pidFile: path.join(config.dataDir, 'stack.pid'),
  logFile: path.join(config.dataDir, 'stack.log'),
  /** Storage's object bytes (objects/, tmp/). */
  storage: path.join(config.dataDir, 'storage'),
});
