import { expect, test } from '@playwright/test';
import { collectPageErrors, createJob, createProject, jobCard, seriousViolations, signUp } from './helpers';

// The monitoring view (/jobs-test/monitoring) with jobs the browser-test stack's worker ran.

test('monitoring: per-mode figures, charts whose tables match them, workers; accessible and keyboard-operable', async ({ page }) => {
  const errors = collectPageErrors(page);
  await signUp(page);
  await createProject(page, 'Monitored');
  await createJob(page, { mode: 'upscale', provider: 'simulated', seconds: '0' });
  await createJob(page, { mode: 'shadow', provider: 'simulated', seconds: '0', outcome: 'fail-permanent' });
  await expect(jobCard(page, 'upscale')).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
  await expect(jobCard(page, 'shadow')).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });

  await page.getByRole('link', { name: 'Monitoring' }).click();
  await expect(page).toHaveURL(/\/jobs-test\/monitoring$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Monitoring', { timeout: 30_000 });

  // get_job_metrics, per mode.
  const upscale = page.getByTestId('metrics-upscale');
  await expect(upscale.locator('td').nth(0)).toHaveText('1');
  await expect(upscale.locator('td').nth(1)).toHaveText('1');
  await expect(upscale.locator('td').nth(7)).toHaveText('$0.60');
  const shadow = page.getByTestId('metrics-shadow');
  await expect(shadow.locator('td').nth(2)).toHaveText('1');
  await expect(shadow.locator('td').nth(4)).toHaveText('100%');

  // The throughput chart says the same in words and in its table.
  const throughput = page.getByRole('figure', { name: 'Finished jobs per hour' });
  await expect(throughput).toContainText('2 jobs finished: 1 succeeded, 1 failed, 0 canceled.');
  await expect(throughput.locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();
  await throughput.getByText('Data table: finished jobs per hour').click();
  const rows = throughput.getByRole('table').locator('tbody tr');
  const counts = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))));
  expect(counts.reduce((sum, [succeeded, failed, canceled]) => [sum[0] + succeeded, sum[1] + failed, sum[2] + canceled], [0, 0, 0])).toEqual([1, 1, 0]);
  const cost = page.getByRole('figure', { name: 'Cost per hour' });
  // A job that fails for good costs what its provider reported, here nothing (its reservation is released).
  await expect(cost).toContainText('$0.60 in this window.');
  for (const name of ['Queue wait and run time', 'Failure rate']) await expect(page.getByRole('figure', { name })).toBeVisible();

  // The test stack's worker is alive; nothing is stuck.
  await expect(page.getByTestId('worker-row').first()).toHaveAttribute('data-state', 'alive');
  await expect(page.getByRole('region', { name: 'Stuck or slow jobs' })).toContainText('None: every job is moving.');

  expect(await seriousViolations(page)).toEqual([]);

  // Keyboard: the range selector and a data table disclosure.
  await page.getByLabel('Time range').focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('heading', { name: 'Last 7 days' })).toBeVisible();
  await expect(page.getByRole('figure', { name: 'Finished jobs per day' })).toContainText('2 jobs finished');
  const costPerDay = page.getByRole('figure', { name: 'Cost per day' });
  await costPerDay.getByText('Data table: cost per day').focus();
  await page.keyboard.press('Enter');
  await expect(costPerDay.getByRole('table')).toBeVisible();
  await expect(costPerDay.getByRole('table')).toContainText('$0.60');
  expect(await seriousViolations(page)).toEqual([]);
  expect(errors).toEqual([]);
});
