import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAsset, getAssetFileUrls, getAssetThumbnailUrls, PRODUCT_IMAGES_BUCKET, uploadAsset } from '../../lib/db/assets-core.ts';
import { ForbiddenError, GenerationJobError, NotFoundError, ValidationError } from '../../lib/db/errors.ts';
import { createProject } from '../../lib/db/projects-core.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { signUpUser, type SignedInUser } from '../support/users.ts';

/** The upload helpers through real sessions, Storage and the database: what a page does with a File. */
let db: TestDatabase;
let api: TestApi;
let alice: SignedInUser;
let bob: SignedInUser;
let aliceProject: string;
let bobProject: string;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  [alice, bob] = await Promise.all([signUpUser(api, 'alice'), signUpUser(api, 'bob')]);
  aliceProject = (await createProject(alice.client, { name: 'Shoes' })).id;
  bobProject = (await createProject(bob.client, { name: 'Mugs' })).id;
});

afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

const photo = async (width: number, height: number, name: string, type = 'image/png') =>
  new File([new Uint8Array(await sharp({ create: { width, height, channels: 3, background: '#c84' } }).png().toBuffer())], name, { type });
const objects = async (userId: string) =>
  db.sql<{ name: string }[]>`select name from storage.objects where bucket_id = ${PRODUCT_IMAGES_BUCKET} and owner_id = ${userId}`;

describe('uploadAsset', () => {
  it('stores the file under {user}/{project}/ and records type, size and dimensions read from the bytes', async () => {
    const file = await photo(640, 480, 'sneaker.png');
    const asset = await uploadAsset(alice.client, { project_id: aliceProject, file });
    expect(asset).toMatchObject({
      project_id: aliceProject,
      user_id: alice.id,
      name: 'sneaker.png',
      bucket: PRODUCT_IMAGES_BUCKET,
      kind: 'input',
      mime_type: 'image/png',
      size_bytes: file.size,
      width: 640,
      height: 480,
    });
    expect(asset.storage_path).toMatch(new RegExp(`^${alice.id}/${aliceProject}/[0-9a-f-]{36}\\.png$`));
    const stored = await alice.client.storage.from(PRODUCT_IMAGES_BUCKET).download(asset.storage_path);
    expect(Buffer.from(await stored.data!.arrayBuffer()).equals(Buffer.from(await file.arrayBuffer()))).toBe(true);
  });

  it('goes by the bytes, not the name or the declared type', async () => {
    const disguised = await photo(100, 100, 'notes.txt', 'text/plain');
    const asset = await uploadAsset(alice.client, { project_id: aliceProject, file: disguised, name: 'Disguised PNG' });
    expect(asset).toMatchObject({ name: 'Disguised PNG', mime_type: 'image/png' });
    expect((await alice.client.storage.from(PRODUCT_IMAGES_BUCKET).info(asset.storage_path)).data).toMatchObject({ contentType: 'image/png' });

    const before = (await objects(alice.id)).length;
    const pdf = new File([new TextEncoder().encode('%PDF-1.7\n...')], 'catalogue.png', { type: 'image/png' });
    await expect(uploadAsset(alice.client, { project_id: aliceProject, file: pdf })).rejects.toThrow(/not a PNG, JPEG or WebP/);
    await expect(uploadAsset(alice.client, { project_id: aliceProject, file: await photo(20, 20, 'tiny.png') })).rejects.toBeInstanceOf(ValidationError);
    const huge = new File([new Uint8Array(await (await photo(80, 80, 'x.png')).arrayBuffer()), new Uint8Array(10 * 1024 * 1024)], 'huge.png');
    await expect(uploadAsset(alice.client, { project_id: aliceProject, file: huge })).rejects.toThrow(/at most 10\.0 MB/);
    expect((await objects(alice.id)).length).toBe(before);
  });

  it('removes the uploaded file again when the asset row is refused (another user’s project)', async () => {
    const before = (await objects(alice.id)).length;
    const error = await uploadAsset(alice.client, { project_id: bobProject, file: await photo(100, 100, 'x.png') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((await objects(alice.id)).length).toBe(before);
    expect(await db.sql`select 1 from public.assets where project_id = ${bobProject}`).toHaveLength(0);
  });

  it('lets the database refuse an asset row whose object does not exist (PS001)', async () => {
    const { error } = await alice.client.from('assets').insert({
      project_id: aliceProject,
      name: 'ghost',
      storage_path: `${alice.id}/${aliceProject}/ghost.png`,
      bucket: PRODUCT_IMAGES_BUCKET,
      mime_type: 'image/png',
    });
    expect(error).toMatchObject({ code: 'PS001' });
    const elsewhere = await alice.client.from('assets').insert({
      project_id: aliceProject,
      name: 'misplaced',
      storage_path: `${bob.id}/${bobProject}/x.png`,
      bucket: PRODUCT_IMAGES_BUCKET,
      mime_type: 'image/png',
    });
    // Refused whichever rule fires first: no object of that name is visible, and the path is outside the owner's folder.
    expect(['PS001', '23514']).toContain(elsewhere.error?.code);
    const outside = await db.sql`
      insert into public.assets (user_id, project_id, name, storage_path, bucket, mime_type)
      values (${alice.id}, ${aliceProject}, 'x', ${`${bob.id}/${bobProject}/x.png`}, ${PRODUCT_IMAGES_BUCKET}, 'image/png')`.catch((e: { code: string }) => e);
    expect(outside).toMatchObject({ code: expect.stringMatching(/^(23514|PS001)$/) });
  });
});

describe('thumbnails and delete', () => {
  it('signs thumbnail URLs that render small images, for files only', async () => {
    const asset = await uploadAsset(alice.client, { project_id: aliceProject, file: await photo(900, 600, 'wide.png') });
    const legacy = { id: crypto.randomUUID(), bucket: null, storage_path: 'typed/by/hand.png' };
    const urls = await getAssetThumbnailUrls(alice.client, [asset, legacy], { size: 120 });
    expect(Object.keys(urls)).toEqual([asset.id]);
    const response = await fetch(urls[asset.id]);
    expect(response.status).toBe(200);
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect({ width: meta.width, height: meta.height }).toEqual({ width: 120, height: 120 });
    expect(await getAssetThumbnailUrls(bob.client, [asset])).toEqual({});
  });

  it('signs full-size view and download URLs; another user gets none', async () => {
    const asset = await uploadAsset(alice.client, { project_id: aliceProject, file: await photo(300, 200, 'full.png'), name: 'Full size.png' });
    const urls = await getAssetFileUrls(alice.client, asset);
    const view = await fetch(urls.view);
    expect(view.status).toBe(200);
    expect((await sharp(Buffer.from(await view.arrayBuffer())).metadata()).width).toBe(300);
    const download = await fetch(urls.download);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename=Full%20size\.png/);
    await expect(getAssetFileUrls(bob.client, asset)).rejects.toBeInstanceOf(GenerationJobError);
    await expect(getAssetFileUrls(alice.client, { bucket: null, storage_path: 'x/y.png', name: 'legacy' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes the file and the row; another user’s asset is not found', async () => {
    const asset = await uploadAsset(alice.client, { project_id: aliceProject, file: await photo(200, 200, 'gone.png') });
    await expect(deleteAsset(bob.client, asset.id)).rejects.toBeInstanceOf(NotFoundError);
    await deleteAsset(alice.client, asset.id);
    expect(await db.sql`select 1 from public.assets where id = ${asset.id}`).toHaveLength(0);
    expect(await db.sql`select 1 from storage.objects where name = ${asset.storage_path}`).toHaveLength(0);
    await expect(deleteAsset(alice.client, asset.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
