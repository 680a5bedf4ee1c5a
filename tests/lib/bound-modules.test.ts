/**
 * The two public modules, as apps import them: lib/db/generation-jobs (server: per-request client from
 * next/headers cookies) and lib/db/generation-jobs-client (browser client, cookies in document.cookie).
 * Sessions are real (Auth API sign-in); only the request's cookie store and the browser's document.cookie
 * are provided by the test, since there is no Next.js request or browser here.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { signUpUser, type SignedInUser } from '../support/users.ts';

interface StoredCookie {
  name: string;
  value: string;
}
const requestCookies = new Map<string, StoredCookie>();

vi.mock('next/headers', () => ({
  cookies: async () => ({
    getAll: () => [...requestCookies.values()],
    set: (name: string, value: string) => {
      if (value === '') requestCookies.delete(name);
      else requestCookies.set(name, { name, value });
    },
  }),
}));

/** document.cookie semantics enough for @supabase/ssr: name=value pairs, Max-Age=0 deletes. */
function installBrowserCookies() {
  const jar = new Map<string, string>();
  const document = {
    get cookie() {
      return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    },
    set cookie(serialized: string) {
      const [pair, ...attributes] = serialized.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    },
  };
  const location = new URL('http://localhost:3000/jobs-test');
  Object.assign(globalThis, { document, window: globalThis, location, WebSocket });
}

let db: TestDatabase;
let api: TestApi;
let user: SignedInUser;
let other: SignedInUser;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  process.env.NEXT_PUBLIC_SUPABASE_URL = api.url;
  process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = api.anonKey;
  user = await signUpUser(api, 'modules');
  other = await signUpUser(api, 'other');
});

afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

describe('lib/db/generation-jobs (server)', () => {
  it('runs every helper with the session found in the request cookies', async () => {
    const { createClient } = await import('../../lib/supabase/server.ts');
    const supabase = await createClient();
    const { error } = await supabase.auth.signInWithPassword({ email: user.email, password: user.password });
    expect(error).toBeNull();
    expect(requestCookies.size).toBeGreaterThan(0);

    const jobs = await import('../../lib/db/generation-jobs.ts');
    const project = await jobs.createProject({ name: 'Server flavour' });
    expect((await jobs.getProjects()).map((p) => p.id)).toContain(project.id);
    const asset = await jobs.createAsset({ project_id: project.id, name: 'a.png', storage_path: 'a.png', mime_type: 'image/png' });
    expect((await jobs.getProjectAssets(project.id)).map((a) => a.id)).toEqual([asset.id]);

    const job = await jobs.createGenerationJob({ project_id: project.id, mode: 'lifestyle', cost_cents: 300, input_asset_id: asset.id });
    expect(job.user_id).toBe(user.id);
    expect(await jobs.updateGenerationJob(job.id, { mode: 'studio-white' })).toMatchObject({ mode: 'studio-white' });
    expect((await jobs.transitionJobStatus(job.id, 'running')).status).toBe('running');
    expect((await jobs.transitionJobStatus(job.id, 'failed', 'GPU out of memory')).error_message).toBe('GPU out of memory');
    expect(await jobs.getGenerationJob(job.id)).toMatchObject({ status: 'failed' });
    expect((await jobs.getGenerationJobs()).items.map((j) => j.id)).toEqual([job.id]);
    expect((await jobs.getProjectJobs(project.id)).items).toHaveLength(1);
    expect((await jobs.getJobsByStatus('failed')).items).toHaveLength(1);
    expect((await jobs.getRecentJobs(5)).map((j) => j.id)).toEqual([job.id]);
    expect((await jobs.getJobStatistics()).find((row) => row.status === 'failed')?.job_count).toBe(1);
    expect(await jobs.getTotalCosts()).toBe(300);
    expect((await jobs.getJobMetrics({ since: new Date(Date.now() - 3_600_000) })).map((m) => [m.mode, m.failed])).toEqual([['studio-white', 1]]);
    expect((await jobs.getJobTimeseries({ since: new Date(Date.now() - 3_600_000) })).reduce((n, p) => n + p.jobs, 0)).toBe(1);
    expect(await jobs.getLiveWorkers()).toEqual([]);
    expect(await jobs.getStuckJobs()).toEqual([]);
    expect((await jobs.getArchivedJobs()).items).toEqual([]);
    await jobs.deleteGenerationJob(job.id);
    await expect(jobs.getGenerationJob(job.id)).rejects.toBeInstanceOf(jobs.NotFoundError);
  });
});

describe('lib/db/generation-jobs-client (browser)', () => {
  it('runs every Client helper with the browser session', async () => {
    installBrowserCookies();
    const { createClient } = await import('../../lib/supabase/client.ts');
    const { error } = await createClient().auth.signInWithPassword({ email: other.email, password: other.password });
    expect(error).toBeNull();

    const jobs = await import('../../lib/db/generation-jobs-client.ts');
    const project = await jobs.createProjectClient({ name: 'Client flavour' });
    expect((await jobs.getProjectsClient()).map((p) => p.id)).toEqual([project.id]);
    const asset = await jobs.createAssetClient({ project_id: project.id, name: 'b.png', storage_path: 'b.png', mime_type: 'image/png' });
    expect((await jobs.getProjectAssetsClient(project.id)).map((a) => a.id)).toEqual([asset.id]);

    const job = await jobs.createGenerationJobClient({ project_id: project.id, mode: 'lifestyle', cost_cents: 120 });
    expect(job.user_id).toBe(other.id);
    expect(await jobs.updateGenerationJobClient(job.id, { input_asset_id: asset.id })).toMatchObject({ input_asset_id: asset.id });
    expect((await jobs.transitionJobStatusClient(job.id, 'running')).status).toBe('running');
    expect((await jobs.transitionJobStatusClient(job.id, 'succeeded')).status).toBe('succeeded');
    expect(await jobs.getGenerationJobClient(job.id)).toMatchObject({ status: 'succeeded' });
    expect((await jobs.getGenerationJobsClient()).items.map((j) => j.id)).toEqual([job.id]);
    expect((await jobs.getProjectJobsClient(project.id)).items).toHaveLength(1);
    expect((await jobs.getJobsByStatusClient('succeeded')).items).toHaveLength(1);
    expect((await jobs.getRecentJobsClient()).map((j) => j.id)).toEqual([job.id]);
    expect((await jobs.getJobStatisticsClient()).find((row) => row.status === 'succeeded')?.total_cost_cents).toBe(120);
    expect(await jobs.getTotalCostsClient()).toBe(120);
    expect((await jobs.getJobMetricsClient()).map((m) => [m.mode, m.succeeded])).toEqual([['lifestyle', 1]]);
    expect((await jobs.getJobTimeseriesClient({ granularity: 'day', since: new Date(Date.now() - 86_400_000) })).reduce((n, p) => n + p.succeeded, 0)).toBe(1);
    expect(await jobs.getLiveWorkersClient()).toEqual([]);
    expect(await jobs.getStuckJobsClient()).toEqual([]);
    expect((await jobs.getArchivedJobsClient({ limit: 5 })).items).toEqual([]);
    // The first user's server-side data is invisible here.
    expect((await jobs.getProjectsClient()).some((p) => p.name === 'Server flavour')).toBe(false);
    await jobs.deleteGenerationJobClient(job.id);
    await expect(jobs.getGenerationJobClient(job.id)).rejects.toBeInstanceOf(jobs.NotFoundError);
  });
});
