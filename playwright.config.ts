import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';
import { APP_URL } from './tests/browser/ports';

/** Playwright cannot download its own browser here: use the system Chromium (apt-get install -y chromium). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  throw new Error(
    `Browser tests need Chromium at ${CHROMIUM}. Install it with: sudo apt-get update && sudo apt-get install -y chromium ` +
      '(or set CHROMIUM_PATH to a Chromium/Chrome binary).',
  );
}

export default defineConfig({
  testDir: 'tests/browser',
  testMatch: '**/*.spec.ts',
  // Their own configs: the dev-server smoke set (playwright.dev.config.ts), the docs screenshots
  // (playwright.docs.config.ts, which writes tracked files).
  testIgnore: ['dev-smoke/**', 'docs-screenshots/**'],
  fullyParallel: false,
  workers: 1,
  // Sign-ups confirm through the local inbox (as with confirmations on in hosted projects): a few seconds more.
  timeout: 90_000,
  // Generous: a busy 2-core machine can take seconds for a sign-in (bcrypt) or a first render.
  expect: { timeout: 20_000 },
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: APP_URL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: CHROMIUM,
          // Chromium otherwise floods this machine's closed network with background requests.
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--disable-quic',
          ],
        },
      },
    },
  ],
  webServer: {
    command: 'node --import tsx tests/browser/serve-app.ts',
    url: `${APP_URL}/login`,
    timeout: 300_000,
    reuseExistingServer: false,
    // Playwright SIGKILLs the server by default, which would leave the throwaway stack's PostgreSQL running.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
