import { expect, test } from '@playwright/test';
import { collectPageErrors, createJob, createProject, jobCard, signUp } from './helpers';

/**
 * The database no longer stores timestamps it did not set (a client's `infinity` is refused), but a
 * dashboard must survive whatever the API answers: rows from an older schema, a restore, another tool. So
 * the API's answer is rewritten on its way to the browser, as such a row would arrive.
 */
test('a job whose timestamps are infinity renders with a placeholder instead of crashing the dashboard', async ({ page }) => {
  const errors = collectPageErrors(page);
  // Live changes would bring the row's real timestamps; the polling fallback reads the rewritten answers.
  await page.routeWebSocket(/\/realtime\/v1\/websocket/, (ws) => ws.close());
  await signUp(page);
  await createProject(page, 'Timeless');
  await createJob(page, { mode: 'timeless', dollars: '1.25' });

  await page.route(/\/rest\/v1\/(generation_jobs|rpc\/get_recent_jobs)/, async (route) => {
    const response = await route.fetch();
    const body = (await response.text()).replace(/"(created_at|updated_at)":"[^"]*"/g, '"$1":"infinity"');
    await route.fulfill({ response, body });
  });

  const job = jobCard(page, 'timeless');
  // Any action refreshes the dashboard through the browser's client, which reads the rewritten answer.
  await job.getByRole('button', { name: /^Start job timeless/ }).click();
  await expect(job).toHaveAttribute('data-status', 'running');
  await expect(job.locator('dd').filter({ has: page.locator('time') }).first()).toHaveText('Unknown');
  await expect(job.locator('time').first()).not.toHaveAttribute('datetime');
  await expect(page.getByTestId('total-cost')).toHaveText('$1.25');
  expect(errors).toEqual([]);
});
