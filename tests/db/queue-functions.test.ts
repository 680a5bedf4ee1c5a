import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { user } from '../support/as-role.ts';
import { asRole } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createAsset, createJob, createOwner, createStoredAsset, type Owner } from '../support/job-fixtures.ts';

// The worker's SQL contract (schema job_queue), called as the worker calls it: the database owner.
// tests/worker/ drives the same functions through real worker processes.

let db: TestDatabase;
let owner: Owner;
beforeAll(async () => {
  db = await createTestDatabase();
  owner = await createOwner(db.sql);
});
afterAll(async () => {
  await db.drop();
});
// Each test starts with an empty queue (the claim takes whatever is due).
beforeEach(async () => {
  await db.sql`delete from public.generation_jobs`;
});

interface Claimed {
  id: string;
  lease_token: string;
  attempts: number;
  max_attempts: number;
  timeout_seconds: number;
  cost_cents: number;
  params: Record<string, unknown>;
}

const queued = (options: { mode?: string; params?: Record<string, unknown>; provider?: 'simulated' | 'local' } = {}) =>
  createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, provider: options.provider ?? 'simulated', mode: options.mode ?? 'upscale', params: options.params });
const claim = (worker: string, limit = 10, providers = ['simulated'], sql: postgres.Sql | postgres.TransactionSql = db.sql) =>
  sql<Claimed[]>`select * from job_queue.claim_jobs(${worker}, ${providers}::text[], ${limit}, 30)`;
/** The batch argument of the finishing calls: [{id, lease_token, ...}]. */
const batch = (jobs: Claimed[], extra: Record<string, unknown> = {}) =>
  db.sql.json(jobs.map((j) => ({ id: j.id, lease_token: j.lease_token, ...extra })) as postgres.JSONValue);
const complete = (worker: string, jobs: Claimed[], cost = 7, output: string | null = null) =>
  db.sql<{ job_id: string; outcome: string }[]>`
    select job_id, outcome from job_queue.complete_jobs(${worker}, ${batch(jobs, { cost_cents: cost, output_asset_id: output })})`;
const fail = (worker: string, jobs: Claimed[], retryable: boolean, baseMs = 1000, maxMs = 60_000, error = 'provider said no') =>
  db.sql<{ job_id: string; outcome: string }[]>`
    select job_id, outcome from job_queue.fail_jobs(${worker}, ${batch(jobs, { error, retryable })}, ${baseMs}, ${maxMs})`;
const leaseCall = (fn: 'heartbeat' | 'cancel_jobs' | 'release_jobs', worker: string, jobs: Claimed[]) =>
  fn === 'heartbeat'
    ? db.sql`select job_id, state from job_queue.heartbeat(${worker}, ${batch(jobs)}, 600)`
    : db.sql.unsafe(`select job_id, outcome from job_queue.${fn}($1, $2)`, [worker, batch(jobs)]);
const job = async (id: string) => (await db.sql`select * from public.generation_jobs where id = ${id}`)[0];
const eventsOf = async (id: string) =>
  db.sql<{ event: string; from_status: string | null; to_status: string | null; attempt: number; actor: string; error: string | null; details: Record<string, unknown> }[]>`
    select event, from_status, to_status, attempt, actor, error, details from public.job_events where job_id = ${id} order by id`;
const expireLease = (id: string) => db.sql`update public.generation_jobs set locked_until = now() - interval '1 second' where id = ${id}`;

describe('claim_jobs', () => {
  it('takes due jobs of the worker\'s providers by priority, then run_at; never manual or future ones', async () => {
    const late = await queued();
    const urgent = await queued();
    await db.sql`update public.generation_jobs set priority = -1 where id = ${urgent}`;
    const future = await queued();
    await db.sql`update public.generation_jobs set run_at = now() + interval '1 hour' where id = ${future}`;
    await createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, provider: 'manual' });
    const local = await createJob(db.sql, {
      userId: owner.userId, projectId: owner.projectId, provider: 'local', mode: 'upscale',
      inputAssetId: await createStoredAsset(db.sql, owner.userId, owner.projectId),
    });

    const claimed = await claim('w1', 10);
    expect(claimed.map((c) => c.id)).toEqual([urgent, late]);
    expect(claimed[0]).toMatchObject({ attempts: 1, max_attempts: 3, timeout_seconds: 30, cost_cents: 60 });
    expect((await claim('w1', 10, ['local'])).map((c) => c.id)).toEqual([local]);
    expect(await claim('w1', 10, ['manual'])).toEqual([]);

    const row = await job(urgent);
    expect(row).toMatchObject({ status: 'running', locked_by: 'w1', attempts: 1 });
    expect(row.started_at).not.toBeNull();
    expect(Number(claimed[1].lease_token)).toBeGreaterThan(Number(claimed[0].lease_token));
    expect(await eventsOf(urgent)).toMatchObject([
      { event: 'created', to_status: 'queued', attempt: 0 },
      { event: 'claimed', from_status: 'queued', to_status: 'running', attempt: 1, actor: 'worker:w1', details: { locked_by: 'w1', lease_token: Number(claimed[0].lease_token) } },
    ]);
  });

  it('two workers claiming at once never take the same job (FOR UPDATE SKIP LOCKED)', async () => {
    for (let i = 0; i < 20; i++) await queued();
    const pool = postgres(db.url, { max: 2, onnotice: () => {} });
    try {
      const holder = pool.begin(async (tx) => {
        const first = await claim('w1', 5, ['simulated'], tx);
        const second = await claim('w2', 100, ['simulated']);
        return { first, second };
      });
      const { first, second } = await holder;
      expect(first).toHaveLength(5);
      expect(second).toHaveLength(15);
      expect(new Set([...first, ...second].map((c) => c.id)).size).toBe(20);
    } finally {
      await pool.end();
    }
  });

  it('claims at most the limit, and at most 1000 per call', async () => {
    for (let i = 0; i < 3; i++) await queued();
    expect(await claim('w1', 2)).toHaveLength(2);
    expect(await claim('w1', -5)).toHaveLength(0);
  });
});

describe('fencing: every finishing call must hold the lease', () => {
  it('a stale worker\'s late finish changes nothing; the current holder\'s counts; the job is finalised once', async () => {
    const id = await queued();
    const [stale] = await claim('stale');
    await expireLease(id);
    expect(await db.sql`select * from job_queue.rescue_expired_jobs('rescuer')`).toEqual([{ job_id: id, outcome: 'rescued' }]);
    const [current] = await claim('current');
    expect(current.id).toBe(id);

    expect(await complete('stale', [stale])).toEqual([{ job_id: id, outcome: 'lost' }]);
    expect(await fail('stale', [stale], false)).toEqual([{ job_id: id, outcome: 'lost' }]);
    expect(await leaseCall('release_jobs', 'stale', [stale])).toEqual([{ job_id: id, outcome: 'lost' }]);
    expect(await leaseCall('heartbeat', 'stale', [stale])).toEqual([{ job_id: id, state: 'lost' }]);
    expect(await job(id)).toMatchObject({ status: 'running', locked_by: 'current', attempts: 2 });

    expect(await complete('current', [current], 42)).toEqual([{ job_id: id, outcome: 'succeeded' }]);
    // Repeating the call (say, the reply was lost) answers the same and writes nothing more.
    expect(await complete('current', [current], 42)).toEqual([{ job_id: id, outcome: 'succeeded' }]);
    expect(await job(id)).toMatchObject({ status: 'succeeded', cost_cents: 42, locked_by: null, locked_until: null });
    expect((await eventsOf(id)).map((e) => `${e.event}:${e.actor}`)).toEqual([
      'created:db:postgres',
      'claimed:worker:stale',
      'rescued:worker:rescuer',
      'claimed:worker:current',
      'succeeded:worker:current',
    ]);
  });
});

describe('complete_jobs, fail_jobs, cancel_jobs, release_jobs', () => {
  it('complete: final cost and output asset (same owner and project only)', async () => {
    const id = await queued();
    const output = await createAsset(db.sql, owner.userId, owner.projectId, 'out.png');
    const [claimed] = await claim('w1');
    expect(await complete('w1', [claimed], 9, output)).toEqual([{ job_id: id, outcome: 'succeeded' }]);
    expect(await job(id)).toMatchObject({ status: 'succeeded', cost_cents: 9, output_asset_id: output });
    const other = await createOwner(db.sql);
    const second = await queued();
    const [claimedSecond] = await claim('w1');
    await expect(complete('w1', [claimedSecond], 9, other.assetId)).rejects.toMatchObject({ code: '23503' });
    expect((await job(second)).status).toBe('running');
  });

  it('fail (retryable): back to the queue after an exponential backoff with jitter, then failed at max_attempts', async () => {
    const id = await queued();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await db.sql`update public.generation_jobs set run_at = now() where id = ${id} and status = 'queued'`; // skip the wait
      const [claimed] = await claim('w1');
      expect(claimed.attempts).toBe(attempt);
      const [outcome] = await fail('w1', [claimed], true, 1000, 3000);
      expect(outcome.outcome).toBe(attempt < 3 ? 'retry_scheduled' : 'failed');
      const [row] = await db.sql<{ delay_ms: number }[]>`
        select extract(epoch from (run_at - updated_at)) * 1000 as delay_ms from public.generation_jobs where id = ${id}`;
      if (attempt < 3) delays.push(Number(row.delay_ms));
    }
    // d = min(max, base * 2^(attempt - 1)); run_at = now + d/2 + random * d/2.
    expect(delays[0]).toBeGreaterThanOrEqual(500);
    expect(delays[0]).toBeLessThanOrEqual(1000);
    expect(delays[1]).toBeGreaterThanOrEqual(1000);
    expect(delays[1]).toBeLessThanOrEqual(2000);
    expect(await job(id)).toMatchObject({ status: 'failed', attempts: 3, error_message: 'provider said no', last_error: 'provider said no' });
    expect((await eventsOf(id)).map((e) => [e.event, e.attempt, e.error])).toEqual([
      ['created', 0, null],
      ['claimed', 1, null],
      ['retry_scheduled', 1, 'provider said no'],
      ['claimed', 2, null],
      ['retry_scheduled', 2, 'provider said no'],
      ['claimed', 3, null],
      ['failed', 3, 'provider said no'],
    ]);
  });

  it('a retried job waits for its run_at, and the backoff is capped', async () => {
    const id = await queued();
    const [claimed] = await claim('w1');
    await fail('w1', [claimed], true, 3_600_000, 7_200_000);
    expect(await claim('w1')).toEqual([]);
    const [row] = await db.sql<{ delay_s: number }[]>`select extract(epoch from (run_at - now())) as delay_s from public.generation_jobs where id = ${id}`;
    expect(Number(row.delay_s)).toBeGreaterThanOrEqual(1800);
    expect(Number(row.delay_s)).toBeLessThanOrEqual(3600);
  });

  it('fail (not retryable): failed at once; a blank or huge message is made valid', async () => {
    const first = await queued();
    const [claimed] = await claim('w1');
    expect(await fail('w1', [claimed], false)).toEqual([{ job_id: first, outcome: 'failed' }]);
    expect(await job(first)).toMatchObject({ status: 'failed', attempts: 1 });
    const second = await queued();
    const [again] = await claim('w1');
    await fail('w1', [again], false, 1000, 1000, '\u200b \n');
    expect((await job(second)).error_message).toBe('Unknown error');
  });

  it('heartbeat extends held leases, reports cancel requests, and records the worker', async () => {
    const id = await queued();
    await db.sql`select job_queue.register_worker('w1', 'host-a', 123, '{simulated}', 4)`;
    const [claimed] = await claim('w1');
    const [before] = await db.sql`select locked_until from public.generation_jobs where id = ${id}`;
    const beat = () => leaseCall('heartbeat', 'w1', [claimed]);
    expect(await beat()).toEqual([{ job_id: id, state: 'running' }]);
    const [after] = await db.sql`select locked_until from public.generation_jobs where id = ${id}`;
    expect((after.locked_until as Date).getTime()).toBeGreaterThan((before.locked_until as Date).getTime());
    await asRole(db.sql, user(owner.userId), (tx) => tx`select public.cancel_generation_job(${id})`);
    expect(await beat()).toEqual([{ job_id: id, state: 'cancel_requested' }]);
    const [worker] = await db.sql`select host, pid, concurrency, running_job_ids from job_queue.workers where id = 'w1'`;
    expect(worker).toEqual({ host: 'host-a', pid: 123, concurrency: 4, running_job_ids: [id] });

    expect(await leaseCall('cancel_jobs', 'w1', [claimed])).toEqual([{ job_id: id, outcome: 'canceled' }]);
    expect(await job(id)).toMatchObject({ status: 'canceled', locked_by: null });
    expect((await eventsOf(id)).map((e) => `${e.event}:${e.actor}`)).toEqual([
      'created:db:postgres',
      'claimed:worker:w1',
      `cancel_requested:user:${owner.userId}`,
      'canceled:worker:w1',
    ]);
  });

  it('cancel_jobs only acknowledges a request that exists', async () => {
    const id = await queued();
    const [claimed] = await claim('w1');
    expect(await leaseCall('cancel_jobs', 'w1', [claimed])).toEqual([{ job_id: id, outcome: 'lost' }]);
    expect((await job(id)).status).toBe('running');
  });

  it('release (shutdown): back to the queue, due now, without using up the attempt', async () => {
    const id = await queued();
    const [claimed] = await claim('w1');
    expect(await leaseCall('release_jobs', 'w1', [claimed])).toEqual([{ job_id: id, outcome: 'released' }]);
    expect(await job(id)).toMatchObject({ status: 'queued', attempts: 0, locked_by: null, lease_token: claimed.lease_token });
    expect((await eventsOf(id)).at(-1)).toMatchObject({ event: 'released', from_status: 'running', to_status: 'queued', attempt: 0 });
    expect((await claim('w2')).map((c) => c.id)).toEqual([id]);
  });
});

describe('rescue_expired_jobs', () => {
  it('expired leases go back to the queue, fail when attempts are spent, or cancel when asked; live ones stay', async () => {
    const back = await queued();
    const spent = await queued();
    const asked = await queued();
    const alive = await queued();
    await claim('dead', 10);
    await db.sql`update public.generation_jobs set attempts = max_attempts where id = ${spent}`;
    await db.sql`update public.generation_jobs set cancel_requested_at = now() where id = ${asked}`;
    for (const id of [back, spent, asked]) await expireLease(id);
    const outcomes = await db.sql<{ job_id: string; outcome: string }[]>`select * from job_queue.rescue_expired_jobs('w2')`;
    expect(Object.fromEntries(outcomes.map((o) => [o.job_id, o.outcome]))).toEqual({ [back]: 'rescued', [spent]: 'failed', [asked]: 'canceled' });
    expect(await job(back)).toMatchObject({ status: 'queued', last_error: 'lease expired: worker dead stopped renewing it' });
    expect(await job(spent)).toMatchObject({ status: 'failed', error_message: 'lease expired on attempt 3 of 3: worker dead stopped renewing it' });
    expect((await job(alive)).status).toBe('running');
    expect((await eventsOf(back)).at(-1)).toMatchObject({ event: 'rescued', actor: 'worker:w2', details: { locked_by: 'dead' } });
  });
});

describe('NOTIFY generation_jobs_due', () => {
  it('one notification per statement, carrying how many jobs became due; none for manual or future jobs', async () => {
    const listener = postgres(db.url, { max: 1, onnotice: () => {} });
    const payloads: string[] = [];
    try {
      await listener.listen('generation_jobs_due', (payload) => payloads.push(payload));
      await db.sql`
        insert into public.generation_jobs (user_id, project_id, mode, provider)
        select ${owner.userId}, ${owner.projectId}, 'upscale', 'simulated' from generate_series(1, 3)`;
      await createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, provider: 'manual' });
      await db.sql`insert into public.generation_jobs (user_id, project_id, mode, provider, run_at) values (${owner.userId}, ${owner.projectId}, 'upscale', 'simulated', now() + interval '1 day')`;
      // Released jobs wake the others too.
      const claimed = await claim('w1', 2);
      await leaseCall('release_jobs', 'w1', claimed);
      await expect.poll(() => payloads, { timeout: 5_000 }).toEqual(['3', '2']);
    } finally {
      await listener.end();
    }
  });
});
