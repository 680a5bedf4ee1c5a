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
  // The seed's 11 hand-driven jobs and the 7 image jobs of its sample photos (scripts/seed-images.ts).
  await expect(page.getByTestId('total-jobs')).toHaveText('18');

  // The first project shows the sample photos' jobs, finished by the worker: before and after images.
  await expect(page.getByLabel('Selected project', { exact: true }).locator('option:checked')).toHaveText('Ceramic mug catalogue');
  const finished = page.locator('article[data-provider="local"][data-status="succeeded"]');
  await expect(finished).toHaveCount(5, { timeout: 60_000 });
  for (const card of await finished.all()) {
    const after = card.getByRole('img', { name: /^Thumbnail of the output of / });
    await expect(after).toBeVisible();
    await expect.poll(() => after.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBe(160);
    await expect(card.getByRole('img', { name: /^Thumbnail of the input of / })).toBeVisible();
  }
  await expect(jobCard(page, 'lifestyle').first()).toBeVisible();
  await expect(page.getByRole('list', { name: 'Assets of the selected project' })).toContainText('Red mug, studio shot - studio-white.jpg');

  const projects = page.getByLabel('Selected project', { exact: true });
  await expect(projects.locator('option')).toHaveText(['Ceramic mug catalogue', 'Spring sneaker launch']);
  await projects.selectOption({ label: 'Spring sneaker launch' });
  await expect(page.getByRole('heading', { name: 'Jobs in Spring sneaker launch' })).toBeVisible();
  await expect(page.getByRole('article')).toHaveCount(9);
  await expect(page.locator('article[data-provider="local"][data-status="succeeded"]')).toHaveCount(2, { timeout: 30_000 });
  for (const status of ['queued', 'running', 'succeeded', 'failed']) {
    await expect(page.locator(`article[data-status="${status}"]`).first()).toBeVisible();
  }
  await expect(page.getByText('Error: Provider timed out after 120 s')).toBeVisible();
  await expect(jobCard(page, 'upscale').first()).toBeVisible();
  await expect(page.getByRole('list', { name: 'Assets of the selected project' })).toContainText('Sneaker, side view');

  expect(errors).toEqual([]);
});
