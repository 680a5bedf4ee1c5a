import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { apiClient, signUpUser, type SignedInUser } from '../support/users.ts';

// Who may do what with a job, through supabase-js against the REST API: users create, cancel, retry and
// delete finished jobs, and move only manual jobs by hand; the job system owns the rest.

let db: TestDatabase;
let api: TestApi;
let alice: SignedInUser;
let bob: SignedInUser;
let projectId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  alice = await signUpUser(api, 'alice');
  bob = await signUpUser(api, 'bob');
  const { data } = await alice.client.from('projects').insert({ name: 'Sneakers' }).select('id').single();
  projectId = data!.id;
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

async function simulatedJob() {
  const { data, error } = await alice.client
    .from('generation_jobs')
    .insert({ project_id: projectId, mode: 'lifestyle', provider: 'simulated', params: { duration_ms: 10 } })
    .select()
    .single();
  if (error) throw error;
  return data;
}

/** Moves a job as the worker would (the database owner), for states a user cannot reach alone. */
const asWorker = (id: string, status: 'running' | 'failed') =>
  status === 'running'
    ? db.sql`update public.generation_jobs set status = 'running' where id = ${id}`
    : db.sql`update public.generation_jobs set status = 'failed', error_message = 'provider down' where id = ${id}`;

describe('a non-manual job through supabase-js, as its owner', () => {
  it('is created queued, priced by its mode, with the server\'s times', async () => {
    const job = await simulatedJob();
    expect(job).toMatchObject({ status: 'queued', provider: 'simulated', cost_cents: 250, attempts: 0, max_attempts: 3, user_id: alice.id });
  });

  it('choosing its cost is refused with a message naming the column', async () => {
    const { error, status } = await alice.client
      .from('generation_jobs')
      .insert({ project_id: projectId, mode: 'lifestyle', provider: 'simulated', cost_cents: 1 });
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: 'PJ010', message: 'generation_jobs.cost_cents is set by the job system, not by the caller' });
  });

  it.each([
    ['status', { status: 'succeeded' }, 'PJ009'],
    ['cost_cents', { cost_cents: 0 }, 'PJ010'],
    ['attempts', { attempts: 0 }, 'PJ010'],
    ['started_at', { started_at: '2026-01-01T00:00:00Z' }, 'PJ010'],
    ['finished_at', { finished_at: '2026-01-01T00:00:00Z' }, 'PJ010'],
    ['locked_until', { locked_until: '2099-01-01T00:00:00Z' }, 'PJ010'],
    ['run_at', { run_at: '2026-01-01T00:00:00Z' }, 'PJ010'],
  ] as const)('PATCH of %s is refused (%s), as the user and with the service key', async (column, patch, code) => {
    const job = await simulatedJob();
    await asWorker(job.id, 'running');
    for (const client of [alice.client, apiClient(api, api.serviceRoleKey)]) {
      const { error, status } = await client.from('generation_jobs').update(patch).eq('id', job.id).select();
      expect(status).toBe(400);
      expect(error?.code).toBe(code);
      expect(error?.message).toContain(code === 'PJ009' ? 'its status belongs to the job system' : `generation_jobs.${column} is set by the job system`);
    }
    const { data } = await alice.client.from('generation_jobs').select('status, cost_cents, attempts').eq('id', job.id).single();
    expect(data).toEqual({ status: 'running', cost_cents: 250, attempts: 1 });
  });

  it('transition_job_status refuses it (PJ009): only manual jobs move by hand', async () => {
    const job = await simulatedJob();
    const { error } = await alice.client.rpc('transition_job_status', { job_id: job.id, new_status: 'running' });
    expect(error).toMatchObject({ code: 'PJ009' });
  });

  it('cancel: a queued job at once; a running one on request; then it is gone from the queue', async () => {
    const queued = await simulatedJob();
    const first = await alice.client.rpc('cancel_generation_job', { job_id: queued.id });
    expect(first.data).toMatchObject({ id: queued.id, status: 'canceled' });
    const running = await simulatedJob();
    await asWorker(running.id, 'running');
    const second = await alice.client.rpc('cancel_generation_job', { job_id: running.id });
    expect(second.data).toMatchObject({ status: 'running' });
    expect(second.data!.cancel_requested_at).not.toBeNull();
    const events = await alice.client.from('job_events').select('event, actor').eq('job_id', running.id).order('id');
    expect(events.data).toEqual([
      { event: 'created', actor: `user:${alice.id}` },
      { event: 'claimed', actor: 'db:postgres' },
      { event: 'cancel_requested', actor: `user:${alice.id}` },
    ]);
  });

  it('retry: a failed job comes back as a new job linked to it', async () => {
    const job = await simulatedJob();
    await asWorker(job.id, 'running');
    await asWorker(job.id, 'failed');
    const { data, error } = await alice.client.rpc('retry_generation_job', { job_id: job.id });
    expect(error).toBeNull();
    expect(data).toMatchObject({ status: 'queued', retry_of: job.id, mode: 'lifestyle', provider: 'simulated', params: { duration_ms: 10 } });
    expect(data!.id).not.toBe(job.id);
  });

  it('delete: refused while queued or running (PJ012), allowed once finished', async () => {
    const job = await simulatedJob();
    const early = await alice.client.from('generation_jobs').delete().eq('id', job.id);
    expect(early.error).toMatchObject({ code: 'PJ012' });
    await alice.client.rpc('cancel_generation_job', { job_id: job.id });
    const late = await alice.client.from('generation_jobs').delete().eq('id', job.id).select('id');
    expect(late.data).toEqual([{ id: job.id }]);
  });
});

describe('another user', () => {
  it('cannot cancel, retry, see the events of, or delete alice\'s job', async () => {
    const job = await simulatedJob();
    const cancel = await bob.client.rpc('cancel_generation_job', { job_id: job.id });
    expect(cancel.error).toMatchObject({ code: 'PJ002', message: `generation job ${job.id} not found` });
    await alice.client.rpc('cancel_generation_job', { job_id: job.id });
    const retry = await bob.client.rpc('retry_generation_job', { job_id: job.id });
    expect(retry.error).toMatchObject({ code: 'PJ002' });
    expect((await bob.client.from('job_events').select('*').eq('job_id', job.id)).data).toEqual([]);
    expect((await bob.client.from('generation_jobs').delete().eq('id', job.id).select('id')).data).toEqual([]);
    const { data } = await alice.client.from('generation_jobs').select('status').eq('id', job.id).single();
    expect(data).toEqual({ status: 'canceled' });
  });

  it('anon cannot call them at all (401)', async () => {
    const job = await simulatedJob();
    const { error, status } = await apiClient(api).rpc('cancel_generation_job', { job_id: job.id });
    expect(status).toBe(401);
    expect(error?.code).toBe('42501');
  });
});

describe('manual jobs keep the seed\'s flow', () => {
  it('created with a cost, moved by hand queued -> running -> succeeded, events for each step', async () => {
    const { data: job } = await alice.client
      .from('generation_jobs')
      .insert({ project_id: projectId, mode: 'lifecycle-test', provider: 'manual', cost_cents: 250 })
      .select()
      .single();
    expect(job).toMatchObject({ status: 'queued', cost_cents: 250 });
    const running = await alice.client.rpc('transition_job_status', { job_id: job!.id, new_status: 'running' });
    expect(running.data).toMatchObject({ status: 'running', attempts: 1 });
    const done = await alice.client.rpc('transition_job_status', { job_id: job!.id, new_status: 'succeeded' });
    expect(done.data).toMatchObject({ status: 'succeeded', cost_cents: 250 });
    expect(done.data!.finished_at).not.toBeNull();
    const events = await alice.client.from('job_events').select('event, from_status, to_status').eq('job_id', job!.id).order('id');
    expect(events.data).toEqual([
      { event: 'created', from_status: null, to_status: 'queued' },
      { event: 'claimed', from_status: 'queued', to_status: 'running' },
      { event: 'succeeded', from_status: 'running', to_status: 'succeeded' },
    ]);
  });
});
