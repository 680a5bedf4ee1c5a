import path from 'node:path';
import { expect, test } from '@playwright/test';
import { DEMO_USER, signIn } from '../helpers';

// `npm run docs:screenshot` only (it writes a tracked file): the README's picture of the seeded dashboard.
test('docs/dashboard.png: the demo user’s dashboard', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/login');
  await signIn(page, DEMO_USER.email, DEMO_USER.password);
  await expect(page).toHaveURL(/\/jobs-test$/);
  await expect(page.getByTestId('total-jobs')).toHaveText('10');
  await page.getByLabel('Selected project', { exact: true }).selectOption({ label: 'Spring sneaker launch' });
  await expect(page.getByRole('article')).toHaveCount(7);
  await expect(page.getByRole('list', { name: 'Assets of the selected project' })).toContainText('Sneaker, side view');
  // Let toasts and the "updated" time settle before the picture.
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join('docs', 'dashboard.png'), fullPage: true });
});
