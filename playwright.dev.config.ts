import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/**
 * The dev-server smoke set: a few browser tests against `next dev` (React StrictMode double-runs effects,
 * the dev CSP allows eval and HMR), since `npm run dev` is what newcomers use. Same browser and settings as
 * the production-build suite; its own throwaway stack and free ports (tests/browser/ports.ts, chosen again
 * for this run).
 */
export default defineConfig({
  ...base,
  testDir: 'tests/browser/dev-smoke',
  testIgnore: undefined,
  // Pages are warmed before the tests start, but the dev server still compiles server actions and chunks
  // on first use, slowly on a busy machine: waits are generous (they end as soon as the condition holds).
  timeout: 180_000,
  expect: { timeout: 60_000 },
  outputDir: 'test-results/dev-smoke',
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never', outputFolder: 'playwright-report/dev-smoke' }]],
  webServer: {
    command: 'node --import tsx tests/browser/serve-dev.ts',
    wait: { stdout: /dev server warmed up/ },
    timeout: 300_000,
    reuseExistingServer: false,
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
