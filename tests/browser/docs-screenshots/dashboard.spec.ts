import path from 'node:path';
import { expect, test } from '@playwright/test';
import { DEMO_USER, signIn } from '../helpers';

// `npm run docs:screenshot` only (it writes a tracked file): the README's picture of the seeded dashboard.
test('docs/dashboard.png: the demo user’s dashboard', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/login');
  await signIn(page, DEMO_USER.email, DEMO_USER.password);
  await expect(page).toHaveURL(/\/jobs-test$/);
  await expect(page.getByTestId('total-jobs')).toHaveText('18');
  // The first project: the sample photos' image jobs with their outputs.
  const outputs = page.getByRole('img', { name: /^Thumbnail of the output of / });
  await expect(outputs).toHaveCount(5, { timeout: 60_000 });
  for (const image of await outputs.all()) {
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBe(160);
  }
  // Let toasts and the "updated" time settle before the picture.
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join('docs', 'dashboard.png'), fullPage: true });
});
