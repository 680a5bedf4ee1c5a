import { expect, test } from '@playwright/test';
import { asSuperuser } from './database';
import { collectPageErrors, createProject, jobCard, signUp } from './helpers';

test('a job whose timestamps are infinity renders with a placeholder instead of crashing the dashboard', async ({ page }) => {
  const errors = collectPageErrors(page);
  const email = await signUp(page);
  await createProject(page, 'Timeless');

  await asSuperuser((sql) =>
    sql.begin(async (tx) => {
      // The database sets job timestamps itself (triggers); an old row, a restore or a manual fix can still
      // hold 'infinity'. With triggers off for this one transaction, the row is written as given.
      await tx`set local session_replication_role = replica`;
      await tx`
        insert into public.generation_jobs (user_id, project_id, mode, cost_cents, created_at, updated_at)
        select p.user_id, p.id, 'timeless', 125, 'infinity', 'infinity'
        from public.projects p join auth.users u on u.id = p.user_id
        where u.email = ${email.toLowerCase()} and p.name = 'Timeless'`;
    }),
  );

  await page.reload(); // server-rendered first page
  const job = jobCard(page, 'timeless');
  await expect(job).toBeVisible();
  await expect(job.locator('dd').filter({ has: page.locator('time') })).toHaveText(['Unknown', 'Unknown']);
  await expect(job.locator('time').first()).not.toHaveAttribute('datetime');
  await expect(page.getByTestId('total-cost')).toHaveText('$1.25');

  // The browser's own refresh renders it too (polling keeps the dashboard up to date).
  await job.getByRole('button', { name: /^Start job timeless/ }).click();
  await expect(job).toHaveAttribute('data-status', 'running');
  expect(errors).toEqual([]);
});
