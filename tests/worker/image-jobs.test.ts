import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadAsset } from '../../lib/db/assets-core.ts';
import { bindClient } from '../../lib/db/client-binding.ts';
import { generationJobQueries } from '../../lib/db/generation-jobs-core.ts';
import { IMAGE_MODES } from '../../lib/images/image-params.ts';
import type { Asset, GenerationJob } from '../../lib/db/job-types.ts';
import { productPhoto } from '../../scripts/sample-photos.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { startFakePredictionServer, type FakePredictionServer } from '../support/fake-prediction-server.ts';
import { signUpUser, type SignedInUser } from '../support/users.ts';
import { killAllWorkers, spawnWorker, type WorkerProcess } from '../support/worker-process.ts';

// End to end through the API, as a user: upload a product photo, queue jobs, and a real worker process
// (local and http providers, Storage through supabase-js with the service role) makes the outputs.

let db: TestDatabase;
let api: TestApi;
let models: FakePredictionServer;
let alice: SignedInUser;
let bob: SignedInUser;
let projectId: string;
let photo: Asset;
let worker: WorkerProcess;

const jobsOf = (user: SignedInUser) => bindClient(() => user.client, generationJobQueries);

function workerEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SUPABASE_URL: api.url,
    SUPABASE_SERVICE_ROLE_KEY: api.serviceRoleKey,
    HTTP_PROVIDER_BASE_URL: models.baseUrl,
    HTTP_PROVIDER_TOKEN: models.token,
    HTTP_PROVIDER_MODEL_UPSCALE: 'acme/upscaler',
    HTTP_PROVIDER_POLL_MS: '100',
    WORKER_LEASE_SECONDS: '3',
    ...extra,
  };
}

async function waitForJob(id: string, statuses: GenerationJob['status'][], timeoutMs = 60_000): Promise<GenerationJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await jobsOf(alice).getGenerationJob(id);
    if (statuses.includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} is still ${job.status} (${job.last_error ?? 'no error'})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const outputObjects = (jobId: string) =>
  db.sql<{ name: string }[]>`select name from storage.objects where bucket_id = 'generated-images' and name like ${`%/${jobId}.%`}`;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  models = await startFakePredictionServer({ 'acme/upscaler': { polls: 2 } });
  alice = await signUpUser(api, 'alice');
  bob = await signUpUser(api, 'bob');
  const { data: project } = await alice.client.from('projects').insert({ name: 'Mugs' }).select().single();
  projectId = project!.id;
  const mug = await productPhoto({ shape: 'mug', width: 240, height: 180, format: 'jpeg' });
  photo = await uploadAsset(alice.client, { project_id: projectId, file: new File([new Uint8Array(mug.bytes)], 'Red mug.jpg', { type: 'image/jpeg' }) });
  worker = await spawnWorker(db.url, workerEnv({ WORKER_ID: 'images' }));
});
afterAll(async () => {
  await killAllWorkers();
  await models?.close();
  await api?.stop();
  await db?.drop();
});

describe('image jobs end to end (API, worker process, Storage)', () => {
  it('the worker runs local and http by default when configured, and enables the http modes it has models for', async () => {
    const started = await worker.waitForLog((line) => line.msg === 'worker started');
    expect(started.providers).toEqual(['simulated', 'local', 'http']);
    const modes = await jobsOf(alice).getGenerationModes();
    expect(modes.filter((mode) => mode.provider === 'http').map((mode) => mode.mode)).toEqual(['upscale']);
  });

  it('each local mode: queued, run, an output asset the owner can download and another user cannot', async () => {
    const queued = await Promise.all(
      IMAGE_MODES.map((mode) => jobsOf(alice).createGenerationJob({ project_id: projectId, mode, provider: 'local', input_asset_id: photo.id, params: mode === 'upscale' ? { scale: 2 } : {} })),
    );
    for (const created of queued) {
      const job = await waitForJob(created.id, ['succeeded', 'failed']);
      expect(job, `${job.mode}: ${job.error_message}`).toMatchObject({ status: 'succeeded', attempts: 1, error_message: null });
      expect(job.output_asset_id).not.toBeNull();
      const { data: asset } = await alice.client.from('assets').select('*').eq('id', job.output_asset_id!).single();
      expect(asset).toMatchObject({ kind: 'output', bucket: 'generated-images', project_id: projectId, user_id: alice.id });
      expect(asset!.storage_path).toMatch(new RegExp(`^${alice.id}/${projectId}/${job.id}\\.(jpg|png|webp)$`));
      expect(asset!.name).toBe(`Red mug - ${job.mode}.${asset!.storage_path.split('.').pop()}`);

      const { data: file, error } = await alice.client.storage.from('generated-images').download(asset!.storage_path);
      expect(error).toBeNull();
      const metadata = await sharp(Buffer.from(await file!.arrayBuffer())).metadata();
      expect({ width: metadata.width, height: metadata.height, size: file!.size }).toEqual({ width: asset!.width, height: asset!.height, size: Number(asset!.size_bytes) });
      if (job.mode === 'upscale') expect([metadata.width, metadata.height]).toEqual([480, 360]);
      if (job.mode === 'background-removal') expect(metadata.hasAlpha).toBe(true);

      const stolen = await bob.client.storage.from('generated-images').download(asset!.storage_path);
      expect(stolen.data).toBeNull();
      expect(stolen.error).not.toBeNull();
      const { data: seen } = await bob.client.from('assets').select('id').eq('id', asset!.id);
      expect(seen).toEqual([]);
      const signed = await bob.client.storage.from('generated-images').createSignedUrl(asset!.storage_path, 60);
      expect(signed.data).toBeNull();
    }
    const events = await alice.client.from('job_events').select('event, details').eq('job_id', queued[0].id).order('id');
    expect(events.data!.map((event) => event.event)).toEqual(['created', 'claimed', 'succeeded']);
  });

  it('an http job: the prediction\'s id is stored on the job, the model\'s output becomes the asset', async () => {
    const created = await jobsOf(alice).createGenerationJob({ project_id: projectId, mode: 'upscale', provider: 'http', input_asset_id: photo.id, params: { scale: 4 } });
    const job = await waitForJob(created.id, ['succeeded', 'failed']);
    expect(job.status, job.error_message ?? '').toBe('succeeded');
    expect(job.provider_job_id).toMatch(/^[0-9a-f]{20}$/);
    expect(models.predictions.get(job.provider_job_id!)).toMatchObject({ status: 'succeeded', input: { scale: 4 } });
    // The model fetched the photo from Storage through a signed URL.
    expect(String(models.predictions.get(job.provider_job_id!)!.input.image)).toContain('/storage/v1/object/sign/product-images/');
    const { data: asset } = await alice.client.from('assets').select('*').eq('id', job.output_asset_id!).single();
    expect(asset).toMatchObject({ mime_type: 'image/png', width: 240, height: 180, storage_path: `${alice.id}/${projectId}/${job.id}.png` });
  });

  it('an input no mode can use fails at once with a clear error and stores nothing', async () => {
    const frames = await Promise.all(['#c0392b', '#2e86de'].map((background) => sharp({ create: { width: 96, height: 96, channels: 3, background } }).png().toBuffer()));
    const animated = await sharp(frames, { join: { animated: true } }).webp().toBuffer();
    const upload = await uploadAsset(alice.client, { project_id: projectId, file: new File([new Uint8Array(animated)], 'spinning.webp', { type: 'image/webp' }) });
    const created = await jobsOf(alice).createGenerationJob({ project_id: projectId, mode: 'studio-white', provider: 'local', input_asset_id: upload.id });
    const job = await waitForJob(created.id, ['failed', 'succeeded']);
    expect(job).toMatchObject({ status: 'failed', attempts: 1 });
    expect(job.error_message).toMatch(/animated \(2 frames\)/);
    expect(await outputObjects(job.id)).toEqual([]);
  });

  it('a worker killed after storing an output but before recording it: the rescue ends the job and removes the file', async () => {
    const doomed = await spawnWorker(db.url, workerEnv({ WORKER_ID: 'doomed', WORKER_PROVIDERS: 'local', WORKER_COMPLETION_DELAY_MS: '1000', WORKER_LEASE_SECONDS: '2' }));
    await worker.stop();
    const created = await jobsOf(alice).createGenerationJob({ project_id: projectId, mode: 'shadow', provider: 'local', input_asset_id: photo.id });
    // Its last attempt: the rescue fails it instead of queueing it again.
    await db.sql`update public.generation_jobs set max_attempts = 1 where id = ${created.id}`;
    await doomed.waitForLog((line) => line.msg === 'output stored' && line.jobId === created.id);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    expect(await outputObjects(created.id)).toHaveLength(1);

    worker = await spawnWorker(db.url, workerEnv({ WORKER_ID: 'survivor' }));
    const job = await waitForJob(created.id, ['failed']);
    expect(job.error_message).toMatch(/lease expired/);
    for (let i = 0; i < 100 && (await outputObjects(created.id)).length > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await outputObjects(created.id)).toEqual([]);
  });
});
