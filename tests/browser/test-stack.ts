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
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createClient } from '@supabase/supabase-js';
import { REPO_ROOT, SUPABASE_LOCAL_JWT_SECRET } from '../../local-stack/config.ts';
import { copyProject } from '../../local-stack/project-copy.ts';
import { makeDataDir } from '../../local-stack/scratch-cluster.ts';
import { startStack } from '../../local-stack/stack.ts';
import { nodeRealtimeOptions } from '../../lib/supabase/node-realtime.ts';
import { seedImages } from '../../scripts/seed-images.ts';
import { BROWSER_TEST_PORTS } from './ports.ts';

export const NEXT_BIN = path.join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');

export interface BrowserTestStack {
  /** The app's environment: Supabase URL and keys of the throwaway stack. */
  env: NodeJS.ProcessEnv;
  /** Stops the worker and the stack, deletes its data and exits the process with `code`. */
  shutdown(code: number): Promise<never>;
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
      projectDir: copyProject(REPO_ROOT, path.join(dataDir, 'project'), {
        auth: {
          email: { enable_confirmations: true },
          mfa: { totp: { enroll_enabled: true, verify_enabled: true } },
          rate_limit: { token_refresh: 100_000, sign_in_sign_ups: 100_000, token_verifications: 100_000 },
        },
        local_smtp: { enabled: true, port: BROWSER_TEST_PORTS.mail },
      }),
      host: '127.0.0.1',
    },
    { ephemeral: true },
  );
  // The worker runs simulated and local (image) jobs; quick heartbeats so cancel requests land within a second.
  // Webhook receivers of the tests listen on 127.0.0.1, as a local stack's do: private targets are allowed.
  const worker = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'worker', 'main.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: stack.info.dbUrl,
      SUPABASE_URL: stack.info.apiUrl,
      SUPABASE_SERVICE_ROLE_KEY: stack.info.serviceRoleKey,
      WORKER_LEASE_SECONDS: '3',
      WORKER_POLL_INTERVAL_MS: '500',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '500',
      LOG_LEVEL: 'warn',
    },
    stdio: 'inherit',
  });
  // The demo user's sample photos and image jobs, as `npm run dev` adds them.
  await seedImages(
    createClient(stack.info.apiUrl, stack.info.serviceRoleKey, { auth: { persistSession: false }, realtime: nodeRealtimeOptions }),
    () => {},
  );
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
