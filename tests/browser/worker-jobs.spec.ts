import { expect, test, type Page } from '@playwright/test';
import { collectPageErrors, createJob, createProject, jobCard, signUp, statisticsRow } from './helpers';

// The browser-test server runs a job worker on its stack (tests/browser/serve-app.ts): simulated jobs run
// by themselves, and the page follows them without a reload.

async function markPage(page: Page) {
  await page.evaluate(() => Object.assign(window, { __noReload: true }));
}
async function expectNotReloaded(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
}

test('a simulated job runs by itself: queued, running, succeeded, priced by its mode', async ({ page }) => {
  const errors = collectPageErrors(page);
  await signUp(page);
  await createProject(page, 'Worker demo');
  await markPage(page);

  await page.getByLabel('Provider', { exact: true }).selectOption('simulated');
  await page.getByLabel('Mode', { exact: true }).selectOption('upscale');
  await expect(page.getByTestId('job-price')).toContainText('$0.60');
  await expect(page.getByLabel('Cost (USD)')).toHaveCount(0); // the price sets the cost, not the user
  await createJob(page, { mode: 'upscale', provider: 'simulated', seconds: '1' });

  const card = jobCard(page, 'upscale');
  await expect(card.getByTestId('job-provider')).toHaveText('simulated');
  await expect(card).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
  await expect(card.getByTestId('job-attempts')).toHaveText('1 of 3');
  await expect(card).toContainText('$0.60');
  await expect(card.getByRole('button', { name: /^(Start|Mark|Cancel)/ })).toHaveCount(0);
  await expect(statisticsRow(page, 'succeeded').locator('td').first()).toHaveText('1');
  await expectNotReloaded(page);
  expect(errors).toEqual([]);
});

test('cancel a running job, retry it, and retry a job that failed', async ({ page }) => {
  await signUp(page);
  await createProject(page, 'Cancel and retry');
  await markPage(page);

  await createJob(page, { mode: 'lifestyle', provider: 'simulated', seconds: '600' });
  const long = jobCard(page, 'lifestyle');
  await expect(long).toHaveAttribute('data-status', 'running', { timeout: 30_000 });
  await long.getByRole('button', { name: /^Cancel job lifestyle/ }).click();
  // The worker acknowledges at its next heartbeat.
  await expect(long).toHaveAttribute('data-status', 'canceled', { timeout: 15_000 });
  await expect(long.getByRole('button', { name: /^Cancel/ })).toHaveCount(0);

  await long.getByRole('button', { name: /^Retry job lifestyle/ }).click();
  await expect(page.getByRole('article', { name: 'lifestyle' })).toHaveCount(2);
  const retry = page.locator('article[data-provider="simulated"]').filter({ hasText: 'retry of #' });
  await expect(retry).toHaveAttribute('data-status', /queued|running/);
  await retry.getByRole('button', { name: /^Cancel job lifestyle/ }).click();
  await expect(retry).toHaveAttribute('data-status', 'canceled', { timeout: 15_000 });

  await createJob(page, { mode: 'shadow', provider: 'simulated', seconds: '0', outcome: 'fail-permanent' });
  const failing = jobCard(page, 'shadow');
  await expect(failing).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });
  await expect(failing).toContainText('Error: simulated permanent failure on attempt 1');
  await failing.getByRole('button', { name: /^Retry job shadow/ }).click();
  await expect(page.getByRole('article', { name: 'shadow' })).toHaveCount(2);
  await expect(statisticsRow(page, 'canceled').locator('td').first()).toHaveText('2');
  await expectNotReloaded(page);
});

test('live: a job run by the worker shows running, then succeeded, with no polling of the job list', async ({ page }) => {
  const errors = collectPageErrors(page);
  const listReads: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'GET' && new URL(request.url()).pathname.endsWith('/rest/v1/generation_jobs')) listReads.push(request.url());
  });
  await signUp(page);
  await expect(page.getByTestId('live-status')).toHaveText('Live');
  await createProject(page, 'Live updates');
  await markPage(page);

  // The action reads the list once afterwards; from then on only the live feed moves the card.
  const actionRefresh = page.waitForResponse((response) => response.request().method() === 'GET' && response.url().includes('/rest/v1/generation_jobs?'));
  await createJob(page, { mode: 'shadow', provider: 'simulated', seconds: '3' });
  await actionRefresh;
  const readsAfterAction = listReads.length;
  const card = jobCard(page, 'shadow');
  await expect(card).toHaveAttribute('data-status', 'running', { timeout: 30_000 });
  await expect(card).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
  await expect(statisticsRow(page, 'succeeded').locator('td').first()).toHaveText('1');
  // Polling would have read the list every second while the job was active.
  expect(listReads.length).toBe(readsAfterAction);
  await expect(page.getByTestId('live-status')).toHaveText('Live');
  await expectNotReloaded(page);
  expect(errors).toEqual([]);
});

test('without the live connection the dashboard says so and polls instead', async ({ page }) => {
  // Realtime unreachable (a proxy that drops WebSockets, say).
  await page.routeWebSocket(/\/realtime\/v1\/websocket/, (ws) => ws.close());
  await signUp(page);
  await expect(page.getByTestId('live-status')).toHaveText(/^Polling every 5 s \((connecting|reconnecting)\)$/);
  await createProject(page, 'No live feed');
  await createJob(page, { mode: 'upscale', provider: 'simulated', seconds: '1' });
  await expect(page.getByTestId('live-status')).toHaveText(/^Polling every 1 s/);
  await expect(jobCard(page, 'upscale')).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
});
