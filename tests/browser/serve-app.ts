/**
 * What Playwright's webServer runs: a throwaway local stack (own data folder and ports, seeded), a job
 * worker on it, then the production build of the app pointed at it. Never touches the developer's stack
 * or data.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SUPABASE_LOCAL_JWT_SECRET } from '../../local-stack/config.ts';
import { makeDataDir } from '../../local-stack/scratch-cluster.ts';
import { startStack } from '../../local-stack/stack.ts';
import { BROWSER_TEST_PORTS } from './ports.ts';

const dataDir = makeDataDir('jobs-browser');
const stack = await startStack(
  {
    dataDir,
    apiPort: BROWSER_TEST_PORTS.api,
    dbPort: BROWSER_TEST_PORTS.db,
    jwtSecret: SUPABASE_LOCAL_JWT_SECRET,
    projectDir: REPO_ROOT,
    host: '127.0.0.1',
  },
  { ephemeral: true },
);

const env = {
  ...process.env,
  NEXT_PUBLIC_SUPABASE_URL: stack.info.apiUrl,
  NEXT_PUBLIC_SUPABASE_ANON_KEY: stack.info.anonKey,
  SUPABASE_SERVICE_ROLE_KEY: stack.info.serviceRoleKey,
  NEXT_TELEMETRY_DISABLED: '1',
};
const next = path.join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
const distDir = '.next-browser-tests';

// The worker runs simulated jobs; quick heartbeats so cancel requests land within a second.
const worker: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'worker', 'main.ts')], {
  cwd: REPO_ROOT,
  env: { ...process.env, DATABASE_URL: stack.info.dbUrl, WORKER_LEASE_SECONDS: '3', WORKER_POLL_INTERVAL_MS: '500', LOG_LEVEL: 'warn' },
  stdio: 'inherit',
});
const workerExited = new Promise((resolve) => worker.on('exit', resolve));

async function shutdown(code: number) {
  worker.kill('SIGTERM');
  await workerExited;
  await stack.stop().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(code);
}

const build = spawnSync(process.execPath, [next, 'build'], {
  cwd: REPO_ROOT,
  env: { ...env, NEXT_DIST_DIR: distDir },
  stdio: 'inherit',
});
if (build.status !== 0) await shutdown(build.status ?? 1);

const server = spawn(process.execPath, [next, 'start', '-p', String(BROWSER_TEST_PORTS.app), '-H', '127.0.0.1'], {
  cwd: REPO_ROOT,
  env: { ...env, NEXT_DIST_DIR: distDir },
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.kill('SIGTERM');
  });
}
server.on('exit', (code) => void shutdown(code ?? 0));
