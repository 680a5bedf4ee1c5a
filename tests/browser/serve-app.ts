/**
 * What Playwright's webServer runs: a throwaway local stack, then the production build of the app pointed
 * at it. Never touches the developer's stack or data.
 */
import { spawn, spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../../local-stack/config.ts';
import { BROWSER_TEST_PORTS } from './ports.ts';
import { NEXT_BIN, startBrowserTestStack } from './test-stack.ts';

const { env, shutdown } = await startBrowserTestStack('jobs-browser');
const distDir = '.next-browser-tests';

const build = spawnSync(process.execPath, [NEXT_BIN, 'build'], {
  cwd: REPO_ROOT,
  env: { ...env, NEXT_DIST_DIR: distDir },
  stdio: 'inherit',
});
if (build.status !== 0) await shutdown(build.status ?? 1);

const server = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(BROWSER_TEST_PORTS.app), '-H', '127.0.0.1'], {
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
