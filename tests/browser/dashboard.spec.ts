import { expect, test, type Page } from '@playwright/test';
import { collectPageErrors, createJob, createProject, jobCard, pngFile, signUp, statisticsRow, uploadPhoto } from './helpers';

/** A marker on window that a navigation or reload would wipe out. */
async function markPage(page: Page) {
  await page.evaluate(() => Object.assign(window, { __noReload: true }));
}
async function expectNotReloaded(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
}

test('a job goes through its whole life, with statistics and costs following along', async ({ page }) => {
  const errors = collectPageErrors(page);
  await signUp(page);
  await expect(page.getByText('No projects yet')).toBeVisible();
  await expect(page.getByTestId('total-jobs')).toHaveText('0');
  await markPage(page);

  await createProject(page, 'Spring launch');
  await expect(page.getByText('No jobs in this project yet')).toBeVisible();
  await uploadPhoto(page, { name: 'Sneaker, side view.png', buffer: await pngFile() });

  // Queue a job with that input asset.
  await createJob(page, { mode: 'lifestyle', dollars: '2.50', asset: 'Sneaker, side view.png' });
  const lifestyle = jobCard(page, 'lifestyle');
  await expect(lifestyle).toHaveAttribute('data-status', 'queued');
  await expect(lifestyle).toContainText('Queued');
  await expect(lifestyle).toContainText('$2.50');
  await expect(lifestyle).toContainText('Sneaker, side view.png');
  await expect(page.getByTestId('total-jobs')).toHaveText('1');
  await expect(page.getByTestId('total-cost')).toHaveText('$2.50');
  await expect(statisticsRow(page, 'queued')).toContainText('1');

  // Only the allowed transitions are offered: queued → running → succeeded | failed.
  await expect(lifestyle.getByRole('button', { name: /^Mark/ })).toHaveCount(0);
  await lifestyle.getByRole('button', { name: /^Start job lifestyle/ }).click();
  await expect(lifestyle).toHaveAttribute('data-status', 'running');
  await expect(lifestyle.getByRole('button', { name: /^Start/ })).toHaveCount(0);
  await expect(statisticsRow(page, 'running').locator('td').first()).toHaveText('1');
  await lifestyle.getByRole('button', { name: /^Mark succeeded job lifestyle/ }).click();
  await expect(lifestyle).toHaveAttribute('data-status', 'succeeded');
  await expect(lifestyle).toContainText('Succeeded');
  await expect(lifestyle.getByRole('button', { name: /^(Start|Mark)/ })).toHaveCount(0);
  await expect(statisticsRow(page, 'succeeded').locator('td')).toHaveText(['1', '$2.50', '$2.50']);

  // A second job fails, with a required message.
  await createJob(page, { mode: 'studio-white', dollars: '1' });
  const studio = jobCard(page, 'studio-white');
  await expect(studio).toContainText('None');
  await expect(page.getByTestId('total-cost')).toHaveText('$3.50');
  await expect(page.getByTestId('average-cost')).toHaveText('$1.75');
  await studio.getByRole('button', { name: /^Start job studio-white/ }).click();
  await expect(studio).toHaveAttribute('data-status', 'running');
  await studio.getByRole('button', { name: /^Mark failed job studio-white/ }).click();
  const failDialog = page.getByRole('dialog', { name: 'Mark job “studio-white” as failed' });
  await expect(failDialog).toBeVisible();
  await failDialog.getByRole('button', { name: 'Mark failed' }).click();
  await expect(failDialog.getByText('Enter an error message')).toBeVisible();
  await failDialog.getByLabel('Error message').fill('Provider timed out after 120 s');
  await failDialog.getByRole('button', { name: 'Mark failed' }).click();
  await expect(failDialog).toBeHidden();
  await expect(studio).toHaveAttribute('data-status', 'failed');
  await expect(studio).toContainText('Error: Provider timed out after 120 s');
  await expect(statisticsRow(page, 'failed').locator('td')).toHaveText(['1', '$1.00', '$1.00']);
  await expect(statisticsRow(page, 'running').locator('td').first()).toHaveText('0');

  // Delete asks first; cancelling keeps the job.
  await studio.getByRole('button', { name: /^Delete job studio-white/ }).click();
  const deleteDialog = page.getByRole('dialog', { name: 'Delete job “studio-white”?' });
  await deleteDialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(deleteDialog).toBeHidden();
  await expect(studio).toBeVisible();
  await studio.getByRole('button', { name: /^Delete job studio-white/ }).click();
  await deleteDialog.getByRole('button', { name: 'Delete job' }).click();
  await expect(studio).toHaveCount(0);
  await expect(page.getByTestId('total-jobs')).toHaveText('1');
  await expect(page.getByTestId('total-cost')).toHaveText('$2.50');
  await expect(statisticsRow(page, 'failed').locator('td').first()).toHaveText('0');

  await expectNotReloaded(page);
  expect(errors).toEqual([]);
});

test('the dashboard picks up changes made elsewhere without a reload (polling)', async ({ page, context }) => {
  await signUp(page);
  await createProject(page, 'Polled project');
  await markPage(page);

  const other = await context.newPage();
  await other.goto('/jobs-test');
  await createJob(other, { mode: 'upscale', dollars: '0.60' });
  await jobCard(other, 'upscale').getByRole('button', { name: /^Start job upscale/ }).click();
  await expect(jobCard(other, 'upscale')).toHaveAttribute('data-status', 'running');

  await expect(jobCard(page, 'upscale')).toHaveAttribute('data-status', 'running', { timeout: 12_000 });
  await expect(page.getByTestId('total-cost')).toHaveText('$0.60');
  await expectNotReloaded(page);
});

test('a job with an invalid custom mode is refused before any request', async ({ page }) => {
  await signUp(page);
  await createProject(page, 'Validation');
  await page.getByLabel('Provider', { exact: true }).selectOption('manual'); // any slug is a manual job's mode
  await page.getByLabel('Mode', { exact: true }).selectOption('__custom__');
  await page.getByLabel('Custom mode').fill('Hero Banner');
  await page.getByRole('button', { name: 'Queue job' }).click();
  await expect(page.getByText('mode is a lowercase slug')).toBeVisible();
  await expect(page.getByLabel('Custom mode')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Custom mode').fill('hero-banner');
  await page.getByRole('button', { name: 'Queue job' }).click();
  await expect(jobCard(page, 'hero-banner')).toBeVisible();
});

test('“Load more” pages through a project’s jobs', async ({ page }) => {
  await signUp(page);
  await createProject(page, 'Many jobs');
  for (let i = 1; i <= 11; i++) await createJob(page, { mode: `batch-${String(i).padStart(2, '0')}`, dollars: '0.10' });
  await page.reload(); // the first page comes from the server: 10 jobs and a cursor
  await expect(page.getByRole('article')).toHaveCount(10);
  // The next page is slow to come; meanwhile an action refreshes the dashboard. The refresh supersedes the
  // page, so it must bring it too.
  let slowed = false;
  await page.route(/\/rest\/v1\/generation_jobs\?.*created_at\.lt/, async (route) => {
    slowed = true;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await route.continue();
  });
  await page.getByRole('button', { name: 'Load more jobs' }).click();
  await expect.poll(() => slowed).toBe(true);
  await jobCard(page, 'batch-11').getByRole('button', { name: /^Start job batch-11/ }).click();
  await expect(jobCard(page, 'batch-11')).toHaveAttribute('data-status', 'running');
  await expect(page.getByRole('article')).toHaveCount(11);
  await expect(page.getByRole('button', { name: 'Load more jobs' })).toHaveCount(0);
  await expect(page.getByTestId('total-cost')).toHaveText('$1.10');
});

test('another user sees none of the first user’s projects or jobs', async ({ page, browser }) => {
  await signUp(page);
  await createProject(page, 'Top secret shoot');
  await createJob(page, { mode: 'background-removal', dollars: '0.40' });

  const otherContext = await browser.newContext();
  try {
    const other = await otherContext.newPage();
    await signUp(other);
    await expect(other.getByText('No projects yet')).toBeVisible();
    await expect(other.getByText('Top secret shoot')).toHaveCount(0);
    await expect(other.getByRole('article')).toHaveCount(0);
    await expect(other.getByTestId('total-jobs')).toHaveText('0');
    await expect(other.getByTestId('total-cost')).toHaveText('$0.00');
  } finally {
    await otherContext.close();
  }
  // The first user still sees theirs.
  await expect(jobCard(page, 'background-removal')).toBeVisible();
});
