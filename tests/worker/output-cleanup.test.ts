import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadAsset } from '../../lib/db/assets-core.ts';
import type { Asset } from '../../lib/db/job-types.ts';
import { productPhoto } from '../../scripts/sample-photos.ts';
import { loadConfig } from '../../worker/config.ts';
import { createProviders, type Provider } from '../../worker/providers/index.ts';
import { Queue } from '../../worker/queue.ts';
import { Runner } from '../../worker/runner.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { apiClient, signUpUser, type SignedInUser } from '../support/users.ts';

// A result that is not recorded leaves no file behind: the runner (in this process, with the real image
// pipeline, database and Storage) discards the output when its completion is lost or refused.

let db: TestDatabase;
let api: TestApi;
let alice: SignedInUser;
let projectId: string;
let photo: Asset;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  alice = await signUpUser(api, 'alice');
  const { data: project } = await alice.client.from('projects').insert({ name: 'Bottles' }).select().single();
  projectId = project!.id;
  const bottle = await productPhoto({ shape: 'bottle', width: 160, height: 200, color: '#2e86de' });
  photo = await uploadAsset(alice.client, { project_id: projectId, file: new File([new Uint8Array(bottle.bytes)], 'bottle.png', { type: 'image/png' }) });
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

/** A runner whose local provider is the real one, with `after` run between the upload and the result. */
async function runnerWith(id: string, after: (jobId: string, attempt: number) => Promise<void>) {
  const config = loadConfig({
    DATABASE_URL: db.url,
    WORKER_ID: id,
    WORKER_PROVIDERS: 'local',
    SUPABASE_URL: api.url,
    SUPABASE_SERVICE_ROLE_KEY: api.serviceRoleKey,
    WORKER_POLL_INTERVAL_MS: '100',
    WORKER_RETRY_BASE_MS: '50',
    WORKER_RETRY_MAX_MS: '100',
  });
  const sql = postgres(db.url, { max: 4, onnotice: () => {} });
  const registry = createProviders(config, new Queue(sql, config.workerId), log);
  const local = registry.providerFor('local')!;
  const wrapped: Provider = {
    name: 'local',
    async run(job, context) {
      const result = await local.run(job, context);
      await after(job.id, job.attempt);
      return result;
    },
  };
  const runner = new Runner(sql, config, log, (name) => (name === 'local' ? wrapped : registry.providerFor(name)), { onRescued: registry.onRescued });
  await runner.start();
  return async () => {
    await runner.stop(0);
    await sql.end();
  };
}

const objectsOf = (jobId: string) => db.sql<{ name: string }[]>`select name from storage.objects where bucket_id = 'generated-images' and name like ${`%/${jobId}.%`}`;
const jobRow = async (jobId: string) => (await db.sql`select status, attempts, output_asset_id, error_message from public.generation_jobs where id = ${jobId}`)[0];

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function queue(mode: string): Promise<string> {
  const { data, error } = await alice.client
    .from('generation_jobs')
    .insert({ project_id: projectId, mode, provider: 'local', input_asset_id: photo.id })
    .select('id')
    .single();
  if (error) throw new Error(error.message);
  return data.id;
}

describe('outputs of results that are not recorded are removed', () => {
  it('a completion refused because the lease was lost (the job was rescued and failed meanwhile)', async () => {
    const stop = await runnerWith('loses-lease', async (jobId) => {
      // Another worker's rescue took the job while this attempt was storing its output.
      await db.sql`update public.generation_jobs set locked_until = now() - interval '1 second', max_attempts = attempts where id = ${jobId}`;
      await db.sql`select job_queue.rescue_expired_jobs('rescuer', 10)`;
    });
    try {
      const jobId = await queue('studio-white');
      const job = await until(() => jobRow(jobId), (row) => row.status === 'failed', 'the rescue to fail the job');
      expect(job.output_asset_id).toBeNull();
      await until(() => objectsOf(jobId), (objects) => objects.length === 0, 'the output to be removed');
      expect(await db.sql`select 1 from public.assets where storage_path like ${`%/${jobId}.%`}`).toHaveLength(0);
    } finally {
      await stop();
    }
  });

  it('a completion refused by the database (the object vanished): the file is gone, the attempt is retried and succeeds', async () => {
    const service = apiClient(api, api.serviceRoleKey);
    const stop = await runnerWith('refused', async (jobId, attempt) => {
      if (attempt === 1) await service.storage.from('generated-images').remove([`${alice.id}/${projectId}/${jobId}.jpg`]);
    });
    try {
      const jobId = await queue('shadow');
      const job = await until(() => jobRow(jobId), (row) => row.status === 'succeeded' || row.status === 'failed', 'the job to finish');
      expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
      const [retry] = await db.sql`select error from public.job_events where job_id = ${jobId} and event = 'retry_scheduled'`;
      expect(retry.error).toMatch(/the result was refused: no object .*\.jpg in bucket generated-images/);
      expect(await objectsOf(jobId)).toHaveLength(1);
    } finally {
      await stop();
    }
  });
});
