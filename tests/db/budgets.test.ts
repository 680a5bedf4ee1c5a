import { fc } from '@fast-check/vitest';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anon, asRole, sqlError, user } from '../support/as-role.ts';
import { createAuthUser } from '../support/auth-users.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createJob, createOwner, createProject, type Owner } from '../support/job-fixtures.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

interface Spend {
  reserved: number;
  settled: number;
}

/** The rollup's row for one project this month (zeros when there is none). */
async function spend(owner: { userId: string; projectId: string }): Promise<Spend> {
  const [row] = await db.sql<{ reserved: number; settled: number }[]>`
    select reserved_cents::int as reserved, settled_cents::int as settled from public.job_spend
    where user_id = ${owner.userId} and project_id = ${owner.projectId} and month = public.job_spend_month(now())`;
  return row ?? { reserved: 0, settled: 0 };
}

async function setBudget(userId: string, projectId: string | null, cents: number) {
  await asRole(db.sql, user(userId), (tx) => tx`select public.set_budget(monthly_limit_cents => ${cents}, project_id => ${projectId})`);
}

/** A simulated job created by its owner through the API's role (priced by its mode). */
function createAsOwner(sql: postgres.Sql, owner: { userId: string; projectId: string }, mode = 'studio-white') {
  return asRole(sql, user(owner.userId), async (tx) => {
    const [row] = await tx<{ id: string }[]>`
      insert into public.generation_jobs (project_id, mode, provider) values (${owner.projectId}, ${mode}, 'simulated') returning id`;
    return row.id;
  });
}

const worker = {
  claim: async (ids: string[]) => {
    // Claims exactly these jobs: everything else queued is pushed to later first.
    await db.sql`update public.generation_jobs set run_at = now() + interval '1 hour' where status = 'queued' and provider <> 'manual' and not (id = any(${ids}::uuid[]))`;
    const rows = await db.sql<{ id: string; lease_token: string }[]>`select id, lease_token from job_queue.claim_jobs('w', '{simulated}', 1000, 30)`;
    await db.sql`update public.generation_jobs set run_at = now() where status = 'queued' and run_at > now() + interval '50 minutes'`;
    return new Map(rows.map((r) => [r.id, r.lease_token]));
  },
  complete: (id: string, token: string, cost: number | null) =>
    db.sql`select * from job_queue.complete_jobs('w', ${db.sql.json([{ id, lease_token: token, cost_cents: cost, output_asset_id: null }])})`,
  fail: (id: string, token: string, retryable: boolean, cost: number | null) =>
    db.sql`select * from job_queue.fail_jobs('w', ${db.sql.json([{ id, lease_token: token, error: 'boom', retryable, cost_cents: cost }])}, 1, 1)`,
  ackCancel: (id: string, token: string, cost?: number) =>
    db.sql`select * from job_queue.cancel_jobs('w', ${db.sql.json([{ id, lease_token: token, ...(cost === undefined ? {} : { cost_cents: cost }) }])})`,
};

describe('the budget refuses jobs past a limit, atomically', () => {
  it('50 concurrent creations against a project limit that allows 20: exactly 20 succeed, spend never exceeds the limit', async () => {
    const owner = await createOwner(db.sql);
    await setBudget(owner.userId, owner.projectId, 20 * 120); // studio-white costs $1.20
    const pool = postgres(db.url, { max: 50, onnotice: () => {} });
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const current = await spend(owner);
        samples.push(current.reserved + current.settled);
      }
    })();
    try {
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => createAsOwner(pool, owner)));
      const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as { code: string; message: string });
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
      expect(new Set(refused.map((e) => e.code))).toEqual(new Set(['PJ008']));
      expect(refused[0].message).toBe(
        'monthly budget of project "Project" exceeded: the limit is $24.00 for ' +
          `${new Date().toISOString().slice(0, 7)} (UTC); $0.00 is spent and $24.00 reserved, and this job needs $1.20`,
      );
    } finally {
      sampling = false;
      await sampler;
      await pool.end();
    }
    expect(await spend(owner)).toEqual({ reserved: 2400, settled: 0 });
    expect(Math.max(...samples)).toBeLessThanOrEqual(2400);
    const [{ n }] = await db.sql`select count(*)::int as n from public.generation_jobs where project_id = ${owner.projectId}`;
    expect(n).toBe(20);
  }, 60_000);

  it('an account limit spans the projects: 50 concurrent creators in two projects, 20 get through', async () => {
    const owner = await createOwner(db.sql);
    const second = await createProject(db.sql, owner.userId, 'Second');
    await setBudget(owner.userId, null, 20 * 120);
    const pool = postgres(db.url, { max: 50, onnotice: () => {} });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => createAsOwner(pool, { userId: owner.userId, projectId: i % 2 ? second : owner.projectId })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
      const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code: string }).code] : []));
      expect(new Set(codes)).toEqual(new Set(['PJ008']));
    } finally {
      await pool.end();
    }
    const [total] = await db.sql`select sum(reserved_cents)::int as reserved from public.job_spend where user_id = ${owner.userId}`;
    expect(total.reserved).toBe(2400);
  }, 60_000);

  it('the refusal names the limit, what is spent and reserved, and what the job needs, also as JSON in DETAIL', async () => {
    const owner = await createOwner(db.sql);
    await setBudget(owner.userId, null, 300);
    await createJob(db.sql, { ...owner, costCents: 100, status: 'succeeded' }); // settled 100
    await createJob(db.sql, { ...owner, costCents: 50 }); // reserved 50
    const error = await sqlError(createAsOwner(db.sql, owner, 'lifestyle')); // $2.50
    expect(error.code).toBe('PJ008');
    const month = new Date().toISOString().slice(0, 7);
    expect(error.message).toBe(`monthly budget of your account exceeded: the limit is $3.00 for ${month} (UTC); $1.00 is spent and $0.50 reserved, and this job needs $2.50`);
    expect(JSON.parse(error.detail!)).toEqual({
      scope: 'account', project_id: null, month, limit_cents: 300, settled_cents: 100, reserved_cents: 50, requested_cents: 250, jobs: 1,
    });
    expect(error.hint).toBe('Raise or remove the budget, cancel queued jobs, or wait for the next month (UTC).');
    // A job that fits still goes through; one statement creating several is checked as a whole.
    await createAsOwner(db.sql, owner, 'background-removal'); // $0.40
    const many = await sqlError(
      asRole(db.sql, user(owner.userId), (tx) => tx`
        insert into public.generation_jobs (project_id, mode, provider)
        select ${owner.projectId}, 'background-removal', 'simulated' from generate_series(1, 3)`),
    );
    expect(many.message).toMatch(/and these 3 jobs need \$1\.20$/);
  });

  it('edits that grow a reservation are checked: a pricier mode, a move to a project that is at its limit', async () => {
    const owner = await createOwner(db.sql);
    const full = await createProject(db.sql, owner.userId, 'Full');
    await setBudget(owner.userId, owner.projectId, 100);
    await setBudget(owner.userId, full, 0);
    const id = await createAsOwner(db.sql, owner, 'upscale'); // 60
    const pricier = await sqlError(asRole(db.sql, user(owner.userId), (tx) => tx`update public.generation_jobs set mode = 'studio-white' where id = ${id}`));
    expect(pricier.code).toBe('PJ008');
    expect(pricier.message).toMatch(/this change needs \$0\.60 more$/);
    const moved = await sqlError(asRole(db.sql, user(owner.userId), (tx) => tx`update public.generation_jobs set project_id = ${full} where id = ${id}`));
    expect(moved.message).toMatch(/^monthly budget of project "Full" exceeded/);
    // Cheaper is always fine.
    await asRole(db.sql, user(owner.userId), (tx) => tx`update public.generation_jobs set mode = 'background-removal' where id = ${id}`);
    expect(await spend(owner)).toEqual({ reserved: 40, settled: 0 });
  });

  it('a limit of 0 allows only free jobs; no budget, no limit; removing a budget lifts it', async () => {
    const owner = await createOwner(db.sql);
    await setBudget(owner.userId, owner.projectId, 0);
    await createJob(db.sql, { ...owner, costCents: 0 }); // the owner's free manual job
    expect((await sqlError(createAsOwner(db.sql, owner))).code).toBe('PJ008');
    await asRole(db.sql, user(owner.userId), (tx) => tx`delete from public.budgets where project_id = ${owner.projectId}`);
    await createAsOwner(db.sql, owner);
  });
});

describe('settling and releasing', () => {
  let owner: Owner;
  beforeAll(async () => {
    owner = await createOwner(db.sql);
  });

  it('succeeded settles the reported cost (or the estimate); retries keep the reservation', async () => {
    const before = await spend(owner);
    const [a, b] = [await createAsOwner(db.sql, owner), await createAsOwner(db.sql, owner)];
    expect(await spend(owner)).toEqual({ reserved: before.reserved + 240, settled: before.settled });
    let tokens = await worker.claim([a, b]);
    expect(await spend(owner)).toEqual({ reserved: before.reserved + 240, settled: before.settled });
    await worker.fail(a, tokens.get(a)!, true, 999); // retried: nothing settles yet
    await worker.complete(b, tokens.get(b)!, 333);
    expect(await spend(owner)).toEqual({ reserved: before.reserved + 120, settled: before.settled + 333 });
    await db.sql`update public.generation_jobs set run_at = now() where id = ${a}`;
    tokens = await worker.claim([a]);
    await worker.complete(a, tokens.get(a)!, null); // no cost reported: the estimate
    expect(await spend(owner)).toEqual({ reserved: before.reserved, settled: before.settled + 333 + 120 });
  });

  it('failed settles what the provider reported, else releases', async () => {
    const before = await spend(owner);
    const [a, b] = [await createAsOwner(db.sql, owner), await createAsOwner(db.sql, owner)];
    const tokens = await worker.claim([a, b]);
    await worker.fail(a, tokens.get(a)!, false, 70);
    await worker.fail(b, tokens.get(b)!, false, null);
    expect(await spend(owner)).toEqual({ reserved: before.reserved, settled: before.settled + 70 });
    const rows = await db.sql`select status, cost_cents from public.generation_jobs where id in (${a}, ${b}) order by cost_cents desc`;
    expect(rows).toEqual([{ status: 'failed', cost_cents: 70 }, { status: 'failed', cost_cents: 0 }]);
  });

  it('canceled releases (queued at once; running when the worker acknowledges, with a reported cost if any)', async () => {
    const before = await spend(owner);
    const queued = await createAsOwner(db.sql, owner);
    await asRole(db.sql, user(owner.userId), (tx) => tx`select public.cancel_generation_job(${queued})`);
    expect(await spend(owner)).toEqual(before);
    const [a, b] = [await createAsOwner(db.sql, owner), await createAsOwner(db.sql, owner)];
    const tokens = await worker.claim([a, b]);
    for (const id of [a, b]) await asRole(db.sql, user(owner.userId), (tx) => tx`select public.cancel_generation_job(${id})`);
    expect(await spend(owner)).toEqual({ reserved: before.reserved + 240, settled: before.settled }); // requested, not yet stopped
    await worker.ackCancel(a, tokens.get(a)!);
    await worker.ackCancel(b, tokens.get(b)!, 15);
    expect(await spend(owner)).toEqual({ reserved: before.reserved, settled: before.settled + 15 });
  });

  it('a rescued job keeps its reservation; one that runs out of attempts (or had a cancel pending) releases it', async () => {
    const before = await spend(owner);
    const [a, b] = [await createAsOwner(db.sql, owner), await createAsOwner(db.sql, owner)];
    await db.sql`update public.generation_jobs set max_attempts = 1 where id = ${b}`;
    await worker.claim([a, b]);
    await db.sql`update public.generation_jobs set locked_until = now() - interval '1 second' where id in (${a}, ${b})`;
    const rescued = await db.sql`select job_id, outcome from job_queue.rescue_expired_jobs('w') order by outcome`;
    expect(rescued.map((r) => r.outcome)).toEqual(['failed', 'rescued']);
    expect(await spend(owner)).toEqual({ reserved: before.reserved + 120, settled: before.settled });
  });

  it('manual jobs reserve their own figure and settle it in every terminal status', async () => {
    const before = await spend(owner);
    await createJob(db.sql, { ...owner, costCents: 11, status: 'succeeded' });
    await createJob(db.sql, { ...owner, costCents: 22, status: 'failed' });
    await createJob(db.sql, { ...owner, costCents: 33, status: 'canceled' });
    await createJob(db.sql, { ...owner, costCents: 44, status: 'running' });
    expect(await spend(owner)).toEqual({ reserved: before.reserved + 44, settled: before.settled + 66 });
  });

  it('deleting a finished job keeps its spend; deleting an active one releases it; a deleted project still counts for the account', async () => {
    const other = await createOwner(db.sql);
    const done = await createJob(db.sql, { ...other, costCents: 100, status: 'succeeded' });
    const active = await createJob(db.sql, { ...other, costCents: 40 });
    await asRole(db.sql, user(other.userId), (tx) => tx`delete from public.generation_jobs where id in (${done}, ${active})`);
    expect(await spend(other)).toEqual({ reserved: 0, settled: 100 });
    await createJob(db.sql, { ...other, costCents: 7 });
    await db.sql`delete from public.projects where id = ${other.projectId}`;
    const usage = await asRole(db.sql, user(other.userId), (tx) => tx`select scope, reserved_cents::int as r, settled_cents::int as s from public.get_budget_usage()`);
    expect(usage).toEqual([{ scope: 'account', r: 0, s: 100 }]);
    await db.sql`delete from auth.users where id = ${other.userId}`;
    expect(await db.sql`select 1 from public.job_spend where user_id = ${other.userId}`).toHaveLength(0);
  });
});

describe('who sees budgets and spend', () => {
  it('owners only; anon not at all; a budget can only name one of the owner\'s projects', async () => {
    const alice = await createOwner(db.sql);
    const bob = await createOwner(db.sql);
    await setBudget(alice.userId, alice.projectId, 500);
    await createJob(db.sql, { ...alice, costCents: 10 });
    const seen = await asRole(db.sql, user(bob.userId), async (tx) => ({
      budgets: await tx`select id from public.budgets`,
      spend: await tx`select 1 from public.job_spend`,
      usage: await tx`select project_id from public.get_budget_usage() where scope = 'project'`,
    }));
    expect(seen).toEqual({ budgets: [], spend: [], usage: [] });
    expect((await sqlError(asRole(db.sql, user(bob.userId), (tx) => tx`select public.set_budget(monthly_limit_cents => 1, project_id => ${alice.projectId})`))).code).toBe('23503');
    expect((await sqlError(asRole(db.sql, anon, (tx) => tx`select * from public.budgets`))).code).toBe('42501');
    expect((await sqlError(asRole(db.sql, anon, (tx) => tx`select * from public.job_spend`))).code).toBe('42501');
    expect((await sqlError(asRole(db.sql, user(alice.userId), (tx) => tx`update public.job_spend set reserved_cents = 0`))).code).toBe('42501');
    const usage = await asRole(db.sql, user(alice.userId), (tx) => tx`
      select scope, project_id, limit_cents::int as limit_cents, reserved_cents::int as reserved from public.get_budget_usage()`);
    expect(usage).toEqual([
      { scope: 'account', project_id: null, limit_cents: null, reserved: 10 },
      { scope: 'project', project_id: alice.projectId, limit_cents: 500, reserved: 10 },
    ]);
  });
});

describe('the rollup equals a recount of the jobs', () => {
  const USERS = 2;
  let people: { id: string; projects: string[] }[];
  beforeAll(async () => {
    people = [];
    for (let i = 0; i < USERS; i++) {
      const id = await createAuthUser(db.sql);
      people.push({ id, projects: [await createProject(db.sql, id, 'P0'), await createProject(db.sql, id, 'P1')] });
    }
    // Tight enough that some creations are refused, so the checks run under the race too.
    await setBudget(people[0].id, null, 3_000);
    await setBudget(people[1].id, people[1].projects[0], 1_500);
  });

  type Op =
    | { kind: 'create'; user: number; project: number; manual: boolean; cost: number; mode: string; backdate: boolean }
    | { kind: 'claim' | 'complete' | 'fail' | 'retry' | 'cancel' | 'ack' | 'rescue' | 'delete' | 'edit' | 'move' | 'hand'; pick: number; cost: number | null };

  const MODES = ['studio-white', 'lifestyle', 'background-removal', 'upscale', 'shadow'];
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('create' as const),
        user: fc.integer({ min: 0, max: USERS - 1 }),
        project: fc.integer({ min: 0, max: 1 }),
        manual: fc.boolean(),
        cost: fc.integer({ min: 0, max: 400 }),
        mode: fc.constantFrom(...MODES),
        backdate: fc.boolean(),
      }),
    },
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constantFrom('claim', 'complete', 'fail', 'retry', 'cancel', 'ack', 'rescue', 'delete', 'edit', 'move', 'hand') as fc.Arbitrary<
          'claim' | 'complete' | 'fail' | 'retry' | 'cancel' | 'ack' | 'rescue' | 'delete' | 'edit' | 'move' | 'hand'
        >,
        pick: fc.nat(),
        cost: fc.option(fc.integer({ min: 0, max: 500 })),
      }),
    },
  );

  /** Settled cost of finished jobs deleted by the operations: it stays in the rollup. */
  const deletedSettled = new Map<string, number>();
  const key = (userId: string, month: string, projectId: string) => `${userId}/${month}/${projectId}`;

  const EXPECTED_CODES = new Set(['PJ001', 'PJ002', 'PJ006', 'PJ008', 'PJ012']);

  async function pickJob(sql: postgres.Sql, where: postgres.PendingQuery<postgres.Row[]>, pick: number) {
    const rows = await sql<{ id: string; user_id: string; lease_token: string | null; provider: string; project_id: string }[]>`
      select id, user_id, lease_token, provider, project_id from public.generation_jobs j
      where user_id = any(${people.map((p) => p.id)}::uuid[]) and (${where}) order by id`;
    return rows.length === 0 ? null : rows[pick % rows.length];
  }

  async function run(sql: postgres.Sql, o: Op): Promise<void> {
    if (o.kind === 'create') {
      const owner = people[o.user];
      const projectId = owner.projects[o.project];
      if (o.backdate) {
        // The database owner may backdate (seed, archival): spend counts in the job's own month.
        await sql`insert into public.generation_jobs (user_id, project_id, mode, provider, cost_cents, created_at)
                  values (${owner.id}, ${projectId}, ${o.mode}, ${o.manual ? 'manual' : 'simulated'}, ${o.manual ? o.cost : 0}, now() - interval '40 days')`;
      } else {
        await asRole(sql, user(owner.id), (tx) =>
          tx`insert into public.generation_jobs (project_id, mode, provider, cost_cents) values (${projectId}, ${o.mode}, ${o.manual ? 'manual' : 'simulated'}, ${o.manual ? o.cost : 0})`);
      }
      return;
    }
    const token = (job: { lease_token: string | null }) => job.lease_token!;
    switch (o.kind) {
      case 'claim':
        await sql`select id from job_queue.claim_jobs('prop', '{simulated}', ${1 + (o.pick % 3)}, 30)`;
        return;
      case 'complete': {
        const job = await pickJob(sql, sql`status = 'running' and provider <> 'manual'`, o.pick);
        if (job) await sql`select * from job_queue.complete_jobs('prop', ${sql.json([{ id: job.id, lease_token: token(job), cost_cents: o.cost, output_asset_id: null }])})`;
        return;
      }
      case 'fail':
      case 'retry': {
        const job = await pickJob(sql, sql`status = 'running' and provider <> 'manual'`, o.pick);
        if (job) {
          await sql`select * from job_queue.fail_jobs('prop', ${sql.json([{ id: job.id, lease_token: token(job), error: 'x', retryable: o.kind === 'retry', cost_cents: o.cost }])}, 1, 1)`;
        }
        return;
      }
      case 'cancel': {
        const job = await pickJob(sql, sql`status in ('queued', 'running')`, o.pick);
        if (job) await asRole(sql, user(job.user_id), (tx) => tx`select public.cancel_generation_job(${job.id})`);
        return;
      }
      case 'ack': {
        const job = await pickJob(sql, sql`status = 'running' and cancel_requested_at is not null and provider <> 'manual'`, o.pick);
        if (job) await sql`select * from job_queue.cancel_jobs('prop', ${sql.json([{ id: job.id, lease_token: token(job), ...(o.cost === null ? {} : { cost_cents: o.cost }) }])})`;
        return;
      }
      case 'rescue': {
        const job = await pickJob(sql, sql`status = 'running' and provider <> 'manual'`, o.pick);
        if (job) {
          await sql`update public.generation_jobs set locked_until = now() - interval '1 second' where id = ${job.id} and status = 'running'`;
          await sql`select * from job_queue.rescue_expired_jobs('prop')`;
        }
        return;
      }
      case 'delete': {
        const job = await pickJob(sql, sql`status in ('succeeded', 'failed', 'canceled') or provider = 'manual'`, o.pick);
        if (!job) return;
        const deleted = await asRole(sql, user(job.user_id), (tx) => tx<{ status: string; cost_cents: number; user_id: string; project_id: string; month: string }[]>`
          delete from public.generation_jobs where id = ${job.id}
          returning status, cost_cents, user_id, project_id, public.job_spend_month(created_at)::text as month`);
        for (const row of deleted) {
          if (['succeeded', 'failed', 'canceled'].includes(row.status)) {
            const k = key(row.user_id, row.month, row.project_id);
            deletedSettled.set(k, (deletedSettled.get(k) ?? 0) + row.cost_cents);
          }
        }
        return;
      }
      case 'edit': {
        const job = await pickJob(sql, sql`status = 'queued' and provider <> 'manual'`, o.pick);
        if (job) await asRole(sql, user(job.user_id), (tx) => tx`update public.generation_jobs set mode = ${MODES[o.pick % MODES.length]} where id = ${job.id}`);
        return;
      }
      case 'move': {
        const job = await pickJob(sql, sql`status = 'queued'`, o.pick);
        if (!job) return;
        const owner = people.find((p) => p.id === job.user_id)!;
        const target = owner.projects.find((p) => p !== job.project_id)!;
        await asRole(sql, user(job.user_id), (tx) => tx`update public.generation_jobs set project_id = ${target} where id = ${job.id}`);
        return;
      }
      case 'hand': {
        const job = await pickJob(sql, sql`status in ('queued', 'running') and provider = 'manual'`, o.pick);
        if (!job) return;
        const next = ['running', 'succeeded', 'failed', 'canceled'][o.pick % 4];
        await asRole(sql, user(job.user_id), (tx) => tx`select public.transition_job_status(${job.id}, ${next}, ${next === 'failed' ? 'boom' : null})`);
        return;
      }
    }
  }

  async function compare() {
    const rollup = await db.sql<{ k: string; reserved: number; settled: number }[]>`
      select user_id || '/' || month::text || '/' || project_id as k, reserved_cents::int as reserved, settled_cents::int as settled
      from public.job_spend where user_id = any(${people.map((p) => p.id)}::uuid[]) and (reserved_cents <> 0 or settled_cents <> 0)`;
    const recount = await db.sql<{ k: string; reserved: number; settled: number }[]>`
      select user_id || '/' || public.job_spend_month(created_at)::text || '/' || project_id as k,
             coalesce(sum(cost_cents) filter (where status in ('queued', 'running')), 0)::int as reserved,
             coalesce(sum(cost_cents) filter (where status not in ('queued', 'running')), 0)::int as settled
      from public.generation_jobs where user_id = any(${people.map((p) => p.id)}::uuid[]) group by 1`;
    const expected = new Map(recount.map((r) => [r.k, { reserved: r.reserved, settled: r.settled }]));
    for (const [k, settled] of deletedSettled) {
      const entry = expected.get(k) ?? { reserved: 0, settled: 0 };
      expected.set(k, { reserved: entry.reserved, settled: entry.settled + settled });
    }
    const nonZero = [...expected].filter(([, v]) => v.reserved !== 0 || v.settled !== 0);
    expect(Object.fromEntries(rollup.map((r) => [r.k, { reserved: r.reserved, settled: r.settled }]))).toEqual(Object.fromEntries(nonZero));
  }

  it('after any interleaving of concurrent creators, finishes, retries, cancels, rescues, edits and deletes', async () => {
    const pool = postgres(db.url, { max: 6, onnotice: () => {} });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }), async (rounds) => {
          for (const round of rounds) {
            // One round's operations run at once, each on its own connection.
            const results = await Promise.allSettled(round.map((o) => run(pool, o)));
            for (const result of results) {
              if (result.status === 'rejected') {
                const code = (result.reason as { code?: string }).code;
                if (!code || !EXPECTED_CODES.has(code)) throw result.reason;
              }
            }
          }
          await compare();
        }),
        { numRuns: 12 },
      );
    } finally {
      await pool.end();
    }
  }, 120_000);
});
