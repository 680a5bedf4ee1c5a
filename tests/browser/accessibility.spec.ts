import { expect, test } from '@playwright/test';
import { DEMO_USER, seriousViolations, signIn } from './helpers';

test('/login has no serious or critical axe violations', async ({ page }) => {
  await page.goto('/login');
  expect(await seriousViolations(page)).toEqual([]);

  // Also with an inline error showing.
  await signIn(page, DEMO_USER.email, 'wrong-password');
  await expect(page.getByRole('alert').first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('/jobs-test has no serious or critical axe violations', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, DEMO_USER.email, DEMO_USER.password);
  await expect(page).toHaveURL(/\/jobs-test$/);
  await expect(page.getByRole('article').first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  // With an output image open full size.
  await page.getByRole('button', { name: /^Open the output of .* full size$/ }).first().click({ timeout: 60_000 });
  const viewer = page.getByRole('dialog', { name: /^Output of / });
  await expect(viewer.getByRole('img')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  // With the documentation open and the fail dialog showing.
  await page.getByText('Technical documentation').click();
  const running = page.locator('article[data-status="running"]').first();
  await page.getByLabel('Selected project', { exact: true }).selectOption({ label: 'Spring sneaker launch' });
  await running.getByRole('button', { name: /^Mark failed/ }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Error message')).toBeFocused();
  expect(await seriousViolations(page)).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});

test('the dashboard is keyboard operable', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, DEMO_USER.email, DEMO_USER.password);
  await expect(page).toHaveURL(/\/jobs-test$/);
  await page.reload(); // focus starts at the top of a freshly loaded page
  // Tab from the top reaches the navigation, monitoring, security settings, sign out, and the project selector, in order.
  await expect(page.getByRole('article').first()).toBeVisible(); // streamed in after the loading skeleton
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'commerce-pix' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Jobs dashboard' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Monitoring' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Two-factor authentication' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Selected project', { exact: true })).toBeFocused();
});
