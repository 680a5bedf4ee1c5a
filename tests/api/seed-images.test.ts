import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PHOTOS, DEMO_USER_ID, seedImages } from '../../scripts/seed-images.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { apiClient } from '../support/users.ts';

// scripts/seed-images.ts (npm run seed:images, run by npm run dev): the demo user's sample photos and
// image jobs, through Storage and REST with the service role, once.

let db: TestDatabase;
let api: TestApi;
beforeAll(async () => {
  db = await createTestDatabase({ seed: true });
  api = await startTestApi(db);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

describe('seed:images', () => {
  it('uploads generated product photos for the demo user and queues local jobs in several modes, once', async () => {
    const service = apiClient(api, api.serviceRoleKey);
    const lines: string[] = [];
    const first = await seedImages(service, (line) => lines.push(line));
    const jobCount = DEMO_PHOTOS.reduce((sum, photo) => sum + photo.jobs.length, 0);
    expect(first).toEqual({ uploaded: DEMO_PHOTOS.length, queued: jobCount });
    expect(await seedImages(service, (line) => lines.push(line))).toEqual({ uploaded: 0, queued: 0 });
    expect(lines.at(-1)).toBe('Demo images: already there.');

    const assets = await db.sql`
      select a.name, a.bucket, a.mime_type, a.width, a.height, a.size_bytes > 10000 as sized, o.name is not null as stored
      from public.assets a left join storage.objects o on o.bucket_id = a.bucket and o.name = a.storage_path
      where a.user_id = ${DEMO_USER_ID} and a.bucket is not null order by a.name`;
    expect(assets).toEqual(
      DEMO_PHOTOS.map((photo) => ({ name: photo.name, bucket: 'product-images', mime_type: 'image/jpeg', width: photo.photo.width, height: photo.photo.height, sized: true, stored: true }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
    const jobs = await db.sql<{ mode: string; provider: string; status: string; input: boolean }[]>`
      select mode, provider, status, input_asset_id is not null as input from public.generation_jobs
      where user_id = ${DEMO_USER_ID} and idempotency_key like 'demo-images:%'`;
    expect(jobs).toHaveLength(jobCount);
    expect(new Set(jobs.map((job) => job.mode))).toEqual(new Set(['studio-white', 'background-removal', 'lifestyle', 'shadow', 'upscale']));
    expect(jobs.every((job) => job.provider === 'local' && job.status === 'queued' && job.input)).toBe(true);
  });

  it('explains what is missing when the seed was not applied', async () => {
    const bare = await createTestDatabase();
    const bareApi = await startTestApi(bare);
    try {
      await expect(seedImages(apiClient(bareApi, bareApi.serviceRoleKey), () => {})).rejects.toThrow(/apply the seed first/);
    } finally {
      await bareApi.stop();
      await bare.drop();
    }
  });
});
