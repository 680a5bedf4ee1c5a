import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { apiClient, signUpUser, type SignedInUser } from '../support/users.ts';

// Regression tests for the database items of the hardening issue, through the interface they were found
// on: the REST API with supabase-js (and plain fetch), as a user and with the service-role key.

let db: TestDatabase;
let api: TestApi;
let alice: SignedInUser;
let projectId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  alice = await signUpUser(api, 'alice');
  const { data, error } = await alice.client.from('projects').insert({ name: 'Catalogue' }).select('id').single();
  if (error) throw error;
  projectId = data.id;
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

const service = () => apiClient(api, api.serviceRoleKey);

describe('writes to the non-updatable generation_job_summary view answer a clear 4xx', () => {
  it.each(['user', 'service_role'] as const)('as %s: insert, update and delete are refused (42501), never a 500', async (who) => {
    const client = who === 'user' ? alice.client : service();
    const attempts = [
      client.from('generation_job_summary').insert({ status: 'queued', job_count: 1 } as never),
      client.from('generation_job_summary').update({ job_count: 0 } as never).eq('status', 'queued'),
      client.from('generation_job_summary').delete().eq('status', 'queued'),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.error?.code).toBe('42501');
      expect(response.status).toBe(403);
    }
    // Reading still works.
    expect((await client.from('generation_job_summary').select('*')).error).toBeNull();
  });
});

describe('the workflow and reference tables are read-only for every API role, the service role included', () => {
  it('POST /rest/v1/job_status_transitions with the service key cannot add succeeded -> queued (403)', async () => {
    const response = await fetch(`${api.url}/rest/v1/job_status_transitions`, {
      method: 'POST',
      headers: { apikey: api.serviceRoleKey, Authorization: `Bearer ${api.serviceRoleKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ from_status: 'succeeded', to_status: 'queued' }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: '42501' });
  });

  it.each(['job_statuses', 'job_status_transitions', 'generation_modes', 'job_events'] as const)('%s: no insert, update or delete with the service key', async (table) => {
    const client = service();
    const { row, patch, column } = {
      job_statuses: { row: { status: 'paused', sort_order: 9, description: 'x' }, patch: { is_initial: true }, column: 'status' },
      job_status_transitions: { row: { from_status: 'failed', to_status: 'queued' }, patch: { to_status: 'queued' }, column: 'from_status' },
      generation_modes: {
        row: { mode: 'free', provider: 'simulated', description: 'x', price_cents: 0, timeout_seconds: 1, max_attempts: 1 },
        patch: { price_cents: 0 },
        column: 'mode',
      },
      job_events: {
        row: { job_id: crypto.randomUUID(), user_id: alice.id, project_id: projectId, mode: 'x', provider: 'manual', event: 'created', attempt: 0, actor: 'me', cost_cents: 0 },
        patch: { event: 'succeeded' },
        column: 'event',
      },
    }[table];
    const insert = await client.from(table).insert(row as never);
    const update = await client.from(table).update(patch as never).neq(column, 'none');
    const remove = await client.from(table).delete().neq(column, 'none');
    for (const response of [insert, update, remove]) {
      expect(response.status, JSON.stringify(response.error)).toBe(403);
      expect(response.error?.code).toBe('42501');
    }
    const { count } = await client.from('job_status_transitions').select('*', { count: 'exact', head: true });
    expect(count).toBe(6);
  });
});

describe('created_at and updated_at are the server\'s, whatever the client sends', () => {
  it('insert with created_at 1970 and updated_at infinity: both stored as the server\'s now', async () => {
    const before = Date.now();
    const { data, error } = await alice.client
      .from('projects')
      .insert({ name: 'Time traveller', created_at: '1970-01-01T00:00:00Z', updated_at: 'infinity' })
      .select('created_at, updated_at')
      .single();
    expect(error).toBeNull();
    for (const stamp of [data!.created_at, data!.updated_at]) {
      expect(Date.parse(stamp)).toBeGreaterThan(before - 60_000);
      expect(Date.parse(stamp)).toBeLessThan(Date.now() + 60_000);
    }
  });

  it('update with updated_at infinity: the server\'s time, and the next update moves it again', async () => {
    const { data: job } = await alice.client.from('generation_jobs').insert({ project_id: projectId, mode: 'upscale', provider: 'simulated' }).select('id').single();
    const first = await alice.client.from('generation_jobs').update({ updated_at: 'infinity', params: { a: 1 } }).eq('id', job!.id).select('updated_at').single();
    expect(first.error).toBeNull();
    expect(Number.isFinite(Date.parse(first.data!.updated_at))).toBe(true);
    const second = await alice.client.from('generation_jobs').update({ params: { a: 2 } }).eq('id', job!.id).select('updated_at').single();
    expect(Date.parse(second.data!.updated_at)).toBeGreaterThanOrEqual(Date.parse(first.data!.updated_at));
  });

  it('assets and jobs likewise; changing created_at later is refused (PJ005)', async () => {
    const asset = await alice.client
      .from('assets')
      .insert({ project_id: projectId, name: 'shoe', storage_path: 'a/shoe.png', mime_type: 'image/png', created_at: '1970-01-01T00:00:00Z' })
      .select('id, created_at')
      .single();
    expect(new Date(asset.data!.created_at).getFullYear()).toBeGreaterThan(2000);
    const job = await alice.client
      .from('generation_jobs')
      .insert({ project_id: projectId, mode: 'upscale', provider: 'simulated', created_at: '1970-01-01T00:00:00Z', updated_at: 'infinity' })
      .select('created_at, updated_at')
      .single();
    expect(new Date(job.data!.created_at).getFullYear()).toBeGreaterThan(2000);
    expect(job.data!.updated_at).not.toBe('infinity');
    const rewrite = await alice.client.from('assets').update({ created_at: '1970-01-01T00:00:00Z' }).eq('id', asset.data!.id);
    expect(rewrite.error).toMatchObject({ code: 'PJ005', message: 'assets.created_at cannot be changed' });
    expect(rewrite.status).toBe(400);
  });
});

describe('"not blank" means a visible character', () => {
  const blanks = ['\t', '\n\r', '\u00a0', '\u200b', '\ufeff', '\u2060\u3000'];

  it.each(blanks)('a project or asset named %j is refused (23514)', async (name) => {
    const project = await alice.client.from('projects').insert({ name });
    expect(project.error).toMatchObject({ code: '23514' });
    expect(project.status).toBe(400);
    const asset = await alice.client.from('assets').insert({ project_id: projectId, name, storage_path: 'x.png', mime_type: 'image/png' });
    expect(asset.error).toMatchObject({ code: '23514' });
  });

  it.each(blanks)('failing a manual job with the message %j is refused (PJ003)', async (message) => {
    const { data: job } = await alice.client.from('generation_jobs').insert({ project_id: projectId, mode: 'lifestyle', provider: 'manual', cost_cents: 10 }).select('id').single();
    await alice.client.rpc('transition_job_status', { job_id: job!.id, new_status: 'running' });
    const { error } = await alice.client.rpc('transition_job_status', { job_id: job!.id, new_status: 'failed', error: message });
    expect(error).toMatchObject({ code: 'PJ003' });
  });
});
