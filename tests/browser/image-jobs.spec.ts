import { expect, test, type Locator } from '@playwright/test';
import { productPhoto } from '../../scripts/sample-photos.ts';
import { asAnotherUser, collectPageErrors, createProject, jobCard, signedInClient, signUp, uploadPhoto } from './helpers';

// The browser-test stack's worker runs `local` jobs (tests/browser/test-stack.ts): a photo becomes a
// generated image, and the page shows it without a reload.

const loaded = (image: Locator) => image.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0));

test('upload a photo, queue a local job, and watch its output image appear; another user cannot open it', async ({ page, browser }) => {
  const errors = collectPageErrors(page);
  const email = await signUp(page);
  await createProject(page, 'Mug shoot');
  const mug = await productPhoto({ shape: 'mug', width: 900, height: 675, color: '#16a085' });
  await uploadPhoto(page, { name: 'teal-mug.png', buffer: mug.bytes });
  await page.evaluate(() => Object.assign(window, { __noReload: true }));

  // Local image processing is the default; the mode's options come from the shared schemas.
  await expect(page.getByLabel('Provider', { exact: true })).toHaveValue('local');
  await page.getByLabel('Mode', { exact: true }).selectOption('studio-white');
  await expect(page.getByTestId('job-price')).toContainText('$1.20');
  await expect(page.getByLabel('Input photo')).toHaveValue(/.+/);
  await page.getByLabel('Margin (0–0.4 of the side)').fill('0.9');
  await page.getByRole('button', { name: 'Queue job' }).click();
  await expect(page.getByText('margin must be at most 0.4')).toBeVisible();
  await expect(page.getByRole('article')).toHaveCount(0);
  await page.getByLabel('Margin (0–0.4 of the side)').fill('0.1');
  await page.getByLabel('Output format').selectOption('png');

  // Every status the card shows, in order, from the moment it appears.
  await page.evaluate(() => {
    const seen: string[] = [];
    Object.assign(window, { __statuses: seen });
    new MutationObserver(() => {
      const status = document.querySelector('article[data-provider="local"]')?.getAttribute('data-status');
      if (status && seen.at(-1) !== status) seen.push(status);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  });
  await page.getByRole('button', { name: 'Queue job' }).click();
  const card = jobCard(page, 'studio-white');
  await expect(card).toBeVisible();
  await expect(card.getByRole('figure').filter({ hasText: 'Before' }).getByRole('img')).toBeVisible();
  await expect(card).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
  const statuses = await page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses);
  expect(statuses.at(-1)).toBe('succeeded');
  expect(['queued', 'running', 'succeeded'].filter((status) => statuses.includes(status))).toEqual(statuses);

  // The output appears in the card (and among the project's photos), without a reload.
  const after = card.getByRole('img', { name: 'Thumbnail of the output of studio-white' });
  await expect(after).toBeVisible({ timeout: 15_000 });
  await expect.poll(() => loaded(after)).toBe(160);
  await expect(page.getByRole('list', { name: 'Assets of the selected project' })).toContainText('teal-mug - studio-white.png');
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

  // Full size, and a download under the asset's name.
  await card.getByRole('button', { name: 'Open the output of studio-white full size' }).click();
  const viewer = page.getByRole('dialog', { name: 'Output of studio-white' });
  const full = viewer.getByRole('img', { name: /^Output of studio-white: teal-mug - studio-white\.png$/ });
  await expect(full).toBeVisible();
  const owner = await signedInClient(email);
  const { data: outputs } = await owner.from('assets').select('storage_path, width, height').eq('kind', 'output');
  expect(outputs).toHaveLength(1);
  const [output] = outputs!;
  await expect.poll(() => loaded(full)).toBe(output.width);
  const download = page.waitForEvent('download');
  await viewer.getByRole('link', { name: 'Download' }).click();
  expect((await download).suggestedFilename()).toBe('teal-mug - studio-white.png');
  await viewer.getByRole('button', { name: 'Close' }).click();
  await expect(viewer).toHaveCount(0);

  // Another user sees nothing of it and cannot open it through their session.
  await asAnotherUser(browser, async (other, intruder) => {
    await expect(other.getByRole('article')).toHaveCount(0);
    expect((await intruder.storage.from('generated-images').download(output.storage_path)).error).toMatchObject({ statusCode: '404' });
    expect((await intruder.storage.from('generated-images').createSignedUrl(output.storage_path, 60)).error).toMatchObject({ statusCode: '404' });
    expect((await intruder.from('assets').select('id').eq('storage_path', output.storage_path)).data).toEqual([]);
  });
  expect(errors).toEqual([]);
});
