import { expect, test } from '@playwright/test';
import { collectCspViolations } from '../csp-violations';
import { collectPageErrors, createJob, createProject, DEMO_USER, jobCard, signIn, signUp } from '../helpers';

// The smoke set for `next dev`: what a newcomer does first, with React StrictMode's double effects and the
// development CSP (eval for React's debugging, WebSocket for HMR) in force.

test('the login page renders and signing in reaches the dashboard, with no CSP violation or console error', async ({ page }) => {
  const violations = await collectCspViolations(page);
  const errors = collectPageErrors(page);
  const response = await page.goto('/login');
  expect(response?.headers()['content-security-policy']).toContain("'unsafe-eval'");
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in to the jobs dashboard');
  await signIn(page, DEMO_USER.email, DEMO_USER.password);
  await expect(page).toHaveURL(/\/jobs-test$/);
  await expect(page.getByTestId('user-email')).toHaveText(DEMO_USER.email);
  await expect(page.getByRole('article').first()).toBeVisible();

  // An output of the sample photos opens full size (StrictMode's double effect signs it twice, harmlessly).
  const output = page.getByRole('button', { name: /^Open the output of .* full size$/ }).first();
  await expect(output).toBeVisible({ timeout: 60_000 });
  await output.click();
  const viewer = page.getByRole('dialog', { name: /^Output of / });
  await expect(viewer.getByRole('img')).toBeVisible();
  await expect(viewer.getByRole('link', { name: 'Download' })).toHaveAttribute('href', /download=/);
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();
  expect(violations).toEqual([]);
  expect(errors).toEqual([]);
});

test('a new user creates a project and a job, and every dialog opens, cancels and confirms', async ({ page }) => {
  const violations = await collectCspViolations(page);
  const errors = collectPageErrors(page);
  await signUp(page);
  await createProject(page, 'Dev smoke');
  await createJob(page, { mode: 'studio-white', dollars: '1.25' });
  const job = jobCard(page, 'studio-white');
  await expect(job).toHaveAttribute('data-status', 'queued');
  await job.getByRole('button', { name: /^Start job studio-white/ }).click();
  await expect(job).toHaveAttribute('data-status', 'running');

  // Mark failed: the dialog stays open (StrictMode's effect cleanup must not close it), Escape closes it.
  await job.getByRole('button', { name: /^Mark failed job studio-white/ }).click();
  const failDialog = page.getByRole('dialog', { name: 'Mark job “studio-white” as failed' });
  await expect(failDialog).toBeVisible();
  await expect(failDialog.getByLabel('Error message')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(failDialog).toBeHidden();
  await expect(job).toHaveAttribute('data-status', 'running');

  await job.getByRole('button', { name: /^Mark failed job studio-white/ }).click();
  await expect(failDialog).toBeVisible();
  await failDialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(failDialog).toBeHidden();

  await job.getByRole('button', { name: /^Mark failed job studio-white/ }).click();
  await failDialog.getByLabel('Error message').fill('Provider timed out after 120 s');
  await failDialog.getByRole('button', { name: 'Mark failed' }).click();
  await expect(failDialog).toBeHidden();
  await expect(job).toHaveAttribute('data-status', 'failed');
  await expect(job).toContainText('Error: Provider timed out after 120 s');

  // Delete: cancel keeps the job, confirm removes it.
  await job.getByRole('button', { name: /^Delete job studio-white/ }).click();
  const deleteDialog = page.getByRole('dialog', { name: 'Delete job “studio-white”?' });
  await expect(deleteDialog).toBeVisible();
  await deleteDialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(deleteDialog).toBeHidden();
  await expect(job).toBeVisible();
  await job.getByRole('button', { name: /^Delete job studio-white/ }).click();
  await expect(deleteDialog).toBeVisible();
  await deleteDialog.getByRole('button', { name: 'Delete job' }).click();
  await expect(job).toHaveCount(0);
  await expect(page.getByTestId('total-jobs')).toHaveText('0');

  expect(violations).toEqual([]);
  expect(errors).toEqual([]);
});

test('live updates under React StrictMode: one channel, a worker-run job moves with no polling', async ({ page }) => {
  const errors = collectPageErrors(page);
  const listReads: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'GET' && new URL(request.url()).pathname.endsWith('/rest/v1/generation_jobs')) listReads.push(request.url());
  });
  await signUp(page);
  await expect(page.getByTestId('live-status')).toHaveText('Live');
  await createProject(page, 'Dev live');
  const actionRefresh = page.waitForResponse((response) => response.request().method() === 'GET' && response.url().includes('/rest/v1/generation_jobs?'));
  await createJob(page, { mode: 'shadow', provider: 'simulated', seconds: '3' });
  await actionRefresh;
  const readsAfterAction = listReads.length;
  const card = jobCard(page, 'shadow');
  await expect(card).toHaveAttribute('data-status', 'running');
  await expect(card).toHaveAttribute('data-status', 'succeeded');
  expect(listReads.length).toBe(readsAfterAction);
  expect(errors).toEqual([]);
});

test('the monitoring view renders its charts under next dev, with no CSP violation or console error', async ({ page }) => {
  const violations = await collectCspViolations(page);
  const errors = collectPageErrors(page);
  await page.goto('/login');
  await signIn(page, DEMO_USER.email, DEMO_USER.password);
  await expect(page).toHaveURL(/\/jobs-test$/);
  await page.getByRole('link', { name: 'Monitoring' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Monitoring');
  await expect(page.getByRole('figure', { name: 'Finished jobs per hour' }).locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();
  await page.getByLabel('Time range').selectOption('30d');
  await expect(page.getByRole('figure', { name: 'Cost per day' })).toBeVisible();
  expect(violations).toEqual([]);
  expect(errors).toEqual([]);
});
