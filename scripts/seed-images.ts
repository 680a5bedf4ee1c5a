/**
 * `npm run seed:images`: real sample photos for the seed's demo user, so a first visit shows finished jobs
 * with their outputs. Generates a few product photos with sharp (scripts/sample-photos.ts: nothing is
 * downloaded), uploads them to product-images with the service role, records their assets, and queues
 * `local` jobs in several modes; the worker makes the outputs. Idempotent: photos and jobs that exist are
 * left alone, so a second run does nothing. `npm run dev` runs it on the local stack; for a hosted project
 * (after supabase/seed.sql), run it with the project's URL and service-role key in the environment.
 *
 * Env: NEXT_PUBLIC_SUPABASE_URL (or SUPABASE_URL), SUPABASE_SERVICE_ROLE_KEY; .env.local is read.
 */
import { fileURLToPath } from 'node:url';
import nextEnv from '@next/env';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { Database, Json } from '../lib/db/database.types.ts';
import { nodeRealtimeOptions } from '../lib/supabase/node-realtime.ts';
import { productPhoto, type PhotoOptions } from './sample-photos.ts';

/** The seed's demo user and projects (supabase/seed.sql). */
export const DEMO_USER_ID = 'd0d0d0d0-0000-4000-8000-000000000001';
const SNEAKER_PROJECT = 'd0d0d0d0-0000-4000-8000-000000000101';
const MUG_PROJECT = 'd0d0d0d0-0000-4000-8000-000000000102';

interface DemoPhoto {
  key: string;
  name: string;
  projectId: string;
  photo: PhotoOptions;
  jobs: { mode: string; params?: Record<string, Json> }[];
}

export const DEMO_PHOTOS: DemoPhoto[] = [
  {
    key: 'red-mug',
    name: 'Red mug, studio shot',
    projectId: MUG_PROJECT,
    photo: { shape: 'mug', width: 1200, height: 900, color: '#c0392b', background: '#e9e6e1', format: 'jpeg' },
    jobs: [{ mode: 'studio-white' }, { mode: 'background-removal' }, { mode: 'lifestyle', params: { scene: 'warm' } }],
  },
  {
    key: 'teal-mug',
    name: 'Teal mug, studio shot',
    projectId: MUG_PROJECT,
    photo: { shape: 'mug', width: 900, height: 900, color: '#16a085', background: '#dfe3e6', format: 'jpeg' },
    jobs: [{ mode: 'shadow' }, { mode: 'upscale', params: { scale: 2 } }],
  },
  {
    key: 'sneaker',
    name: 'Sneaker, studio shot',
    projectId: SNEAKER_PROJECT,
    photo: { shape: 'sneaker', width: 1200, height: 800, color: '#d35400', background: '#e4e7ea', format: 'jpeg' },
    jobs: [{ mode: 'lifestyle', params: { scene: 'cool' } }, { mode: 'studio-white' }],
  },
];

const storagePath = (photo: DemoPhoto) => `${DEMO_USER_ID}/${photo.projectId}/demo-${photo.key}.jpg`;
const idempotencyKey = (photo: DemoPhoto, mode: string) => `demo-images:${photo.key}:${mode}`;

export interface SeedImagesResult {
  uploaded: number;
  queued: number;
}

/** Uploads the missing demo photos and queues their missing jobs. */
export async function seedImages(client: SupabaseClient<Database>, log: (line: string) => void = console.log): Promise<SeedImagesResult> {
  const { data: projects, error } = await client.from('projects').select('id').eq('user_id', DEMO_USER_ID);
  if (error) throw new Error(`could not read the demo user's projects: ${error.message}`);
  const present = new Set(projects.map((project) => project.id));
  if (!present.has(MUG_PROJECT) || !present.has(SNEAKER_PROJECT)) {
    throw new Error('the demo user and projects of supabase/seed.sql are missing: apply the seed first (npm run db:reset locally)');
  }
  const result: SeedImagesResult = { uploaded: 0, queued: 0 };
  for (const demo of DEMO_PHOTOS) {
    const path = storagePath(demo);
    let { data: asset } = await client.from('assets').select('id').eq('bucket', 'product-images').eq('storage_path', path).maybeSingle();
    if (!asset) {
      const photo = await productPhoto(demo.photo);
      const stored = await client.storage.from('product-images').upload(path, photo.bytes, { contentType: photo.mimeType, upsert: true });
      if (stored.error) throw new Error(`could not upload ${demo.name}: ${stored.error.message}`);
      const inserted = await client
        .from('assets')
        .insert({
          user_id: DEMO_USER_ID,
          project_id: demo.projectId,
          name: demo.name,
          storage_path: path,
          bucket: 'product-images',
          kind: 'input',
          mime_type: photo.mimeType,
          width: photo.width,
          height: photo.height,
        })
        .select('id')
        .single();
      if (inserted.error) throw new Error(`could not record ${demo.name}: ${inserted.error.message}`);
      asset = inserted.data;
      result.uploaded += 1;
    }
    for (const job of demo.jobs) {
      const key = idempotencyKey(demo, job.mode);
      const existing = await client.from('generation_jobs').select('id').eq('user_id', DEMO_USER_ID).eq('idempotency_key', key).maybeSingle();
      if (existing.error) throw new Error(existing.error.message);
      if (existing.data) continue;
      const queued = await client.from('generation_jobs').insert({
        user_id: DEMO_USER_ID,
        project_id: demo.projectId,
        input_asset_id: asset.id,
        mode: job.mode,
        provider: 'local',
        params: job.params ?? {},
        idempotency_key: key,
      });
      if (queued.error) throw new Error(`could not queue ${job.mode} of ${demo.name}: ${queued.error.message}`);
      result.queued += 1;
    }
  }
  log(
    result.uploaded + result.queued === 0
      ? 'Demo images: already there.'
      : `Demo images: uploaded ${result.uploaded} photo(s), queued ${result.queued} local job(s); the worker makes the outputs.`,
  );
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  nextEnv.loadEnvConfig(fileURLToPath(new URL('..', import.meta.url)), true, { info: () => {}, error: console.error });
  const url = process.env.SUPABASE_URL ?? process.env.NEXT_PUBLIC_SUPABASE_URL;
  const key = process.env.SUPABASE_SERVICE_ROLE_KEY;
  if (!url || !key) {
    console.error('seed:images needs NEXT_PUBLIC_SUPABASE_URL (or SUPABASE_URL) and SUPABASE_SERVICE_ROLE_KEY (for the local stack: npm run local:status -- -o env).');
    process.exit(1);
  }
  const client = createClient<Database>(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: nodeRealtimeOptions,
  });
  try {
    await seedImages(client);
  } catch (error) {
    console.error(`seed:images: ${(error as Error).message}`);
    process.exit(1);
  }
}
