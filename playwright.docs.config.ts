import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/** `npm run docs:screenshot`: regenerates the screenshots in docs/ against the production build (never part of `npm test`). */
export default defineConfig({
  ...base,
  testDir: 'tests/browser/docs-screenshots',
  testIgnore: undefined,
  outputDir: 'test-results/docs-screenshots',
  reporter: [['list']],
});
