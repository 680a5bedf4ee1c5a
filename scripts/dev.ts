/**
 * `npm run dev`: the local Supabase stack (unless a hosted project is configured), the job worker, and
 * `next dev`. Ctrl-C stops the worker (it drains and releases its jobs) and Next.js; the stack keeps
 * running, like `supabase start`. Arguments after `--` go to `next dev` (e.g. `npm run dev -- -p 3001`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import nextEnv from '@next/env';
import { defaultConfig, REPO_ROOT } from '../local-stack/config.ts';
import { stackInfo } from '../local-stack/stack.ts';

nextEnv.loadEnvConfig(REPO_ROOT, true, { info: () => {}, error: console.error });
const env: NodeJS.ProcessEnv = { ...process.env };
const hosted = Boolean(process.env.NEXT_PUBLIC_SUPABASE_URL);

function run(args: string[], childEnv: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, args, { cwd: REPO_ROOT, env: childEnv, stdio: 'inherit' });
}

function exitCode(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 0 : 1))));
}

if (hosted) {
  console.log(`Using the Supabase project at ${process.env.NEXT_PUBLIC_SUPABASE_URL} (local stack not started).`);
} else {
  // The CLI's own start: idempotent, and it prints the URLs and keys.
  const started = await exitCode(run(['--import', 'tsx', path.join(REPO_ROOT, 'local-stack', 'cli.ts'), 'start'], process.env));
  if (started !== 0) process.exit(started);
  const info = await stackInfo(defaultConfig());
  env.NEXT_PUBLIC_SUPABASE_URL = info.apiUrl;
  env.NEXT_PUBLIC_SUPABASE_ANON_KEY = info.anonKey;
  env.SUPABASE_SERVICE_ROLE_KEY = info.serviceRoleKey;
  env.DATABASE_URL = info.dbUrl;
  // Sample photos and jobs for the demo user (once: it does nothing when they exist).
  const seeded = await exitCode(run(['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'seed-images.ts')], env));
  if (seeded !== 0) console.log('The demo images were not added (see above); the app works without them.');
  // Webhook receivers of a local setup are local too (127.0.0.1, a LAN address): deliver to them.
  env.WEBHOOK_ALLOW_PRIVATE_TARGETS ??= 'true';
  console.log('');
}

const children: ChildProcess[] = [];
if (env.DATABASE_URL || !hosted) {
  console.log('Starting the job worker (npm run worker)…');
  children.push(run(['--import', 'tsx', path.join(REPO_ROOT, 'worker', 'main.ts')], env));
} else {
  console.log('DATABASE_URL is not set: the job worker is not started, so jobs stay queued. Set it to the project\'s connection string.');
}
children.push(run([path.join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'dev', ...process.argv.slice(2)], env));

// Ctrl-C reaches the children through the terminal's process group; we wait for them. A SIGTERM sent to
// this process alone is passed on. When one child ends by itself, the other is stopped too.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => children.forEach((child) => child.kill('SIGTERM')));
const codes = await Promise.all(
  children.map((child) =>
    exitCode(child).then((code) => {
      for (const other of children) if (other !== child && other.exitCode === null && other.signalCode === null) other.kill('SIGTERM');
      return code;
    }),
  ),
);
if (!hosted) console.log('\nThe local Supabase stack is still running. Stop it with: npm run local:stop');
process.exit(codes.find((code) => code !== 0) ?? 0);
