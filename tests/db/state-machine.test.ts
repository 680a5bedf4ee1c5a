import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole, serviceRole, sqlError, user, type Actor } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { ALLOWED_TRANSITIONS, createJob, createOwner, JOB_STATUSES, TERMINAL_STATUSES, type Owner } from '../support/job-fixtures.ts';

let db: TestDatabase;
let owner: Owner;
let me: Actor;
beforeAll(async () => {
  db = await createTestDatabase();
  owner = await createOwner(db.sql);
  me = user(owner.userId);
});
afterAll(async () => {
  await db.drop();
});

interface JobRow {
  id: string;
  status: string;
  error_message: string | null;
  created_at: Date;
  updated_at: Date;
  /** updated_at in microseconds since the epoch (a JS Date only keeps milliseconds). */
  updated_us: string;
}

const job = async (id: string) =>
  (await db.sql<JobRow[]>`
    select *, (extract(epoch from updated_at) * 1000000)::bigint::text as updated_us
    from public.generation_jobs where id = ${id}`)[0];
const newJob = (status: (typeof JOB_STATUSES)[number], provider: 'manual' | 'simulated' = 'manual') =>
  createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, status, provider, mode: provider === 'manual' ? 'lifestyle' : 'studio-white' });
const isTerminal = (status: string) => (TERMINAL_STATUSES as string[]).includes(status);
const errorFor = (to: string) => (to === 'failed' ? 'Provider timed out' : null);

const pairs = JOB_STATUSES.flatMap((from) => JOB_STATUSES.map((to) => ({ from, to, allowed: ALLOWED_TRANSITIONS.has(`${from}>${to}`) })));

describe('status workflow of a manual job through transition_job_status(job_id, new_status, error)', () => {
  it.each(pairs)('$from -> $to (allowed: $allowed)', async ({ from, to, allowed }) => {
    const id = await newJob(from);
    const call = asRole(db.sql, me, (tx) => tx<JobRow[]>`select * from public.transition_job_status(${id}, ${to}, ${errorFor(to)})`);
    if (allowed) {
      const [row] = await call;
      expect(row).toMatchObject({ id, status: to, error_message: errorFor(to) });
      expect((await job(id)).status).toBe(to);
    } else {
      const error = await sqlError(call);
      expect(error.code).toBe('PJ001');
      expect(error.message).toMatch(from === to ? /already/ : isTerminal(from) ? /terminal status/ : /invalid status transition/);
      expect((await job(id)).status).toBe(from);
    }
  });

  it('returns the updated row with a newer updated_at', async () => {
    const id = await newJob('queued');
    const before = await job(id);
    const [row] = await asRole(db.sql, me, (tx) => tx<JobRow[]>`
      select *, (extract(epoch from updated_at) * 1000000)::bigint::text as updated_us
      from public.transition_job_status(${id}, 'running')`);
    expect(row.status).toBe('running');
    expect(BigInt(row.updated_us)).toBeGreaterThan(BigInt(before.updated_us));
    expect(row.created_at).toEqual(before.created_at);
  });

  it('rejects an unknown status and a null status with PJ001', async () => {
    const id = await newJob('queued');
    for (const status of ['done', null]) {
      const error = await sqlError(asRole(db.sql, me, (tx) => tx`select public.transition_job_status(${id}, ${status})`));
      expect(error.code).toBe('PJ001');
    }
  });

  it('reports a missing job, or another user\'s job, as PJ002 not found', async () => {
    const other = await createOwner(db.sql);
    const theirs = await createJob(db.sql, { userId: other.userId, projectId: other.projectId });
    for (const id of ['00000000-0000-4000-8000-000000000000', theirs]) {
      const error = await sqlError(asRole(db.sql, me, (tx) => tx`select public.transition_job_status(${id}, 'running')`));
      expect(error).toMatchObject({ code: 'PJ002', message: `generation job ${id} not found` });
    }
    expect((await job(theirs)).status).toBe('queued');
  });
});

describe('status workflow of a manual job enforced on a direct UPDATE (as PostgREST PATCH does it)', () => {
  it.each(pairs)('$from -> $to (allowed: $allowed)', async ({ from, to, allowed }) => {
    const id = await newJob(from);
    const update = asRole(db.sql, me, (tx) =>
      from === to
        ? tx`update public.generation_jobs set status = ${to} where id = ${id}` // same status: not a transition
        : tx`update public.generation_jobs set status = ${to}, error_message = ${errorFor(to)} where id = ${id}`,
    );
    // Keeping a queued job queued is a whole-row PATCH, not a transition; any other same-status UPDATE
    // is a lost race and fails like transition_job_status().
    if (allowed || (from === to && from === 'queued')) {
      const result = await update;
      expect(result.count).toBe(1);
      expect((await job(id)).status).toBe(to);
    } else {
      expect((await sqlError(update)).code).toBe('PJ001');
      expect((await job(id)).status).toBe(from);
    }
  });

  it('freezes terminal rows: no status change and no edit, only delete', async () => {
    for (const status of TERMINAL_STATUSES) {
      const id = await newJob(status);
      const edits: [string, string][] = [
        [`update public.generation_jobs set status = 'queued', error_message = null where id = $1`, 'PJ001'],
        [`update public.generation_jobs set mode = 'studio' where id = $1`, 'PJ006'],
        [`update public.generation_jobs set error_message = 'rewritten' where id = $1`, 'PJ003'],
        [`update public.generation_jobs set cost_cents = 0 where id = $1`, 'PJ005'],
      ];
      for (const [statement, code] of edits) {
        const error = await sqlError(asRole(db.sql, me, (tx) => tx.unsafe(statement, [id])));
        expect(error.code, statement).toBe(code);
      }
      const deleted = await asRole(db.sql, me, (tx) => tx`delete from public.generation_jobs where id = ${id}`);
      expect(deleted.count).toBe(1);
    }
  });

  it('lets a running job change only its status', async () => {
    const id = await newJob('running');
    const error = await sqlError(asRole(db.sql, me, (tx) => tx`update public.generation_jobs set mode = 'studio' where id = ${id}`));
    expect(error.code).toBe('PJ006');
    const asset = await sqlError(asRole(db.sql, me, (tx) => tx`update public.generation_jobs set input_asset_id = ${owner.assetId} where id = ${id}`));
    expect(asset.code).toBe('PJ006');
  });

  it('lets a queued job edit its mode and input asset', async () => {
    const id = await newJob('queued');
    await asRole(db.sql, me, (tx) => tx`update public.generation_jobs set mode = 'studio-white', input_asset_id = ${owner.assetId} where id = ${id}`);
    expect(await db.sql`select mode, input_asset_id from public.generation_jobs where id = ${id}`).toEqual([
      { mode: 'studio-white', input_asset_id: owner.assetId },
    ]);
  });

  it('moves updated_at on every change, and a client cannot set it', async () => {
    const id = await newJob('queued');
    let previous = BigInt((await job(id)).updated_us);
    const steps = [
      `update public.generation_jobs set mode = 'upscale' where id = $1`,
      `update public.generation_jobs set status = 'running' where id = $1`,
      `update public.generation_jobs set status = 'failed', error_message = 'x' where id = $1`,
    ];
    for (const statement of steps) {
      await asRole(db.sql, me, (tx) => tx.unsafe(statement, [id]));
      const now = BigInt((await job(id)).updated_us);
      expect(now).toBeGreaterThan(previous);
      previous = now;
    }
    const id2 = await newJob('queued');
    await asRole(db.sql, me, (tx) => tx`update public.generation_jobs set updated_at = '2000-01-01', mode = 'studio' where id = ${id2}`);
    expect((await job(id2)).updated_at.getFullYear()).toBeGreaterThan(2000);
  });

  it('stamps started_at, finished_at and attempts itself, for hand moves too', async () => {
    const id = await newJob('queued');
    const stamps = async () =>
      (await db.sql<{ attempts: number; started: boolean; finished: boolean }[]>`
        select attempts, started_at is not null as started, finished_at is not null as finished from public.generation_jobs where id = ${id}`)[0];
    expect(await stamps()).toEqual({ attempts: 0, started: false, finished: false });
    await asRole(db.sql, me, (tx) => tx`select public.transition_job_status(${id}, 'running')`);
    expect(await stamps()).toEqual({ attempts: 1, started: true, finished: false });
    await asRole(db.sql, me, (tx) => tx`select public.transition_job_status(${id}, 'queued')`);
    expect(await stamps()).toEqual({ attempts: 1, started: true, finished: false });
    await asRole(db.sql, me, (tx) => tx`select public.transition_job_status(${id}, 'running')`);
    await asRole(db.sql, me, (tx) => tx`select public.transition_job_status(${id}, 'canceled')`);
    expect(await stamps()).toEqual({ attempts: 2, started: true, finished: true });
  });

  it('accepts new jobs only as queued (PJ007)', async () => {
    for (const status of ['running', 'succeeded', 'failed', 'canceled']) {
      const error = await sqlError(
        asRole(db.sql, me, (tx) => tx`
          insert into public.generation_jobs (project_id, mode, provider, status, error_message)
          values (${owner.projectId}, 'lifestyle', 'manual', ${status}, ${errorFor(status)})`),
      );
      expect(error.code).toBe('PJ007');
    }
  });
});

describe('status workflow of a job run by a provider (simulated)', () => {
  it.each(pairs.filter(({ from, to }) => from !== to))('$from -> $to: never by hand, not even by the service role (PJ009)', async ({ from, to }) => {
    const id = await newJob(from, 'simulated');
    for (const actor of [me, serviceRole]) {
      const viaFunction = await sqlError(asRole(db.sql, actor, (tx) => tx`select public.transition_job_status(${id}, ${to}, ${errorFor(to)})`));
      expect(viaFunction.code).toBe('PJ009');
      expect(viaFunction.message).toBe(`job ${id} is run by the simulated provider: only manual jobs move by hand`);
      const direct = await sqlError(asRole(db.sql, actor, (tx) => tx`
        update public.generation_jobs set status = ${to}, error_message = ${errorFor(to)} where id = ${id}`));
      expect(direct.code).toBe('PJ009');
    }
    expect((await job(id)).status).toBe(from);
  });

  it.each(pairs)('$from -> $to by the job system (the database owner) follows the same workflow (allowed: $allowed)', async ({ from, to, allowed }) => {
    const id = await newJob(from, 'simulated');
    const update =
      from === to
        ? db.sql`update public.generation_jobs set status = ${to} where id = ${id}`
        : db.sql`update public.generation_jobs set status = ${to}, error_message = ${errorFor(to)} where id = ${id}`;
    if (allowed || (from === to && from === 'queued')) {
      expect((await update).count).toBe(1);
    } else {
      expect((await sqlError(update)).code).toBe('PJ001');
      expect((await job(id)).status).toBe(from);
    }
  });
});

describe('concurrent transitions of one job', () => {
  /** Runs n transactions on n separate connections, released together once all have started. */
  async function race(n: number, statement: (tx: postgres.TransactionSql, i: number) => Promise<unknown>) {
    const pool = postgres(db.url, { max: n, onnotice: () => {} });
    try {
      let arrived = 0;
      let release!: () => void;
      const barrier = new Promise<void>((resolve) => (release = resolve));
      return await Promise.allSettled(
        Array.from({ length: n }, (_, i) =>
          asRole(pool, me, async (tx) => {
            await tx`select 1`; // connection and transaction are open
            if (++arrived === n) release();
            await barrier;
            return statement(tx, i);
          }),
        ),
      );
    } finally {
      await pool.end();
    }
  }

  it('20 calls of transition_job_status(queued -> running) on 20 connections: exactly one wins', async () => {
    const id = await newJob('queued');
    const results = await race(20, (tx) => tx`select status from public.transition_job_status(${id}, 'running')`);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    for (const loss of lost) {
      expect(loss.reason.code).toBe('PJ001');
      expect(loss.reason.message).toBe(`invalid status transition for job ${id}: it is already running`);
    }
    expect((await job(id)).status).toBe('running');
  });

  it('20 racing finishes (10 succeed, 10 fail) on 20 connections: exactly one wins, the job is finished once', async () => {
    const id = await newJob('running');
    const results = await race(20, (tx, i) =>
      i % 2 === 0
        ? tx`select status from public.transition_job_status(${id}, 'succeeded')`
        : tx`select status from public.transition_job_status(${id}, 'failed', ${`worker ${i} failed`})`,
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const loss of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(loss.reason.code).toBe('PJ001');
    }
    const final = await job(id);
    expect(['succeeded', 'failed']).toContain(final.status);
  });

  it('20 compare-and-set UPDATEs (where status = \'queued\') on 20 connections: exactly one row updated', async () => {
    const id = await newJob('queued');
    const results = await race(20, (tx) => tx`update public.generation_jobs set status = 'running' where id = ${id} and status = 'queued'`);
    const counts = results.map((r) => (r.status === 'fulfilled' ? (r.value as { count: number }).count : -1));
    expect(counts.filter((c) => c === 1)).toHaveLength(1);
    expect(counts.filter((c) => c === 0)).toHaveLength(19);
  });

  it('20 plain UPDATEs (queued -> running, no status guard) on 20 connections: exactly one wins, 19 get PJ001', async () => {
    const id = await newJob('queued');
    const results = await race(20, (tx) => tx`update public.generation_jobs set status = 'running' where id = ${id}`);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost).toHaveLength(19);
    for (const loss of lost) {
      expect(loss.reason.code).toBe('PJ001');
      expect(loss.reason.message).toBe(`invalid status transition for job ${id}: it is already running`);
    }
  });
});
