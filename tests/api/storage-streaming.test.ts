import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { apiClient } from '../support/users.ts';

/** Uploads that stream to disk: many at once arrive intact; an interrupted one leaves nothing behind. */
let db: TestDatabase;
let api: TestApi;
let storageDir: string;
let service: SupabaseClient;
const BUCKET = 'streaming';
const logs: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  storageDir = mkdtempSync(path.join(os.tmpdir(), 'storage-stream-'));
  api = await startTestApi(db, { storageDir, log: (line) => logs.push(line) });
  service = apiClient(api, api.serviceRoleKey);
  const { error } = await service.storage.createBucket(BUCKET, { public: false });
  expect(error).toBeNull();
});

afterAll(async () => {
  await api?.stop();
  await db?.drop();
  rmSync(storageDir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const files = (folder: string) => readdirSync(path.join(storageDir, folder), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts an upload that declares `declared` bytes, sends `sent` of them and then drops the connection. */
function interruptedUpload(pathname: string, headers: Record<string, string>, declared: number, sent: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const request = http.request(`${api.url}/storage/v1${pathname}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.serviceRoleKey}`, 'content-length': String(declared), ...headers },
    });
    request.on('error', () => resolve());
    request.write(sent, () => {
      setTimeout(() => {
        request.destroy();
        resolve();
      }, 100);
    });
  });
}

describe('streaming uploads', () => {
  it('lands 50 concurrent 5 MB uploads intact', async () => {
    const bodies = Array.from({ length: 50 }, () => randomBytes(5 * 1024 * 1024));
    const results = await Promise.all(
      bodies.map((body, i) => service.storage.from(BUCKET).upload(`many/${i}.bin`, body, { contentType: 'application/octet-stream' })),
    );
    expect(results.filter((result) => result.error)).toEqual([]);
    for (let i = 0; i < bodies.length; i += 10) {
      const downloads = await Promise.all(
        bodies.slice(i, i + 10).map(async (_, j) => {
          const { data, error } = await service.storage.from(BUCKET).download(`many/${i + j}.bin`);
          expect(error).toBeNull();
          return sha256(new Uint8Array(await data!.arrayBuffer()));
        }),
      );
      expect(downloads).toEqual(bodies.slice(i, i + 10).map(sha256));
    }
    const [{ count }] = await db.sql<{ count: string }[]>`select count(*) from storage.objects where bucket_id = ${BUCKET} and name like 'many/%'`;
    expect(Number(count)).toBe(50);
  }, 120_000);

  it('leaves neither a row nor a file when a raw upload is interrupted', async () => {
    const stored = files('objects');
    await interruptedUpload(`/object/${BUCKET}/cut/raw.bin`, { 'content-type': 'application/octet-stream' }, 5 * 1024 * 1024, randomBytes(1024 * 1024));
    await until(() => files('tmp') === 0);
    expect(files('objects')).toBe(stored);
    expect(await db.sql`select 1 from storage.objects where name = 'cut/raw.bin'`).toHaveLength(0);
    // The stack keeps serving.
    expect((await service.storage.from(BUCKET).upload('cut/after.bin', Buffer.from('ok'))).error).toBeNull();
  });

  it('leaves neither a row nor a file when a multipart upload is interrupted', async () => {
    const stored = files('objects');
    const boundary = 'x-boundary-123';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="cacheControl"\r\n\r\n3600\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name=""; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    await interruptedUpload(
      `/object/${BUCKET}/cut/multipart.bin`,
      { 'content-type': `multipart/form-data; boundary=${boundary}` },
      5 * 1024 * 1024,
      Buffer.concat([head, randomBytes(1024 * 1024)]),
    );
    await until(() => files('tmp') === 0);
    expect(files('objects')).toBe(stored);
    expect(await db.sql`select 1 from storage.objects where name = 'cut/multipart.bin'`).toHaveLength(0);
    // A client that went away is not an error of the stack: no stack traces in its log.
    expect(logs.filter((line) => /\n\s+at /.test(line))).toEqual([]);
  });

  it('refuses a body that grows past the limit while streaming, keeping nothing', async () => {
    await service.storage.updateBucket(BUCKET, { public: false, fileSizeLimit: 1024 * 1024 });
    const stored = files('objects');
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(randomBytes(512 * 1024));
        controller.close();
      },
    });
    const { error } = await service.storage.from(BUCKET).upload('cut/chunked.bin', chunks, { contentType: 'application/octet-stream' });
    expect(error).toMatchObject({ statusCode: '413' });
    await until(() => files('tmp') === 0);
    expect(files('objects')).toBe(stored);
    await service.storage.updateBucket(BUCKET, { public: false, fileSizeLimit: null });
  });
});
