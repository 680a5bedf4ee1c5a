import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anon, asRole, probeAs, serviceRole, sqlError, user, type Actor } from '../support/as-role.ts';
import { clusterUrl, createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createJob, createOwner, createStoredAsset, type Owner } from '../support/job-fixtures.ts';

// Who may write what about a job (docs/GENERATION_JOBS_SCHEMA.md, "Who may do what"), checked at the SQL
// level with the roles PostgREST uses. tests/api/job-authority.test.ts repeats the essentials over HTTP.

let db: TestDatabase;
let alice: Owner;
let bob: Owner;
let me: Actor;
beforeAll(async () => {
  db = await createTestDatabase();
  alice = await createOwner(db.sql);
  bob = await createOwner(db.sql);
  me = user(alice.userId);
});
afterAll(async () => {
  await db.drop();
});

const simulatedJob = (status: Parameters<typeof createJob>[1]['status'] = 'queued') =>
  createJob(db.sql, { userId: alice.userId, projectId: alice.projectId, provider: 'simulated', mode: 'upscale', status });
const jobRow = async (id: string) => (await db.sql`select * from public.generation_jobs where id = ${id}`)[0];
const events = async (id: string) =>
  db.sql<{ event: string; from_status: string | null; to_status: string | null; actor: string }[]>`
    select event, from_status, to_status, actor from public.job_events where job_id = ${id} order by id`;

/** Columns the job system writes, with a value an API caller might try to put there. */
const WORKER_COLUMNS: [string, unknown][] = [
  ['attempts', 5],
  ['locked_by', 'me'],
  ['locked_until', '2099-01-01T00:00:00Z'],
  ['lease_token', 42],
  ['started_at', '2000-01-01T00:00:00Z'],
  ['finished_at', '2000-01-01T00:00:00Z'],
  ['last_error', 'boom'],
  ['cancel_requested_at', '2000-01-01T00:00:00Z'],
];

describe('creating a job through the API', () => {
  it.each([['authenticated'], ['service_role']] as const)('as %s: the job system\'s columns are refused by name (PJ010)', async (role) => {
    const actor = role === 'authenticated' ? me : serviceRole;
    for (const [column, value] of [...WORKER_COLUMNS, ['cost_cents', 999]] as [string, unknown][]) {
      const error = await sqlError(probeAs(db.sql, actor, (tx) => tx`
        insert into public.generation_jobs ${tx({ user_id: alice.userId, project_id: alice.projectId, provider: 'simulated', mode: 'upscale', [column]: value } as Record<string, postgres.ParameterOrJSON<never>>)}`));
      expect(error.code, column).toBe('PJ010');
      expect(error.message).toBe(`generation_jobs.${column} is set by the job system, not by the caller`);
    }
  });

  it('a non-manual job is priced from generation_modes; a manual one keeps the creator\'s cost', async () => {
    const [priced] = await probeAs(db.sql, me, (tx) => tx`
      insert into public.generation_jobs (project_id, mode, provider) values (${alice.projectId}, 'lifestyle', 'simulated') returning cost_cents, max_attempts`);
    expect(priced).toEqual({ cost_cents: 250, max_attempts: 3 });
    const costError = await sqlError(probeAs(db.sql, me, (tx) => tx`
      insert into public.generation_jobs (project_id, mode, provider, cost_cents) values (${alice.projectId}, 'lifestyle', 'simulated', 1)`));
    expect(costError.hint).toMatch(/only manual jobs take your own cost/);
    const [manual] = await probeAs(db.sql, me, (tx) => tx`
      insert into public.generation_jobs (project_id, mode, provider, cost_cents) values (${alice.projectId}, 'anything-goes', 'manual', 777) returning cost_cents, max_attempts`);
    expect(manual).toEqual({ cost_cents: 777, max_attempts: 1 });
  });

  it('new jobs default to the local provider', async () => {
    const photo = await createStoredAsset(db.sql, alice.userId, alice.projectId);
    const [row] = await probeAs(db.sql, me, (tx) => tx`
      insert into public.generation_jobs (project_id, mode, input_asset_id) values (${alice.projectId}, 'shadow', ${photo}) returning provider, cost_cents`);
    expect(row).toEqual({ provider: 'local', cost_cents: 80 });
  });

  it('created_at and updated_at are the server\'s; a past run_at means now; priority is for the service role', async () => {
    const [row] = await probeAs(db.sql, me, (tx) => tx`
      insert into public.generation_jobs (project_id, mode, provider, created_at, updated_at, run_at)
      values (${alice.projectId}, 'upscale', 'simulated', '1970-01-01', '2999-01-01', '1970-01-01')
      returning created_at = now() and updated_at = now() and run_at = now() as server_times`);
    expect(row.server_times).toBe(true);
    const [later] = await probeAs(db.sql, me, (tx) => tx`
      insert into public.generation_jobs (project_id, mode, provider, run_at) values (${alice.projectId}, 'upscale', 'simulated', now() + interval '1 hour')
      returning run_at - now() as delay`);
    expect(later.delay).toBe('01:00:00');
    expect((await sqlError(probeAs(db.sql, me, (tx) => tx`
      insert into public.generation_jobs (project_id, mode, provider, priority) values (${alice.projectId}, 'upscale', 'simulated', -5)`))).message).toBe(
      'generation_jobs.priority is set by the job system, not by the caller',
    );
    const [urgent] = await probeAs(db.sql, serviceRole, (tx) => tx`
      insert into public.generation_jobs (user_id, project_id, mode, provider, priority) values (${alice.userId}, ${alice.projectId}, 'upscale', 'simulated', -5) returning priority`);
    expect(urgent.priority).toBe(-5);
  });

  it('an idempotency key is unique per user (23505), not across users', async () => {
    const insert = (owner: Owner) =>
      asRole(db.sql, user(owner.userId), (tx) => tx`
        insert into public.generation_jobs (project_id, mode, provider, idempotency_key) values (${owner.projectId}, 'upscale', 'simulated', 'order-42')`);
    await insert(alice);
    expect((await sqlError(insert(alice))).code).toBe('23505');
    await insert(bob);
    const blank = await sqlError(probeAs(db.sql, me, (tx) => tx`
      insert into public.generation_jobs (project_id, mode, provider, idempotency_key) values (${alice.projectId}, 'upscale', 'simulated', ${'\u200b '})`));
    expect(blank).toMatchObject({ code: '23514', constraint_name: 'generation_jobs_idempotency_key_check' });
  });
});

describe('changing a job through the API', () => {
  it.each([['authenticated'], ['service_role']] as const)('as %s: status of a non-manual job is refused (PJ009), worker columns by name (PJ010)', async (role) => {
    const actor = role === 'authenticated' ? me : serviceRole;
    const id = await simulatedJob('running');
    const status = await sqlError(probeAs(db.sql, actor, (tx) => tx`update public.generation_jobs set status = 'succeeded' where id = ${id}`));
    expect(status).toMatchObject({ code: 'PJ009', message: `job ${id} is run by the simulated provider: its status belongs to the job system` });
    for (const [column, value] of [...WORKER_COLUMNS, ['cost_cents', 0], ['max_attempts', 9], ['run_at', '2000-01-01T00:00:00Z'], ['priority', 1]] as [string, unknown][]) {
      const error = await sqlError(probeAs(db.sql, actor, (tx) => tx.unsafe(`update public.generation_jobs set ${column} = $2 where id = $1`, [id, value as string])));
      expect(error.code, column).toBe('PJ010');
      expect(error.message).toBe(`generation_jobs.${column} is set by the job system, not by the caller`);
    }
    const created = await sqlError(probeAs(db.sql, actor, (tx) => tx`update public.generation_jobs set created_at = '1970-01-01' where id = ${id}`));
    expect(created.code).toBe('PJ005');
    for (const column of ['provider', 'idempotency_key']) {
      const error = await sqlError(probeAs(db.sql, actor, (tx) => tx.unsafe(`update public.generation_jobs set ${column} = 'manual' where id = $1`, [id])));
      expect(error).toMatchObject({ code: 'PJ005', message: `generation_jobs.${column} cannot be changed` });
    }
    expect(await jobRow(id)).toMatchObject({ status: 'running', attempts: 1 });
  });

  it('updated_at is the server\'s: a client value, even infinity, is replaced', async () => {
    const id = await simulatedJob('queued');
    const [row] = await asRole(db.sql, me, (tx) => tx`
      update public.generation_jobs set updated_at = 'infinity', params = '{"duration_ms": 5}' where id = ${id} returning isfinite(updated_at) as finite, updated_at = now() as now`);
    expect(row).toEqual({ finite: true, now: true });
  });

  it('a queued job\'s inputs stay editable (mode, params, input asset)', async () => {
    const id = await simulatedJob('queued');
    await asRole(db.sql, me, (tx) => tx`update public.generation_jobs set mode = 'shadow', params = '{"a": 1}', input_asset_id = ${alice.assetId} where id = ${id}`);
    expect(await jobRow(id)).toMatchObject({ mode: 'shadow', params: { a: 1 }, input_asset_id: alice.assetId, cost_cents: 80 });
    const running = await simulatedJob('running');
    expect((await sqlError(asRole(db.sql, me, (tx) => tx`update public.generation_jobs set params = '{"x": 1}' where id = ${running}`))).code).toBe('PJ006');
  });

  it('the mechanism keys on the role that runs the statement: postgres is a member of the API roles, yet it is the job system', async () => {
    const [{ member }] = await db.sql<{ member: boolean }[]>`select pg_has_role('postgres', 'authenticated', 'member') as member`;
    expect(member).toBe(true);
    const id = await simulatedJob('running');
    // As itself, postgres (the worker's default connection) may write the job system's columns...
    await db.sql`update public.generation_jobs set locked_until = now() + interval '1 minute' where id = ${id}`;
    // ...and after SET ROLE to an API role it may not.
    const error = await sqlError(db.sql.begin(async (tx) => {
      await tx`set local role service_role`;
      await tx`update public.generation_jobs set locked_until = now() where id = ${id}`;
    }));
    expect(error.code).toBe('PJ010');
  });
});

describe('cancel_generation_job(job_id) and retry_generation_job(job_id)', () => {
  const cancel = (actor: Actor, id: string) =>
    asRole(db.sql, actor, (tx) => tx<{ status: string; cancel_requested: boolean }[]>`
      select status, cancel_requested_at is not null as cancel_requested from public.cancel_generation_job(${id})`);
  const retry = (actor: Actor, id: string) =>
    asRole(db.sql, actor, (tx) => tx<{ id: string; status: string; retry_of: string; provider: string; cost_cents: number }[]>`
      select id, status, retry_of, provider, cost_cents from public.retry_generation_job(${id})`);

  it('cancels a queued job at once', async () => {
    const id = await simulatedJob('queued');
    expect(await cancel(me, id)).toEqual([{ status: 'canceled', cancel_requested: false }]);
    expect((await jobRow(id)).finished_at).not.toBeNull();
    expect((await events(id)).map((e) => [e.event, e.from_status, e.to_status, e.actor])).toEqual([
      ['created', null, 'queued', 'db:postgres'],
      ['canceled', 'queued', 'canceled', `user:${alice.userId}`],
    ]);
  });

  it('asks the worker to cancel a running job (once: asking again changes nothing)', async () => {
    const id = await simulatedJob('running');
    expect(await cancel(me, id)).toEqual([{ status: 'running', cancel_requested: true }]);
    const first = (await jobRow(id)).cancel_requested_at;
    expect(await cancel(me, id)).toEqual([{ status: 'running', cancel_requested: true }]);
    expect((await jobRow(id)).cancel_requested_at).toEqual(first);
    expect((await events(id)).filter((e) => e.event === 'cancel_requested')).toHaveLength(1);
  });

  it('cancels a running manual job at once (no worker holds it)', async () => {
    const id = await createJob(db.sql, { userId: alice.userId, projectId: alice.projectId, status: 'running' });
    expect(await cancel(me, id)).toEqual([{ status: 'canceled', cancel_requested: false }]);
  });

  it('refuses finished jobs (PJ001), other users\' jobs (PJ002), anon and the service role (42501)', async () => {
    for (const status of ['succeeded', 'failed', 'canceled'] as const) {
      const id = await simulatedJob(status);
      expect(await sqlError(cancel(me, id))).toMatchObject({ code: 'PJ001', message: `job ${id} is ${status}: only queued or running jobs can be canceled` });
    }
    const id = await simulatedJob('queued');
    expect((await sqlError(cancel(user(bob.userId), id))).code).toBe('PJ002');
    expect((await sqlError(retry(user(bob.userId), id))).code).toBe('PJ002');
    for (const actor of [anon, serviceRole]) {
      expect((await sqlError(cancel(actor, id))).code).toBe('42501');
      expect((await sqlError(retry(actor, id))).code).toBe('42501');
    }
    expect((await jobRow(id)).status).toBe('queued');
  });

  it('retries a failed or canceled job as a new queued job linked to it, priced anew (manual: same cost)', async () => {
    const failed = await simulatedJob('failed');
    await db.sql`update public.generation_jobs set cost_cents = 1 where id = ${failed}`; // the worker's final cost
    const [again] = await retry(me, failed);
    expect(again).toMatchObject({ status: 'queued', retry_of: failed, provider: 'simulated', cost_cents: 60 });
    const manual = await createJob(db.sql, { userId: alice.userId, projectId: alice.projectId, status: 'canceled', costCents: 333 });
    expect((await retry(me, manual))[0]).toMatchObject({ retry_of: manual, provider: 'manual', cost_cents: 333 });
    for (const status of ['queued', 'running', 'succeeded'] as const) {
      const id = await simulatedJob(status);
      expect(await sqlError(retry(me, id))).toMatchObject({ code: 'PJ001', message: `job ${id} is ${status}: only failed or canceled jobs can be retried` });
    }
  });

  it('a user cannot point retry_of at a job themselves (PJ010)', async () => {
    const failed = await simulatedJob('failed');
    const error = await sqlError(probeAs(db.sql, me, (tx) => tx`
      insert into public.generation_jobs (project_id, mode, provider, retry_of) values (${alice.projectId}, 'upscale', 'simulated', ${failed})`));
    expect(error.code).toBe('PJ010');
  });
});

describe('the worker\'s connection: role job_worker', () => {
  let role: string;
  let worker: postgres.Sql;
  beforeAll(async () => {
    role = `worker_${randomBytes(4).toString('hex')}`;
    await db.sql.unsafe(`create role ${role} login password 'worker-password' in role job_worker`);
    const url = new URL(clusterUrl(db.name, role));
    url.password = 'worker-password';
    worker = postgres(url.toString(), { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await worker?.end();
    await db.sql.unsafe(`drop role if exists ${role}`);
  });

  it('a login role in job_worker runs the queue and nothing else', async () => {
    const id = await simulatedJob('queued');
    await db.sql`update public.generation_jobs set priority = -1000 where id = ${id}`; // first in line
    const [claimed] = await worker`select id, lease_token from job_queue.claim_jobs('least-privilege', '{simulated}', 1, 30)`;
    expect(claimed.id).toBe(id);
    const [done] = await worker`
      select job_id, outcome from job_queue.complete_jobs('least-privilege', ${worker.json([{ id, lease_token: claimed.lease_token, cost_cents: 5 }])})`;
    expect(done).toEqual({ job_id: id, outcome: 'succeeded' });
    for (const statement of [
      'select * from public.generation_jobs',
      'update public.generation_jobs set cost_cents = 0',
      'select * from public.job_events',
      'select * from job_queue.workers',
    ]) {
      expect((await sqlError(worker.unsafe(statement))).code, statement).toBe('42501');
    }
  });

  it('the API roles cannot reach the queue functions, the service role included', async () => {
    for (const actor of [anon, me, serviceRole]) {
      const error = await sqlError(probeAs(db.sql, actor, (tx) => tx`select * from job_queue.claim_jobs('intruder', '{simulated}', 10, 30)`));
      expect(error.code).toBe('42501');
    }
  });
});
