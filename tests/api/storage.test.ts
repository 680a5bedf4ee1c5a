import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SupabaseClient } from '@supabase/supabase-js';
import { StorageClient } from '@supabase/storage-js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../local-stack/http/jwt.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { apiClient, signUpUser, type SignedInUser } from '../support/users.ts';

/**
 * Storage conformance through supabase-js (its storage-js is the spec), as anon, two users and the service
 * role, over the migration's private buckets and policies and buckets made here.
 */
let db: TestDatabase;
let api: TestApi;
let storageDir: string;
let alice: SignedInUser;
let bob: SignedInUser;
let anon: SupabaseClient;
let service: SupabaseClient;
const BUCKET = 'product-images';

beforeAll(async () => {
  db = await createTestDatabase();
  storageDir = mkdtempSync(path.join(os.tmpdir(), 'storage-test-'));
  api = await startTestApi(db, { storageDir });
  [alice, bob] = await Promise.all([signUpUser(api, 'alice'), signUpUser(api, 'bob')]);
  anon = apiClient(api);
  service = apiClient(api, api.serviceRoleKey);
});

afterAll(async () => {
  await api?.stop();
  await db?.drop();
  rmSync(storageDir, { recursive: true, force: true });
});

const png = (width = 80, height = 60, color = '#d33') =>
  sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
const storedFiles = () => readdirSync(path.join(storageDir, 'objects'), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
/** storage-js with no key and no session at all. */
const anonymousStorage = () => new StorageClient(`${api.url}/storage/v1`);
const bucketName = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;

/** The raw answer of a Storage route, for the shapes supabase-js hides. */
async function raw(pathname: string, init: RequestInit = {}) {
  const response = await fetch(`${api.url}/storage/v1${pathname}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, body };
}

describe('buckets', () => {
  it('lists the migration buckets for the service role and nothing for users (RLS on storage.buckets)', async () => {
    const { data, error } = await service.storage.listBuckets();
    expect(error).toBeNull();
    expect(data!.map((bucket) => bucket.id)).toEqual(expect.arrayContaining(['product-images', 'generated-images']));
    const productImages = data!.find((bucket) => bucket.id === 'product-images')!;
    expect(productImages).toMatchObject({ public: false, file_size_limit: 10485760, allowed_mime_types: ['image/png', 'image/jpeg', 'image/webp'] });
    expect((await alice.client.storage.listBuckets()).data).toEqual([]);
    expect((await anon.storage.listBuckets()).data).toEqual([]);
  });

  it('creates, reads, updates, empties and deletes a bucket; refuses users without a policy', async () => {
    const id = bucketName('docs');
    expect(await service.storage.createBucket(id, { public: false, fileSizeLimit: '1MB', allowedMimeTypes: ['text/plain'] })).toEqual({ data: { name: id }, error: null });
    const { data: bucket } = await service.storage.getBucket(id);
    expect(bucket).toMatchObject({ id, name: id, public: false, file_size_limit: 1_000_000, allowed_mime_types: ['text/plain'] });
    expect(typeof bucket!.created_at).toBe('string');
    const duplicate = await service.storage.createBucket(id);
    expect(duplicate.error).toMatchObject({ status: 400, statusCode: '409', message: 'The resource already exists' });
    expect((await service.storage.updateBucket(id, { public: true, fileSizeLimit: null, allowedMimeTypes: null })).data).toEqual({ message: 'Successfully updated' });
    expect((await service.storage.getBucket(id)).data).toMatchObject({ public: true, file_size_limit: null, allowed_mime_types: null });
    await service.storage.from(id).upload('a.txt', Buffer.from('a'), { contentType: 'text/plain' });
    expect((await service.storage.deleteBucket(id)).error).toMatchObject({ statusCode: '409', message: 'The bucket you tried to delete is not empty' });
    expect((await service.storage.emptyBucket(id)).data).toEqual({ message: 'Successfully emptied' });
    expect((await service.storage.deleteBucket(id)).data).toEqual({ message: 'Successfully deleted' });
    expect((await service.storage.getBucket(id)).error).toMatchObject({ status: 400, statusCode: '404', message: 'Bucket not found' });

    const refused = await alice.client.storage.createBucket(bucketName('mine'));
    expect(refused.error).toMatchObject({ status: 400, statusCode: '403' });
    expect(refused.error!.message).toMatch(/row-level security/);
    expect((await service.storage.createBucket(bucketName('huge'), { public: false, fileSizeLimit: '100GB' })).error).toMatchObject({ statusCode: '413' });
    expect((await service.storage.createBucket('bad/name', { public: false })).error).toMatchObject({ statusCode: '400' });
  });
});

describe('objects under RLS (product-images: a user reads and writes only their own folder)', () => {
  it('uploads raw bodies and multipart Blobs, answering what storage-js returns', async () => {
    const raw1 = await alice.client.storage.from(BUCKET).upload(`${alice.id}/p1/raw.png`, await png(), { contentType: 'image/png' });
    expect(raw1.error).toBeNull();
    expect(raw1.data).toEqual({ path: `${alice.id}/p1/raw.png`, id: expect.any(String), fullPath: `${BUCKET}/${alice.id}/p1/raw.png` });
    const blob = new Blob([await png(90, 90, '#3a3')], { type: 'image/png' });
    const multipart = await alice.client.storage.from(BUCKET).upload(`${alice.id}/p1/blob.png`, blob, { cacheControl: '60', metadata: { shot: 'front' } });
    expect(multipart.error).toBeNull();
    const info = await alice.client.storage.from(BUCKET).info(`${alice.id}/p1/blob.png`);
    expect(info.data).toMatchObject({ name: `${alice.id}/p1/blob.png`, bucketId: BUCKET, contentType: 'image/png', cacheControl: 'max-age=60', metadata: { shot: 'front' } });
    expect(info.data!.size).toBe(blob.size);
    expect((await alice.client.storage.from(BUCKET).info(`${alice.id}/p1/raw.png`)).data).toMatchObject({ metadata: {}, version: expect.any(String) });
    expect(info.data!.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('refuses writes outside the caller’s folder, by anon, of other types and over the bucket limit', async () => {
    const intoBob = await alice.client.storage.from(BUCKET).upload(`${bob.id}/p/x.png`, await png(), { contentType: 'image/png' });
    expect(intoBob.error).toMatchObject({ status: 400, statusCode: '403', message: 'new row violates row-level security policy for table "objects"' });
    const byAnon = await anon.storage.from(BUCKET).upload(`${alice.id}/p/x.png`, await png(), { contentType: 'image/png' });
    expect(byAnon.error).toMatchObject({ statusCode: '403' });
    const text = await alice.client.storage.from(BUCKET).upload(`${alice.id}/p/x.txt`, Buffer.from('hello'), { contentType: 'text/plain' });
    expect(text.error).toMatchObject({ status: 400, statusCode: '415', message: 'mime type text/plain is not supported' });
    // A Blob goes as multipart: refused mid-body, the parser and its part stream end without an uncaught error.
    const textForm = await alice.client.storage.from(BUCKET).upload(`${alice.id}/p/form.txt`, new Blob(['hello'], { type: 'text/plain' }));
    expect(textForm.error).toMatchObject({ status: 400, statusCode: '415', message: 'mime type text/plain is not supported' });
    const tooBig = await alice.client.storage.from(BUCKET).upload(`${alice.id}/p/big.png`, Buffer.alloc(10 * 1024 * 1024 + 1), { contentType: 'image/png' });
    expect(tooBig.error).toMatchObject({ status: 400, statusCode: '413', message: 'The object exceeded the maximum allowed size' });
    const generated = await alice.client.storage.from('generated-images').upload(`${alice.id}/p/out.png`, await png(), { contentType: 'image/png' });
    expect(generated.error).toMatchObject({ statusCode: '403' });
    const key = await alice.client.storage.from(BUCKET).upload(`${alice.id}/p/bad{key}.png`, await png(), { contentType: 'image/png' });
    expect(key.error).toMatchObject({ statusCode: '400' });
  });

  it('downloads for the owner only; others get "Object not found"', async () => {
    const name = `${alice.id}/p2/photo.png`;
    const bytes = await png(120, 40);
    await alice.client.storage.from(BUCKET).upload(name, bytes, { contentType: 'image/png' });
    const own = await alice.client.storage.from(BUCKET).download(name);
    expect(Buffer.from(await own.data!.arrayBuffer()).equals(bytes)).toBe(true);
    for (const client of [bob.client, anon]) {
      const other = await client.storage.from(BUCKET).download(name);
      expect(other.error).toMatchObject({ status: 400, statusCode: '404', message: 'Object not found' });
    }
    expect((await alice.client.storage.from(BUCKET).exists(name)).data).toBe(true);
    expect((await bob.client.storage.from(BUCKET).exists(name)).data).toBe(false);
    const publicUrl = alice.client.storage.from(BUCKET).getPublicUrl(name).data.publicUrl;
    const viaPublic = await fetch(publicUrl);
    expect(viaPublic.status).toBe(400);
    expect(await viaPublic.json()).toEqual({ statusCode: '404', code: 'NoSuchBucket', error: 'Bucket not found', message: 'Bucket not found' });
  });

  it('serves ranges, conditional requests and downloads with a file name', async () => {
    const name = `${alice.id}/p2/range.bin.png`;
    const bytes = await png(64, 64);
    await alice.client.storage.from(BUCKET).upload(name, bytes, { contentType: 'image/png' });
    const headers = { apikey: api.anonKey, authorization: `Bearer ${alice.accessToken}` };
    const url = `${api.url}/storage/v1/object/authenticated/${BUCKET}/${name}`;
    const partial = await fetch(url, { headers: { ...headers, range: 'bytes=0-7' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 0-7/${bytes.length}`);
    expect(Buffer.from(await partial.arrayBuffer()).equals(bytes.subarray(0, 8))).toBe(true);
    const full = await fetch(`${url}?download=photo%201.png`, { headers });
    expect(full.headers.get('content-disposition')).toBe("attachment; filename=photo%201.png; filename*=UTF-8''photo%201.png;");
    const etag = full.headers.get('etag')!;
    expect((await fetch(url, { headers: { ...headers, 'if-none-match': etag } })).status).toBe(304);
    const head = await fetch(`${api.url}/storage/v1/object/${BUCKET}/${name}`, { method: 'HEAD', headers });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
  });

  it('upserts, updates, and frees the bytes of replaced versions', async () => {
    const name = `${alice.id}/p3/versioned.png`;
    const bucket = alice.client.storage.from(BUCKET);
    await bucket.upload(name, await png(70, 70, '#111'), { contentType: 'image/png' });
    const before = storedFiles();
    expect((await bucket.upload(name, await png(70, 70, '#222'), { contentType: 'image/png' })).error).toMatchObject({ statusCode: '409', message: 'The resource already exists' });
    const second = await png(71, 70, '#333');
    expect((await bucket.upload(name, second, { contentType: 'image/png', upsert: true })).error).toBeNull();
    expect(Buffer.from(await (await bucket.download(name)).data!.arrayBuffer()).equals(second)).toBe(true);
    const third = await png(72, 70, '#444');
    expect((await bucket.update(name, third, { contentType: 'image/png' })).error).toBeNull();
    expect(Buffer.from(await (await bucket.download(name)).data!.arrayBuffer()).equals(third)).toBe(true);
    expect(storedFiles()).toBe(before);
    expect((await bucket.update(`${alice.id}/p3/missing.png`, third, { contentType: 'image/png' })).error).toMatchObject({ statusCode: '404' });
    expect((await bob.client.storage.from(BUCKET).upload(name, third, { contentType: 'image/png', upsert: true })).error).toMatchObject({ statusCode: '403' });
  });

  it('lists with prefix, folders, sort, search and paging, filtered by RLS', async () => {
    const bucket = alice.client.storage.from(BUCKET);
    for (const file of ['b.png', 'a.png', 'c.png', 'sub/d.png']) await bucket.upload(`${alice.id}/list/${file}`, await png(), { contentType: 'image/png' });
    const { data } = await bucket.list(`${alice.id}/list`);
    expect(data!.map((entry) => entry.name)).toEqual(['sub', 'a.png', 'b.png', 'c.png']);
    expect(data![0]).toMatchObject({ id: null, metadata: null });
    expect(data![1]).toMatchObject({ id: expect.any(String), metadata: { mimetype: 'image/png', size: expect.any(Number) } });
    const desc = await bucket.list(`${alice.id}/list`, { sortBy: { column: 'name', order: 'desc' } });
    expect(desc.data!.filter((entry) => entry.id).map((entry) => entry.name)).toEqual(['c.png', 'b.png', 'a.png']);
    expect((await bucket.list(`${alice.id}/list`, { search: 'b' })).data!.map((entry) => entry.name)).toEqual(['b.png']);
    expect((await bucket.list(`${alice.id}/list`, { limit: 2, offset: 2 })).data!.map((entry) => entry.name)).toEqual(['b.png', 'c.png']);
    expect((await bob.client.storage.from(BUCKET).list(`${alice.id}/list`)).data).toEqual([]);
    const root = await service.storage.from(BUCKET).list();
    expect(root.data!.map((entry) => entry.name)).toEqual(expect.arrayContaining([alice.id]));
  });

  it('lists v2: keyset pages, folders with a delimiter, filtered by RLS', async () => {
    const bucket = alice.client.storage.from(BUCKET);
    for (const file of ['1.png', '2.png', '3.png', 'deep/4.png']) await bucket.upload(`${alice.id}/v2/${file}`, await png(), { contentType: 'image/png' });
    const flat = await bucket.listV2({ prefix: `${alice.id}/v2/` });
    expect(flat.data).toMatchObject({ hasNext: false, folders: [] });
    expect(flat.data!.objects.map((object) => object.name)).toEqual(['1.png', '2.png', '3.png', 'deep/4.png'].map((file) => `${alice.id}/v2/${file}`));
    const first = await bucket.listV2({ prefix: `${alice.id}/v2/`, with_delimiter: true, limit: 2 });
    expect(first.data).toMatchObject({ hasNext: true, nextCursor: expect.any(String) });
    const second = await bucket.listV2({ prefix: `${alice.id}/v2/`, with_delimiter: true, limit: 2, cursor: first.data!.nextCursor });
    expect(second.data!.hasNext).toBe(false);
    expect([...first.data!.objects, ...second.data!.objects].map((object) => object.name)).toEqual(['1.png', '2.png', '3.png'].map((file) => `${alice.id}/v2/${file}`));
    expect(second.data!.folders).toEqual([{ name: `${alice.id}/v2/deep/`, key: `${alice.id}/v2/deep/` }]);
    expect((await bob.client.storage.from(BUCKET).listV2({ prefix: `${alice.id}/` })).data!.objects).toEqual([]);
  });

  it('moves and copies within the caller’s rights', async () => {
    const bucket = alice.client.storage.from(BUCKET);
    const bytes = await png(50, 80);
    await bucket.upload(`${alice.id}/mv/from.png`, bytes, { contentType: 'image/png' });
    expect((await bucket.move(`${alice.id}/mv/from.png`, `${alice.id}/mv/to.png`)).data).toEqual({ message: 'Successfully moved' });
    expect((await bucket.exists(`${alice.id}/mv/from.png`)).data).toBe(false);
    expect(Buffer.from(await (await bucket.download(`${alice.id}/mv/to.png`)).data!.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await bucket.move(`${alice.id}/mv/to.png`, `${bob.id}/stolen.png`)).error).toMatchObject({ statusCode: '403' });
    expect((await bob.client.storage.from(BUCKET).move(`${alice.id}/mv/to.png`, `${bob.id}/stolen.png`)).error).toMatchObject({ statusCode: '404' });
    expect((await bucket.copy(`${alice.id}/mv/to.png`, `${alice.id}/mv/copy.png`)).data).toEqual({ path: `${BUCKET}/${alice.id}/mv/copy.png` });
    expect(Buffer.from(await (await bucket.download(`${alice.id}/mv/copy.png`)).data!.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await bucket.copy(`${alice.id}/mv/to.png`, `${bob.id}/copied.png`)).error).toMatchObject({ statusCode: '403' });
    expect((await bucket.copy(`${alice.id}/mv/none.png`, `${alice.id}/mv/x.png`)).error).toMatchObject({ statusCode: '404' });
  });

  it('removes only what the caller may delete, bytes included', async () => {
    const bucket = alice.client.storage.from(BUCKET);
    await bucket.upload(`${alice.id}/rm/1.png`, await png(), { contentType: 'image/png' });
    await bucket.upload(`${alice.id}/rm/2.png`, await png(), { contentType: 'image/png' });
    const before = storedFiles();
    expect((await bob.client.storage.from(BUCKET).remove([`${alice.id}/rm/1.png`])).data).toEqual([]);
    const removed = await bucket.remove([`${alice.id}/rm/1.png`, `${alice.id}/rm/2.png`, `${alice.id}/rm/none.png`]);
    expect(removed.data!.map((row) => row.name).sort()).toEqual([`${alice.id}/rm/1.png`, `${alice.id}/rm/2.png`]);
    expect(storedFiles()).toBe(before - 2);
    expect((await bucket.exists(`${alice.id}/rm/1.png`)).data).toBe(false);
  });

  it('lets the service role write outputs into generated-images that only the owner can read', async () => {
    const name = `${alice.id}/p/output.png`;
    expect((await service.storage.from('generated-images').upload(name, await png(), { contentType: 'image/png' })).error).toBeNull();
    expect((await alice.client.storage.from('generated-images').download(name)).error).toBeNull();
    expect((await bob.client.storage.from('generated-images').download(name)).error).toMatchObject({ statusCode: '404' });
  });
});

describe('signed URLs', () => {
  const name = () => `${alice.id}/signed/photo.png`;
  let bytes: Buffer;
  beforeAll(async () => {
    bytes = await png(200, 100, '#36c');
    await alice.client.storage.from(BUCKET).upload(name(), bytes, { contentType: 'image/png' });
  });

  it('opens the object with no key and no session, until it expires', async () => {
    const { data } = await alice.client.storage.from(BUCKET).createSignedUrl(name(), 60);
    expect(data!.signedUrl).toMatch(new RegExp(`/storage/v1/object/sign/${BUCKET}/${alice.id}/signed/photo.png\\?token=`));
    const response = await fetch(data!.signedUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('expires')).toBeTruthy();
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);

    const shortLived = (await alice.client.storage.from(BUCKET).createSignedUrl(name(), 1)).data!.signedUrl;
    let expired: Response | undefined;
    for (let attempt = 0; attempt < 100; attempt++) {
      expired = await fetch(shortLived);
      if (expired.status !== 200) break;
      await expired.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(expired!.status).toBe(400);
    expect(await expired!.json()).toEqual({ statusCode: '400', code: 'InvalidJWT', error: 'InvalidJWT', message: 'jwt expired' });
  });

  it('refuses a token for another object, a forged token and a missing one', async () => {
    const other = `${alice.id}/signed/other.png`;
    await alice.client.storage.from(BUCKET).upload(other, bytes, { contentType: 'image/png' });
    const token = new URL((await alice.client.storage.from(BUCKET).createSignedUrl(other, 60)).data!.signedUrl).searchParams.get('token');
    const wrongObject = await raw(`/object/sign/${BUCKET}/${name()}?token=${token}`);
    expect(wrongObject.body).toMatchObject({ statusCode: '400', code: 'InvalidSignature' });
    const forged = await signJwt({ url: `${BUCKET}/${name()}`, exp: Math.floor(Date.now() / 1000) + 60 }, 'not-the-project-secret-not-the-project-secret');
    expect((await raw(`/object/sign/${BUCKET}/${name()}?token=${forged}`)).body).toMatchObject({ statusCode: '400', code: 'InvalidJWT', message: 'invalid signature' });
    expect((await raw(`/object/sign/${BUCKET}/${name()}`)).status).toBe(400);
  });

  it('signs only objects the caller can read; many at once with per-path errors', async () => {
    expect((await bob.client.storage.from(BUCKET).createSignedUrl(name(), 60)).error).toMatchObject({ statusCode: '404' });
    const { data } = await alice.client.storage.from(BUCKET).createSignedUrls([name(), `${alice.id}/signed/none.png`], 60);
    expect(data![0]).toMatchObject({ error: null, path: name(), signedUrl: expect.stringContaining('token=') });
    expect(data![1]).toEqual({ error: 'Either the object does not exist or you do not have access to it', path: `${alice.id}/signed/none.png`, signedURL: null, signedUrl: null });
    expect((await fetch(data![0].signedUrl!)).status).toBe(200);
  });

  it('renders transformed images through signed and authenticated render URLs', async () => {
    const signed = (await alice.client.storage.from(BUCKET).createSignedUrl(name(), 60, { transform: { width: 50, height: 50, resize: 'cover' } })).data!.signedUrl;
    expect(signed).toContain('/render/image/sign/');
    const response = await fetch(signed, { headers: { accept: 'image/webp' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect(response.headers.get('x-transformations')).toBe('height:50,width:50,resizing_type:fill');
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: 'webp', width: 50, height: 50 });
    const downloaded = await alice.client.storage.from(BUCKET).download(name(), { transform: { width: 100, resize: 'contain', format: 'origin', quality: 70 } });
    const original = await sharp(Buffer.from(await downloaded.data!.arrayBuffer())).metadata();
    expect({ format: original.format, width: original.width, height: original.height }).toEqual({ format: 'png', width: 100, height: 50 });
    expect((await bob.client.storage.from(BUCKET).download(name(), { transform: { width: 10 } })).error).toMatchObject({ statusCode: '404' });
  });

  it('signed upload URLs upload once as their signer, with no session', async () => {
    const target = `${alice.id}/signed/uploaded.png`;
    const { data } = await alice.client.storage.from(BUCKET).createSignedUploadUrl(target);
    expect(data).toMatchObject({ path: target, token: expect.any(String), signedUrl: expect.stringContaining('/object/upload/sign/') });
    const upload = await anon.storage.from(BUCKET).uploadToSignedUrl(target, data!.token, await png(), { contentType: 'image/png' });
    expect(upload).toEqual({ data: { path: target, fullPath: `${BUCKET}/${target}` }, error: null });
    const [row] = await db.sql<{ owner_id: string }[]>`select owner_id from storage.objects where bucket_id = ${BUCKET} and name = ${target}`;
    expect(row.owner_id).toBe(alice.id);
    expect((await anon.storage.from(BUCKET).uploadToSignedUrl(target, data!.token, await png(), { contentType: 'image/png' })).error).toMatchObject({ statusCode: '409' });
    expect((await bob.client.storage.from(BUCKET).createSignedUploadUrl(`${alice.id}/signed/bob.png`)).error).toMatchObject({ statusCode: '403' });
  });
});

describe('public buckets and error shapes', () => {
  it('serves public objects to anyone, without a key', async () => {
    const id = bucketName('public');
    await service.storage.createBucket(id, { public: true });
    const bytes = Buffer.from('public bytes');
    await service.storage.from(id).upload('hello.txt', bytes, { contentType: 'text/plain' });
    const url = anon.storage.from(id).getPublicUrl('hello.txt').data.publicUrl;
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('public bytes');
    expect((await fetch(`${api.url}/storage/v1/object/info/public/${id}/hello.txt`)).status).toBe(200);
    expect((await anon.storage.from(id).download('hello.txt')).error).toBeNull();
  });

  it('answers in Storage’s error shape: {statusCode, code, error, message}, HTTP 400 for client errors', async () => {
    const noHeader = await raw(`/object/list/${BUCKET}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noHeader).toMatchObject({ status: 400, body: { statusCode: '400', error: 'Bad Request', message: "headers must have required property 'authorization'" } });
    expect((await anonymousStorage().listBuckets()).error?.message).toBe("headers must have required property 'authorization'");
    const emptyJwt = await raw(`/object/list/${BUCKET}`, { method: 'POST', headers: { authorization: 'Bearer ' }, body: '{}' });
    expect(emptyJwt).toMatchObject({ status: 400, body: { statusCode: '403', code: 'AccessDenied', error: 'Unauthorized', message: 'jwt must be provided' } });
    const badJwt = await raw(`/object/list/${BUCKET}`, { method: 'POST', headers: { authorization: 'Bearer abc.def.ghi' }, body: '{}' });
    expect(badJwt.body).toMatchObject({ statusCode: '403', error: 'Unauthorized' });
    const missing = await raw(`/object/authenticated/${BUCKET}/${alice.id}/nothing.png`, { headers: { authorization: `Bearer ${alice.accessToken}` } });
    expect(missing).toMatchObject({ status: 400, body: { statusCode: '404', code: 'NoSuchKey', error: 'not_found', message: 'Object not found' } });
    const route = await raw('/nowhere', { headers: { apikey: api.anonKey } });
    expect(route.status).toBe(404);
    const expiresIn = await raw(`/object/sign/${BUCKET}/x.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(expiresIn.body).toMatchObject({ statusCode: '400' });
  });

  it('applies config.toml’s [storage] file_size_limit to buckets without a limit, before reading the body', async () => {
    const id = bucketName('unlimited');
    await service.storage.createBucket(id, { public: false });
    const response = await raw(`/object/${id}/huge.bin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.serviceRoleKey}`, 'content-type': 'application/octet-stream', 'content-length': String(60 * 1024 * 1024) },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array(1024));
        },
      }),
      duplex: 'half',
    } as RequestInit).catch((error: unknown) => ({ status: -1, body: String(error), headers: new Headers() }));
    expect(response.body).toMatchObject({ statusCode: '413' });
  });

  it('refuses a JSON body over the gateway\'s 1 MiB limit with 413, as for the other APIs (not a 500)', async () => {
    const prefixes = Array.from({ length: 30_000 }, (_, i) => `${alice.id}/${'x'.repeat(30)}-${i}.png`);
    const response = await fetch(`${api.url}/storage/v1/object/${BUCKET}`, {
      method: 'DELETE',
      headers: { apikey: api.serviceRoleKey, authorization: `Bearer ${api.serviceRoleKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prefixes }),
    });
    expect(response.status).toBe(413);
  });
});
