/**
 * The dev-server smoke set's webServer: a throwaway local stack, then `next dev` (React StrictMode, HMR,
 * on-demand compilation) pointed at it, as `npm run dev` runs it. The dev server compiles each page on its
 * first request, so this script requests every page the smoke tests visit (signed in where needed) before
 * it reports ready; the tests then run against warm pages.
 */
import { spawn } from 'node:child_process';
import { createServerClient } from '@supabase/ssr';
import { REPO_ROOT } from '../../local-stack/config.ts';
import { nodeRealtimeOptions } from '../../lib/supabase/node-realtime.ts';
import { DEMO_USER } from './helpers.ts';
import { APP_URL, BROWSER_TEST_PORTS } from './ports.ts';
import { NEXT_BIN, startBrowserTestStack } from './test-stack.ts';

const { env, shutdown } = await startBrowserTestStack('jobs-browser-dev');

// Its own folder: `next dev` locks its output folder, and a developer's `npm run dev` may hold `.next`.
const server = spawn(process.execPath, [NEXT_BIN, 'dev', '-p', String(BROWSER_TEST_PORTS.app), '-H', '127.0.0.1'], {
  cwd: REPO_ROOT,
  env: { ...env, NEXT_DIST_DIR: '.next-browser-dev' },
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.kill('SIGTERM');
  });
}
server.on('exit', (code) => void shutdown(code ?? 0));

/** Session cookies of the demo user, made by @supabase/ssr exactly as the login action makes them. */
async function demoSessionCookie(): Promise<string> {
  let jar: { name: string; value: string }[] = [];
  const supabase = createServerClient(env.NEXT_PUBLIC_SUPABASE_URL!, env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, {
    realtime: nodeRealtimeOptions,
    cookies: {
      getAll: () => jar,
      setAll: (cookies) => {
        jar = cookies.map(({ name, value }) => ({ name, value }));
      },
    },
  });
  const { error } = await supabase.auth.signInWithPassword(DEMO_USER);
  if (error) throw error;
  return jar.map(({ name, value }) => `${name}=${value}`).join('; ');
}

/** GETs a page (retrying while the server is not listening yet), then the scripts it loads. */
async function warm(pathname: string, cookie = ''): Promise<void> {
  let response: Response | null = null;
  while (!response) {
    response = await fetch(`${APP_URL}${pathname}`, { headers: { cookie }, redirect: 'manual' }).catch(() => null);
    if (!response) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (response.status !== 200) throw new Error(`warming ${pathname}: HTTP ${response.status} ${response.headers.get('location') ?? ''}`);
  const html = await response.text();
  const scripts = [...html.matchAll(/<script[^>]+src="(\/_next\/[^"]+)"/g)].map((match) => match[1]);
  await Promise.all(scripts.map((src) => fetch(`${APP_URL}${src}`).then((script) => script.arrayBuffer())));
}

try {
  // Side by side: the two compilations share most modules.
  const cookie = await demoSessionCookie();
  await Promise.all([warm('/login'), warm('/jobs-test', cookie), warm('/jobs-test/monitoring', cookie)]);
  console.log('dev server warmed up'); // playwright.dev.config.ts waits for this line
} catch (error) {
  console.error(error);
  server.kill('SIGTERM');
}
