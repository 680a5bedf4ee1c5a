/**
 * The throwaway local stack behind a browser-test run (own data folder and ports, seeded), a job worker on
 * it, and the environment that points the app at it. Never touches the developer's stack or data.
 *
 * The stack runs from a copy of `supabase/` with the switches a hosted project has on: email
 * confirmation (so sign-ups go through the inbox and /auth/confirm) and TOTP MFA, and with the
 * per-client rate limits out of the way (every browser request reaches Auth from the one Next.js
 * server). The repository's config.toml keeps the CLI's defaults for `npm run dev`.
 */
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';
import { REPO_ROOT, SUPABASE_LOCAL_JWT_SECRET } from '../../local-stack/config.ts';
import { makeDataDir } from '../../local-stack/scratch-cluster.ts';
import { startStack } from '../../local-stack/stack.ts';
import { BROWSER_TEST_PORTS } from './ports.ts';

export const NEXT_BIN = path.join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');

export interface BrowserTestStack {
  /** The app's environment: Supabase URL and keys of the throwaway stack. */
  env: NodeJS.ProcessEnv;
  /** Stops the worker and the stack, deletes its data and exits the process with `code`. */
  shutdown(code: number): Promise<never>;
}

type Table = Record<string, unknown>;
const table = (parent: Table, key: string): Table => (parent[key] ??= {}) as Table;

/** A copy of the project's `supabase/` folder with the browser tests' Auth switches. */
function browserTestProject(dataDir: string): string {
  const projectDir = path.join(dataDir, 'project');
  cpSync(path.join(REPO_ROOT, 'supabase'), path.join(projectDir, 'supabase'), { recursive: true });
  const configFile = path.join(projectDir, 'supabase', 'config.toml');
  const config = parse(readFileSync(configFile, 'utf8')) as Table;
  const auth = table(config, 'auth');
  table(auth, 'email').enable_confirmations = true;
  Object.assign(table(table(auth, 'mfa'), 'totp'), { enroll_enabled: true, verify_enabled: true });
  Object.assign(table(auth, 'rate_limit'), { token_refresh: 100_000, sign_in_sign_ups: 100_000, token_verifications: 100_000 });
  Object.assign(table(config, 'local_smtp'), { enabled: true, port: BROWSER_TEST_PORTS.mail });
  writeFileSync(configFile, stringify(config));
  return projectDir;
}

export async function startBrowserTestStack(prefix: string): Promise<BrowserTestStack> {
  const dataDir = makeDataDir(prefix);
  const stack = await startStack(
    {
      dataDir,
      apiPort: BROWSER_TEST_PORTS.api,
      dbPort: BROWSER_TEST_PORTS.db,
      mailPort: BROWSER_TEST_PORTS.mail,
      jwtSecret: SUPABASE_LOCAL_JWT_SECRET,
      projectDir: browserTestProject(dataDir),
      host: '127.0.0.1',
    },
    { ephemeral: true },
  );
  // The worker runs simulated jobs; quick heartbeats so cancel requests land within a second. Webhook
  // receivers of the tests listen on 127.0.0.1, as a local stack's do: private targets are allowed.
  const worker = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'worker', 'main.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: stack.info.dbUrl,
      WORKER_LEASE_SECONDS: '3',
      WORKER_POLL_INTERVAL_MS: '500',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '500',
      LOG_LEVEL: 'warn',
    },
    stdio: 'inherit',
  });
  const workerExited = new Promise((resolve) => worker.on('exit', resolve));
  return {
    env: {
      ...process.env,
      NEXT_PUBLIC_SUPABASE_URL: stack.info.apiUrl,
      NEXT_PUBLIC_SUPABASE_ANON_KEY: stack.info.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: stack.info.serviceRoleKey,
      NEXT_TELEMETRY_DISABLED: '1',
    },
    async shutdown(code) {
      worker.kill('SIGTERM');
      await workerExited;
      await stack.stop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(code);
    },
  };
}
