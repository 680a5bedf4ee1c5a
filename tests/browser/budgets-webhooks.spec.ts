import { expect, test, type Page } from '@playwright/test';
import { Webhook } from 'standardwebhooks';
import { startWebhookReceiver } from '../support/webhook-receiver';
import { collectPageErrors, createJob, createProject, jobCard, seriousViolations, signUp } from './helpers';

// The browser-test stack runs a worker that delivers webhooks to local receivers (test-stack.ts).

/** axe on the page once the toasts have faded in (mid-animation they have no contrast to speak of). */
async function expectAccessible(page: Page) {
  await expect
    .poll(() => page.evaluate(() => [...document.querySelectorAll('[data-sonner-toast]')].every((toast) => getComputedStyle(toast).opacity === '1')))
    .toBe(true);
  expect(await seriousViolations(page)).toEqual([]);
}

test('set a budget, see a job refused with the reason, and the usage move with the jobs', async ({ page }) => {
  const errors = collectPageErrors(page);
  await signUp(page);
  await createProject(page, 'Budgeted');
  const budgets = page.getByRole('region', { name: 'Budgets' });
  await expect(budgets.getByTestId('budget-usage-account')).toContainText('$0.00 spent and $0.00 reserved; no limit');

  const projectBudget = budgets.getByRole('form', { name: 'Budgeted budget' });
  await projectBudget.getByLabel('Budgeted monthly limit (USD)').fill('1.00');
  await projectBudget.getByRole('button', { name: 'Set limit' }).click();
  const usage = budgets.getByTestId('budget-usage-project');
  await expect(usage).toContainText('$0.00 of $1.00 used');

  // A long simulated job reserves its price ($0.60 for upscale) while it runs.
  await createJob(page, { mode: 'upscale', provider: 'simulated', seconds: '600' });
  await expect(usage).toContainText('$0.60 of $1.00 used ($0.00 spent, $0.60 reserved)');
  await expect(budgets.getByRole('meter', { name: 'Budgeted: monthly spend' })).toHaveAttribute('aria-valuenow', '60');

  // studio-white costs $1.20: refused, and the form says why.
  await page.getByLabel('Provider', { exact: true }).selectOption('simulated');
  await page.getByLabel('Mode', { exact: true }).selectOption('studio-white');
  await page.getByRole('button', { name: 'Queue job' }).click();
  const refusal = page.getByTestId('budget-refusal');
  await expect(refusal).toBeVisible();
  await expect(refusal).toHaveAttribute('role', 'alert');
  await expect(refusal).toContainText(/monthly budget of project "Budgeted" exceeded: the limit is \$1\.00 for \d{4}-\d\d \(UTC\); \$0\.00 is spent and \$0\.60 reserved, and this job needs \$1\.20/);
  await expect(refusal.getByText('Needed')).toBeVisible();
  await expect(jobCard(page, 'studio-white')).toHaveCount(0);
  await expectAccessible(page);

  // Canceling the running job releases its reservation; then the same job fits.
  await jobCard(page, 'upscale').getByRole('button', { name: /^Cancel job upscale/ }).click();
  await expect(jobCard(page, 'upscale')).toHaveAttribute('data-status', 'canceled', { timeout: 15_000 });
  await expect(usage).toContainText('$0.00 of $1.00 used');
  await projectBudget.getByRole('button', { name: 'Remove the Budgeted budget' }).click();
  await expect(usage).toContainText('no limit');
  await createJob(page, { mode: 'studio-white', provider: 'simulated', seconds: '0' });
  await expect(refusal).toHaveCount(0);
  // The refused insert is the one failed request (PostgREST answers PJ008 with 400): nothing else went wrong.
  expect(errors.filter((error) => !error.includes('status of 400 (Bad Request)'))).toEqual([]);
  expect(errors).toHaveLength(1);
});

test('add a webhook endpoint, reveal its secret, see deliveries logged, replay one', async ({ page }) => {
  const errors = collectPageErrors(page);
  const receiver = await startWebhookReceiver(() => ({ status: 200, body: 'thanks' }));
  try {
    await signUp(page);
    await createProject(page, 'Hooked');
    const panel = page.getByRole('region', { name: 'Webhooks of Hooked' });
    await expect(panel.getByText('No endpoints yet.')).toBeVisible();

    const form = panel.getByRole('form', { name: 'Add a webhook endpoint' });
    await form.getByLabel('Endpoint URL').fill('not a url');
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    await expect(form.getByText('enter an http:// or https:// URL')).toBeVisible();
    await form.getByLabel('Endpoint URL').fill(receiver.url);
    await form.getByLabel('Description (optional)').fill('Order system');
    await form.getByRole('button', { name: 'Add endpoint' }).click();

    const endpoint = panel.getByRole('article', { name: `Webhook endpoint ${receiver.url}` });
    await expect(endpoint).toContainText('Enabled');
    await expect(endpoint).toContainText('job.succeeded');
    await expect(endpoint.getByTestId('webhook-secret')).toHaveCount(0);
    await endpoint.getByRole('button', { name: 'Reveal secret' }).click();
    const secret = (await endpoint.getByTestId('webhook-secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);

    // A test event, then a job's completion: both delivered, logged with their attempt.
    await endpoint.getByRole('button', { name: 'Send test event' }).click();
    const log = endpoint.getByRole('list', { name: `Deliveries to ${receiver.url}` });
    const test = log.locator('[data-testid="webhook-delivery"][data-event-type="webhook.test"]');
    await expect(test).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
    await expect(test).toContainText('Delivered');
    await expect(test.getByTestId('webhook-delivery-attempts')).toHaveText('1 attempt');
    await test.getByText(/^Attempts of/).click();
    await expect(test).toContainText('HTTP 200');
    await expect(test).toContainText('thanks');

    await createJob(page, { mode: 'shadow', provider: 'simulated', seconds: '0' });
    const succeeded = log.locator('[data-testid="webhook-delivery"][data-event-type="job.succeeded"]');
    await expect(succeeded).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
    const request = receiver.received.find((r) => r.body.includes('"job.succeeded"'))!;
    expect(new Webhook(secret).verify(request.body, request.headers)).toMatchObject({ type: 'job.succeeded', data: { mode: 'shadow', status: 'succeeded' } });

    await succeeded.getByRole('button', { name: /^Replay job\.succeeded delivery/ }).click();
    await expect(log.locator('[data-event-type="job.succeeded"]')).toHaveCount(2);
    await expect(log.locator('[data-event-type="job.succeeded"]').filter({ hasText: 'replay of' })).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
    expect(receiver.received.filter((r) => r.headers['webhook-id'] === request.headers['webhook-id'])).toHaveLength(2);
    await expectAccessible(page);

    await endpoint.getByRole('button', { name: 'Disable' }).click();
    await expect(endpoint).toContainText('Disabled');
    await expect(endpoint.getByRole('button', { name: 'Send test event' })).toBeDisabled();
    expect(errors).toEqual([]);
  } finally {
    await receiver.close();
  }
});
