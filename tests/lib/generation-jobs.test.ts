import { randomUUID } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadAsset } from '../../lib/db/assets-core.ts';
import type { Database } from '../../lib/db/database.types.ts';
import { nodeRealtimeOptions } from '../../lib/supabase/node-realtime.ts';
import { bindClient } from '../../lib/db/client-binding.ts';
import {
  ForbiddenError,
  InvalidTransitionError,
  NotFoundError,
  UnauthenticatedError,
  ValidationError,
} from '../../lib/db/errors.ts';
import { generationJobQueries } from '../../lib/db/generation-jobs-core.ts';
import { projectQueries } from '../../lib/db/projects-core.ts';
import type { GenerationJob } from '../../lib/db/job-types.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { apiClient, signUpUser, type SignedInUser } from '../support/users.ts';

/** The shared core, bound to a user's real supabase-js session: what both lib/db modules run. */
const helpersFor = (user: SignedInUser) => ({
  ...bindClient(() => user.client, generationJobQueries),
  ...bindClient(() => user.client, projectQueries),
});

let db: TestDatabase;
let api: TestApi;
let alice: SignedInUser;
let bob: SignedInUser;
let a: ReturnType<typeof helpersFor>;
let b: ReturnType<typeof helpersFor>;
let projectId: string;
let assetId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  alice = await signUpUser(api, 'alice');
  bob = await signUpUser(api, 'bob');
  a = helpersFor(alice);
  b = helpersFor(bob);
  const project = await a.createProject({ name: 'Sneakers' });
  projectId = project.id;
  const asset = await a.createAsset({ project_id: projectId, name: 'shoe.png', storage_path: `${alice.id}/shoe.png`, mime_type: 'image/png' });
  assetId = asset.id;
});

afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

describe('lib/db generation-job helpers over a real session', () => {
  it('createGenerationJob queues a typed job owned by the caller', async () => {
    const job = await a.createGenerationJob({ project_id: projectId, mode: 'lifestyle', cost_cents: 250, input_asset_id: assetId });
    expect(job).toMatchObject({ user_id: alice.id, project_id: projectId, input_asset_id: assetId, mode: 'lifestyle', status: 'queued', cost_cents: 250, error_message: null });
    const status: GenerationJob['status'] = job.status;
    expect(status).toBe('queued');
  });

  it('walks queued → running → succeeded and refuses illegal transitions with InvalidTransitionError', async () => {
    const job = await a.createGenerationJob({ project_id: projectId, mode: 'studio-white', cost_cents: 100 });
    await expect(a.transitionJobStatus(job.id, 'succeeded')).rejects.toBeInstanceOf(InvalidTransitionError);
    const running = await a.transitionJobStatus(job.id, 'running');
    expect(running.status).toBe('running');
    const done = await a.transitionJobStatus(job.id, 'succeeded');
    expect(done.status).toBe('succeeded');
    const error = await a.transitionJobStatus(job.id, 'running').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect((error as InvalidTransitionError).code).toBe('PJ001');
    expect((error as InvalidTransitionError).message).toMatch(/terminal/);
  });

  it('fails a job with a message; failing without one is a validation error before any request', async () => {
    const job = await a.createGenerationJob({ project_id: projectId, mode: 'lifestyle', cost_cents: 75 });
    await a.transitionJobStatus(job.id, 'running');
    await expect(a.transitionJobStatus(job.id, 'failed')).rejects.toBeInstanceOf(ValidationError);
    const failed = await a.transitionJobStatus(job.id, 'failed', 'Provider timed out');
    expect(failed).toMatchObject({ status: 'failed', error_message: 'Provider timed out' });
  });

  it('reads: getGenerationJob, getGenerationJobs (paged with a cursor), getProjectJobs, getJobsByStatus, getRecentJobs', async () => {
    const project = await a.createProject({ name: 'Paging' });
    const created: GenerationJob[] = [];
    for (let i = 0; i < 7; i++) created.push(await a.createGenerationJob({ project_id: project.id, mode: 'lifestyle', cost_cents: i }));
    expect(await a.getGenerationJob(created[0].id)).toEqual(created[0]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof a.getProjectJobs>> = await a.getProjectJobs(project.id, { limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((job) => job.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(created.map((job) => job.id).reverse());

    const all = await a.getGenerationJobs({ limit: 100 });
    expect(all.items.every((job) => job.user_id === alice.id)).toBe(true);
    expect(all.items.length).toBeGreaterThanOrEqual(7);

    const queued = await a.getJobsByStatus('queued', { limit: 100 });
    expect(queued.items.length).toBeGreaterThan(0);
    expect(queued.items.every((job) => job.status === 'queued')).toBe(true);

    const recent = await a.getRecentJobs(2);
    expect(recent.map((job) => job.id)).toEqual([created[6].id, created[5].id]);
  });

  it('statistics and total costs agree with the jobs', async () => {
    const statistics = await a.getJobStatistics();
    expect(statistics.map((row) => row.status)).toEqual(['queued', 'running', 'succeeded', 'failed', 'canceled']);
    const jobs = await a.getGenerationJobs({ limit: 100 });
    const total = jobs.items.reduce((sum, job) => sum + job.cost_cents, 0);
    expect(await a.getTotalCosts()).toBe(total);
    for (const row of statistics) {
      const mine = jobs.items.filter((job) => job.status === row.status);
      expect(Number(row.job_count)).toBe(mine.length);
    }
  });

  it('updateGenerationJob edits a queued job; the cost and owner cannot be passed at all', async () => {
    const job = await a.createGenerationJob({ project_id: projectId, mode: 'lifestyle', cost_cents: 10 });
    const updated = await a.updateGenerationJob(job.id, { mode: 'background-removal', input_asset_id: assetId });
    expect(updated).toMatchObject({ mode: 'background-removal', input_asset_id: assetId });
    // @ts-expect-error cost is fixed at creation: not part of UpdateGenerationJob
    await expect(a.updateGenerationJob(job.id, { cost_cents: 1 })).rejects.toBeInstanceOf(ValidationError);
    await a.transitionJobStatus(job.id, 'running');
    const locked = await a.updateGenerationJob(job.id, { mode: 'lifestyle' }).catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(ValidationError);
    expect((locked as ValidationError).code).toBe('PJ006');
  });

  it("another user's job is not found, not updatable, not deletable, not transitionable", async () => {
    const job = await a.createGenerationJob({ project_id: projectId, mode: 'lifestyle', cost_cents: 5 });
    await expect(b.getGenerationJob(job.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(b.updateGenerationJob(job.id, { mode: 'hacked' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(b.deleteGenerationJob(job.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(b.transitionJobStatus(job.id, 'running')).rejects.toBeInstanceOf(NotFoundError);
    expect((await b.getGenerationJobs()).items).toEqual([]);
    expect(await b.getTotalCosts()).toBe(0);
    // Still there, untouched, for its owner.
    expect(await a.getGenerationJob(job.id)).toMatchObject({ mode: 'lifestyle', status: 'queued' });
  });

  it("refuses another user's project or asset with ForbiddenError carrying the database's message", async () => {
    const error = await b.createGenerationJob({ project_id: projectId, mode: 'lifestyle' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as ForbiddenError).code).toBe('PJ004');
    expect((error as ForbiddenError).message).toMatch(/project .* not found among the job owner's projects/);
    const bobProject = await b.createProject({ name: 'Bob' });
    await expect(b.createGenerationJob({ project_id: bobProject.id, mode: 'lifestyle', input_asset_id: assetId })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('deleteGenerationJob deletes, then the job is gone', async () => {
    const job = await a.createGenerationJob({ project_id: projectId, mode: 'lifestyle', cost_cents: 0 });
    await a.deleteGenerationJob(job.id);
    await expect(a.getGenerationJob(job.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(a.deleteGenerationJob(job.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('invalid input fails with ValidationError before any request is made', async () => {
    let requests = 0;
    const counting = createClient<Database>(api.url, api.anonKey, {
      auth: { persistSession: false },
      realtime: nodeRealtimeOptions,
      global: {
        fetch: (...args: Parameters<typeof fetch>) => {
          requests++;
          return fetch(...args);
        },
      },
    });
    const helpers = bindClient(() => counting, generationJobQueries);
    const cases: Array<() => Promise<unknown>> = [
      () => helpers.createGenerationJob({ project_id: 'not-a-uuid', mode: 'lifestyle' }),
      () => helpers.createGenerationJob({ project_id: randomUUID(), mode: 'Not A Slug!' }),
      () => helpers.createGenerationJob({ project_id: randomUUID(), mode: 'lifestyle', cost_cents: -1 }),
      () => helpers.createGenerationJob({ project_id: randomUUID(), mode: 'lifestyle', cost_cents: 1.5 }),
      () => helpers.getGenerationJob('42'),
      () => helpers.getJobsByStatus('archived' as never),
      () => helpers.getRecentJobs(0),
      () => helpers.getGenerationJobs({ limit: 1000 }),
      () => helpers.getGenerationJobs({ cursor: 'garbage' }),
      () => helpers.transitionJobStatus(randomUUID(), 'running', 'no error allowed here'),
      () => helpers.updateGenerationJob(randomUUID(), {}),
      () => helpers.createGenerationJob({ project_id: randomUUID(), mode: 'lifestyle', provider: 'simulated', cost_cents: 5 }),
      () => helpers.createGenerationJob({ project_id: randomUUID(), mode: 'lifestyle', provider: 'magic' as never }),
      () => helpers.createGenerationJob({ project_id: randomUUID(), mode: 'lifestyle', params: { big: 'x'.repeat(20_000) } }),
      () => helpers.createGenerationJob({ project_id: randomUUID(), mode: 'lifestyle', idempotency_key: '\u200b' }),
      () => helpers.cancelGenerationJob('nope'),
      () => helpers.retryGenerationJob(''),
      () => helpers.getJobEvents('x'),
      () => bindClient(() => counting, projectQueries).createProject({ name: '\t\u00a0\u200b' }),
    ];
    for (const call of cases) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toMatch(/^Invalid /);
    }
    expect(requests).toBe(0);
  });

  it('without a session the helpers fail with UnauthenticatedError', async () => {
    const anon = bindClient(() => apiClient(api), generationJobQueries);
    await expect(anon.getGenerationJobs()).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(anon.getJobStatistics()).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('a job with a cost and no provider is a manual job (the seed\'s call); without a cost it runs on the default provider', async () => {
    const manual = await a.createGenerationJob({ project_id: projectId, mode: 'lifestyle', cost_cents: 250 });
    expect(manual).toMatchObject({ provider: 'manual', cost_cents: 250 });
    // The default provider makes images: it needs an uploaded photo (PI002 otherwise).
    const noPhoto = await a.createGenerationJob({ project_id: projectId, mode: 'lifestyle' }).catch((e: unknown) => e);
    expect(noPhoto).toBeInstanceOf(ValidationError);
    expect((noPhoto as ValidationError).code).toBe('PI002');
    const png = await sharp({ create: { width: 80, height: 80, channels: 3, background: '#c84' } }).png().toBuffer();
    const photo = await uploadAsset(alice.client, { project_id: projectId, file: new File([new Uint8Array(png)], 'mug.png', { type: 'image/png' }) });
    const priced = await a.createGenerationJob({ project_id: projectId, mode: 'lifestyle', input_asset_id: photo.id });
    expect(priced).toMatchObject({ provider: 'local', cost_cents: 250, max_attempts: 3 });
    const simulated = await a.createGenerationJob({ project_id: projectId, mode: 'upscale', provider: 'simulated', params: { duration_ms: 5 }, idempotency_key: 'k-1' });
    expect(simulated).toMatchObject({ provider: 'simulated', cost_cents: 60, params: { duration_ms: 5 }, idempotency_key: 'k-1' });
    const again = await a.createGenerationJob({ project_id: projectId, mode: 'upscale', provider: 'simulated', idempotency_key: 'k-1' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ValidationError);
    expect((again as ValidationError).code).toBe('23505');
  });

  it('cancelGenerationJob, retryGenerationJob and getJobEvents, with typed errors', async () => {
    const job = await a.createGenerationJob({ project_id: projectId, mode: 'shadow', provider: 'simulated' });
    const canceled = await a.cancelGenerationJob(job.id);
    expect(canceled).toMatchObject({ id: job.id, status: 'canceled' });
    const twice = await a.cancelGenerationJob(job.id).catch((e: unknown) => e);
    expect(twice).toBeInstanceOf(InvalidTransitionError);
    const retry = await a.retryGenerationJob(job.id);
    expect(retry).toMatchObject({ status: 'queued', retry_of: job.id, provider: 'simulated', cost_cents: 80 });
    expect((await a.getJobEvents(job.id)).map((event) => [event.event, event.actor])).toEqual([
      ['created', `user:${alice.id}`],
      ['canceled', `user:${alice.id}`],
    ]);
    await expect(b.cancelGenerationJob(retry.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(b.retryGenerationJob(job.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await b.getJobEvents(job.id)).toEqual([]);
  });

  it('the job system\'s columns and statuses are refused with ForbiddenError (PJ009, PJ010)', async () => {
    const job = await a.createGenerationJob({ project_id: projectId, mode: 'shadow', provider: 'simulated' });
    const byHand = await a.transitionJobStatus(job.id, 'running').catch((e: unknown) => e);
    expect(byHand).toBeInstanceOf(ForbiddenError);
    expect((byHand as ForbiddenError).code).toBe('PJ009');
    const { error } = await alice.client.from('generation_jobs').update({ attempts: 3 }).eq('id', job.id);
    expect(error?.code).toBe('PJ010');
    const running = await a.deleteGenerationJob(job.id).catch((e: unknown) => e);
    expect(running).toBeInstanceOf(InvalidTransitionError);
    expect((running as InvalidTransitionError).code).toBe('PJ012');
  });

  it('getGenerationModes lists the enabled modes with their prices', async () => {
    const modes = await a.getGenerationModes();
    expect(new Set(modes.map((mode) => mode.provider))).toEqual(new Set(['local', 'simulated']));
    expect(modes.find((mode) => mode.provider === 'simulated' && mode.mode === 'lifestyle')).toMatchObject({ price_cents: 250, max_attempts: 3 });
  });
});
