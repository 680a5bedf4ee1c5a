import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { SUPABASE_LOCAL_JWT_SECRET } from '../../local-stack/config.ts';
import { apiKeys } from '../../local-stack/keys.ts';
import { API_URL, asAnotherUser, collectPageErrors, createJob, createProject, jobCard, pngFile, signedInClient, signUp, uploadPhoto } from './helpers';

test('a fresh user uploads a real PNG, sees its thumbnail and queues a job on it; another user cannot read it', async ({ page, browser }) => {
  const errors = collectPageErrors(page);
  const email = await signUp(page);
  await createProject(page, 'Upload launch');
  await expect(page.getByText('This project has no photos yet.')).toBeVisible();

  await uploadPhoto(page, { name: 'red-sneaker.png', buffer: await pngFile(640, 480) });
  const item = page.getByTestId('asset-item').filter({ hasText: 'red-sneaker.png' });
  await expect(item).toContainText('image/png · 640×480');
  const thumbnail = item.getByRole('img', { name: 'Thumbnail of red-sneaker.png' });
  await expect(thumbnail).toBeVisible();
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(160);

  await createJob(page, { mode: 'studio-white', dollars: '1.20', asset: 'red-sneaker.png' });
  await expect(jobCard(page, 'studio-white')).toContainText('red-sneaker.png');

  // What the page stored: the object under the user's folder, the asset row pointing at it.
  const owner = await signedInClient(email);
  const { data: assets } = await owner.from('assets').select('storage_path, bucket, width, height').eq('name', 'red-sneaker.png');
  expect(assets).toHaveLength(1);
  const [asset] = assets!;
  expect(asset).toMatchObject({ bucket: 'product-images', width: 640, height: 480 });
  expect((await owner.storage.from('product-images').download(asset.storage_path)).error).toBeNull();

  // A second user: nothing in their dashboard, and neither the path nor the URLs open the file for them.
  await asAnotherUser(browser, async (other, intruder) => {
    await expect(other.getByText('red-sneaker.png')).toHaveCount(0);
    expect((await intruder.storage.from('product-images').download(asset.storage_path)).error).toMatchObject({ statusCode: '404' });
    expect((await intruder.storage.from('product-images').createSignedUrl(asset.storage_path, 60)).error).toMatchObject({ statusCode: '404' });
    const { anonKey } = await apiKeys(SUPABASE_LOCAL_JWT_SECRET);
    const session = (await intruder.auth.getSession()).data.session!;
    const byUrl = await other.request.get(`${API_URL}/storage/v1/object/authenticated/product-images/${asset.storage_path}`, {
      headers: { apikey: anonKey, authorization: `Bearer ${session.access_token}` },
    });
    expect(byUrl.status()).toBe(400);
    expect(await byUrl.json()).toMatchObject({ statusCode: '404', message: 'Object not found' });
    const publicUrl = await other.request.get(`${API_URL}/storage/v1/object/public/product-images/${asset.storage_path}`);
    expect(await publicUrl.json()).toMatchObject({ statusCode: '404', message: 'Bucket not found' });
  });
  expect(errors).toEqual([]);
});

test('drag and drop uploads; wrong files are refused with a clear message before any request', async ({ page }) => {
  await signUp(page);
  await createProject(page, 'Drops');

  const webp = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#2a9d8f' } }).webp().toBuffer();
  await page.getByTestId('photo-drop-zone').evaluate((zone, base64) => {
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], 'dropped.webp', { type: 'image/webp' }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, webp.toString('base64'));
  await expect(page.getByTestId('asset-item').filter({ hasText: 'dropped.webp' })).toContainText('image/webp · 300×200');

  let uploads = 0;
  page.on('request', (request) => {
    if (request.url().includes('/storage/v1/object/')) uploads += 1;
  });
  await page.getByLabel('Product photo', { exact: true }).setInputFiles({ name: 'not-really.png', mimeType: 'image/png', buffer: Buffer.from('%PDF-1.7 a catalogue') });
  await expect(page.getByRole('alert').filter({ hasText: 'not a PNG, JPEG or WebP' })).toBeVisible();
  await page.getByLabel('Product photo', { exact: true }).setInputFiles({ name: 'tiny.png', mimeType: 'image/png', buffer: await pngFile(16, 16) });
  await expect(page.getByRole('alert').filter({ hasText: 'at least 64×64' })).toBeVisible();
  expect(uploads).toBe(0);
  await expect(page.getByTestId('asset-item')).toHaveCount(1);
});

test('deleting an asset removes its file and its row', async ({ page }) => {
  const email = await signUp(page);
  await createProject(page, 'Deletes');
  await uploadPhoto(page, { name: 'to-delete.png', buffer: await pngFile(200, 200, '#264653') });
  const owner = await signedInClient(email);
  const { data } = await owner.from('assets').select('storage_path').eq('name', 'to-delete.png').single();

  await page.getByRole('button', { name: 'Delete asset to-delete.png' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete asset “to-delete.png”?' });
  await dialog.getByRole('button', { name: 'Delete asset' }).click();
  await expect(page.getByTestId('asset-item')).toHaveCount(0);
  expect((await owner.from('assets').select('id').eq('name', 'to-delete.png')).data).toEqual([]);
  expect((await owner.storage.from('product-images').exists(data!.storage_path)).data).toBe(false);
});
