import { expect, test } from '@playwright/test';
import { collectPageErrors, DEMO_USER, jobCard, signIn, statisticsRow } from './helpers';

// Read-only: other tests sign in as the demo user too, and `npm run docs:screenshot` shows the seed.
test('the seeded demo user sees a populated dashboard', async ({ page }) => {
  const errors = collectPageErrors(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/login');
  await signIn(page, DEMO_USER.email, DEMO_USER.password);
  await expect(page).toHaveURL(/\/jobs-test$/);

  // Statistics cover all projects: jobs in every status.
  for (const status of ['queued', 'running', 'succeeded', 'failed', 'canceled']) {
    await expect(statisticsRow(page, status).locator('td').first()).not.toHaveText('0');
  }
  await expect(page.getByTestId('total-jobs')).toHaveText('11');

  const projects = page.getByLabel('Selected project', { exact: true });
  await expect(projects.locator('option')).toHaveText(['Ceramic mug catalogue', 'Spring sneaker launch']);
  await projects.selectOption({ label: 'Spring sneaker launch' });
  await expect(page.getByRole('heading', { name: 'Jobs in Spring sneaker launch' })).toBeVisible();
  await expect(page.getByRole('article')).toHaveCount(7);
  for (const status of ['queued', 'running', 'succeeded', 'failed']) {
    await expect(page.locator(`article[data-status="${status}"]`).first()).toBeVisible();
  }
  await expect(page.getByText('Error: Provider timed out after 120 s')).toBeVisible();
  await expect(jobCard(page, 'upscale').first()).toBeVisible();
  await expect(page.getByRole('list', { name: 'Assets of the selected project' })).toContainText('Sneaker, side view');

  expect(errors).toEqual([]);
});
