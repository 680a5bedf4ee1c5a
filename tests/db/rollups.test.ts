import { fc, test } from '@fast-check/vitest';
import postgres from 'postgres';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole, serviceRole, user } from '../support/as-role.ts';
import { createAuthUser } from '../support/auth-users.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createProject } from '../support/job-fixtures.ts';
import { latencyBin, recountRollups, storedRollups } from '../support/rollup-recount.ts';

// The rollups (statistics, costs, summary, metrics) are a function of the rows of generation_jobs and its
// archive. Random sequences of everything that writes jobs (users, the worker's functions, the owner
// backdating timestamps, deletes, cascades, archival, compaction), then a recount from the rows.

let db: TestDatabase;
let users: string[];

beforeAll(async () => {
  db = await createTestDatabase();
  users = [];
  for (let i = 0; i < 3; i++) {
    const id = await createAuthUser(db.sql);
    users.push(id);
    await createProject(db.sql, id, 'A');
    await createProject(db.sql, id, 'B');
  }
});
afterAll(async () => {
  await db.drop();
});

const MODES = ['studio-white', 'lifestyle', 'upscale'] as const;

type Op =
  | { kind: 'create'; user: number; project: number; count: number; manual: boolean; mode: number; cost: number }
  | { kind: 'move'; pick: number; to: 'running' | 'succeeded' | 'failed' | 'canceled' | 'queued' }
  | { kind: 'claim'; count: number }
  | { kind: 'finish'; count: number; outcome: 'complete' | 'retry' | 'fail' | 'cancel'; cost: number | null }
  | { kind: 'cancel' | 'retry' | 'delete' | 'deleteArchived'; pick: number }
  | { kind: 'shift'; pick: number; hours: number; stretchMs: number; archived: boolean }
  | { kind: 'archive'; limit: number }
  | { kind: 'rescue'; count: number }
  | { kind: 'deleteProject'; user: number }
  | { kind: 'compact' };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('create' as const), user: fc.nat(2), project: fc.nat(1), count: fc.integer({ min: 1, max: 4 }), manual: fc.boolean(), mode: fc.nat(MODES.length - 1), cost: fc.nat(5000) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), to: fc.constantFrom('running' as const, 'succeeded' as const, 'failed' as const, 'canceled' as const, 'queued' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('claim' as const), count: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('finish' as const), count: fc.integer({ min: 1, max: 5 }), outcome: fc.constantFrom('complete' as const, 'retry' as const, 'fail' as const, 'cancel' as const), cost: fc.option(fc.nat(900), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('cancel' as const, 'retry' as const, 'delete' as const, 'deleteArchived' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('shift' as const), pick: fc.nat(), hours: fc.integer({ min: 0, max: 60 }), stretchMs: fc.integer({ min: -5000, max: 90_000 }), archived: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('archive' as const), limit: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rescue' as const), count: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteProject' as const), user: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const) }) },
);

let idCounter = 0;
const refusals: string[] = [];
/** Ids in creation order, so that "the n-th job" is the same job when a seed is replayed. */
const nextId = () => `00000000-0000-4000-8000-${(idCounter++).toString(16).padStart(12, '0')}`;

/** The job at position `pick` (modulo the count) among those matching `where`, in a replayable order. */
async function pickJob(sql: postgres.Sql, pick: number, where: string, table = 'public.generation_jobs') {
  const rows = await sql.unsafe<{ id: string; user_id: string; lease_token: string | null }[]>(
    `select id, user_id, lease_token from ${table} where ${where} order by created_at, id`,
  );
  return rows.length === 0 ? null : rows[pick % rows.length];
}

/** Runs one operation; refusals the rules make (a transition that is not allowed…) are part of the game. */
async function run(sql: postgres.Sql, op: Op): Promise<void> {
  try {
    await apply(sql, op);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!/^(PJ\d{3}|23\d{3}|40P01|40001)$/.test(code)) throw error;
    refusals.push(code);
  }
}

async function apply(sql: postgres.Sql, op: Op): Promise<void> {
  switch (op.kind) {
    case 'create': {
      const [project] = await sql<{ id: string }[]>`select id from public.projects where user_id = ${users[op.user]} order by name offset ${op.project} limit 1`;
      if (!project) return;
      const ids = Array.from({ length: op.count }, nextId);
      await asRole(sql, user(users[op.user]), (tx) => tx`
        insert into public.generation_jobs (id, project_id, mode, provider, cost_cents)
        select id, ${project.id}, ${MODES[op.mode]}, ${op.manual ? 'manual' : 'simulated'}, ${op.manual ? op.cost : 0}
        from unnest(${ids}::uuid[]) id`);
      return;
    }
    case 'move': {
      const job = await pickJob(sql, op.pick, `provider = 'manual'`);
      if (!job) return;
      await asRole(sql, user(job.user_id), (tx) => tx`
        select public.transition_job_status(${job.id}, ${op.to}, ${op.to === 'failed' ? 'it broke' : null})`);
      return;
    }
    case 'claim':
      await sql`select * from job_queue.claim_jobs('prop-worker', '{simulated}', ${op.count}, 30)`;
      return;
    case 'finish': {
      const running = await sql<{ id: string; user_id: string; lease_token: string }[]>`
        select id, user_id, lease_token from public.generation_jobs where status = 'running' and provider = 'simulated'
        order by created_at, id limit ${op.count}`;
      if (running.length === 0) return;
      const batch = running.map((job) => ({ id: job.id, lease_token: job.lease_token, cost_cents: op.cost, error: 'provider said no', retryable: op.outcome === 'retry' }));
      if (op.outcome === 'complete') await sql`select * from job_queue.complete_jobs('prop-worker', ${sql.json(batch)})`;
      else if (op.outcome === 'cancel') {
        for (const job of running) await asRole(sql, user(job.user_id), (tx) => tx`select public.cancel_generation_job(${job.id})`);
        await sql`select * from job_queue.cancel_jobs('prop-worker', ${sql.json(batch)})`;
      } else await sql`select * from job_queue.fail_jobs('prop-worker', ${sql.json(batch)}, 1, 10)`;
      return;
    }
    case 'cancel': {
      const job = await pickJob(sql, op.pick, `status in ('queued', 'running')`);
      if (job) await asRole(sql, user(job.user_id), (tx) => tx`select public.cancel_generation_job(${job.id})`);
      return;
    }
    case 'retry': {
      const job = await pickJob(sql, op.pick, `status in ('failed', 'canceled')`);
      if (job) await asRole(sql, user(job.user_id), (tx) => tx`select public.retry_generation_job(${job.id})`);
      return;
    }
    case 'delete': {
      const job = await pickJob(sql, op.pick, 'true');
      if (job) await asRole(sql, user(job.user_id), (tx) => tx`delete from public.generation_jobs where id = ${job.id}`);
      return;
    }
    case 'deleteArchived': {
      const job = await pickJob(sql, op.pick, 'true', 'public.generation_jobs_archive');
      if (job) await asRole(sql, user(job.user_id), (tx) => tx`delete from public.generation_jobs_archive where id = ${job.id}`);
      return;
    }
    case 'shift': {
      // The job system (the database owner) moves a job's timestamps: it changes hour, wait and run time.
      const table = op.archived ? 'public.generation_jobs_archive' : 'public.generation_jobs';
      const job = await pickJob(sql, op.pick, 'true', table);
      if (!job) return;
      await sql.unsafe(
        `update ${table} set run_at = run_at - $2 * interval '1 hour', started_at = started_at - $2 * interval '1 hour' - $3 * interval '1 millisecond',
                finished_at = finished_at - $2 * interval '1 hour' where id = $1`,
        [job.id, op.hours, op.stretchMs],
      );
      return;
    }
    case 'archive':
      await sql`select job_queue.archive_finished_jobs(${op.limit}, interval '0')`;
      return;
    case 'rescue':
      await sql`
        update public.generation_jobs set locked_until = now() - interval '1 second'
        where id in (select id from public.generation_jobs where status = 'running' and provider = 'simulated' order by created_at, id limit ${op.count})`;
      await sql`select * from job_queue.rescue_expired_jobs('prop-worker', 100)`;
      return;
    case 'deleteProject': {
      const [project] = await sql<{ id: string }[]>`select id from public.projects where user_id = ${users[op.user]} order by name limit 1`;
      if (project) await asRole(sql, user(users[op.user]), (tx) => tx`delete from public.projects where id = ${project.id}`);
      await sql`insert into public.projects (user_id, name) values (${users[op.user]}, ${`P${idCounter++}`})`;
      return;
    }
    case 'compact':
      await sql`select job_queue.compact_job_rollups()`;
      return;
  }
}

async function expectRollupsMatchRecount(sql: postgres.Sql): Promise<void> {
  expect(await storedRollups(sql)).toEqual(await recountRollups(sql));
  // The summary view (as the service role: every user) against the seed's definition over both tables.
  const view = await asRole(sql, serviceRole, (tx) => tx`
    select user_id, project_id, status, job_count, total_cost_cents, avg_cost_cents, last_created_at
    from public.generation_job_summary order by 1, 2, 3`);
  const direct = await sql`
    select user_id, project_id, status, count(*)::bigint as job_count, sum(cost_cents)::bigint as total_cost_cents,
           round(avg(cost_cents), 2) as avg_cost_cents, max(created_at) as last_created_at
    from (select user_id, project_id, status, cost_cents, created_at from public.generation_jobs
          union all
          select user_id, project_id, status, cost_cents, created_at from public.generation_jobs_archive) j
    group by 1, 2, 3 order by 1, 2, 3`;
  expect([...view]).toEqual([...direct]);
}

describe('the rollups equal a recount of the rows', () => {
  test.prop([fc.array(opArbitrary, { minLength: 10, maxLength: 40 })], { numRuns: 30 })(
    'after any sequence of writes (users, the worker, the owner, archival, cascades, compaction)',
    async (ops) => {
      for (const op of ops) await run(db.sql, op);
      await expectRollupsMatchRecount(db.sql);
    },
  );

  it('the sequences reached every kind of change', async () => {
    const [counts] = await db.sql<{ live: string; archived: string; finished: string; bins: string }[]>`
      select (select count(*) from public.generation_jobs) as live, (select count(*) from public.generation_jobs_archive) as archived,
             (select count(*) from public.generation_jobs where status in ('succeeded', 'failed', 'canceled')) as finished,
             (select count(*) from job_rollups.latency_bins) as bins`;
    console.log(`rollups: ${JSON.stringify(counts)}, ${refusals.length} refused operations`);
    expect(Number(counts.archived)).toBeGreaterThan(0);
    expect(Number(counts.finished)).toBeGreaterThan(0);
    expect(Number(counts.bins)).toBeGreaterThan(0);
  });

  it('the functions read the rollups: statistics and metrics per user equal the recount', async () => {
    const recount = await recountRollups(db.sql);
    for (const id of users) {
      const stats = await asRole(db.sql, user(id), (tx) => tx<{ status: string; job_count: string; total_cost_cents: string }[]>`select * from public.get_job_statistics()`);
      for (const row of stats) {
        const expected = Object.entries(recount.statusTotals)
          .filter(([key]) => key.startsWith(`${id}|`) && key.endsWith(`|${row.status}`))
          .reduce((sum, [, v]) => ({ jobs: sum.jobs + v.jobs, cost: sum.cost + v.cost }), { jobs: 0, cost: 0 });
        expect({ jobs: Number(row.job_count), cost: Number(row.total_cost_cents) }, row.status).toEqual(expected);
      }
      const metrics = await asRole(db.sql, user(id), (tx) => tx<{ jobs: string; cost_cents: string }[]>`
        select * from public.get_job_metrics(now() - interval '1000 days', now() + interval '1 hour')`);
      const finished = Object.entries(recount.modeHours).filter(([key]) => key.startsWith(`${id}|`));
      expect(metrics.reduce((n, r) => n + Number(r.jobs), 0)).toBe(finished.reduce((n, [, v]) => n + v.succeeded + v.failed + v.canceled, 0));
      expect(metrics.reduce((n, r) => n + Number(r.cost_cents), 0)).toBe(finished.reduce((n, [, v]) => n + v.cost, 0));
    }
  });

  it('TRUNCATE recomputes them; rebuild() gives what the triggers kept', async () => {
    const before = await storedRollups(db.sql);
    await db.sql`select job_rollups.rebuild()`;
    expect(await storedRollups(db.sql)).toEqual(before);
    await db.sql`truncate public.generation_jobs_archive`;
    await expectRollupsMatchRecount(db.sql);
  });

  it('latency bins: exact below 32 ms, then 16 per power of two, each at most 6.25% wide', () => {
    expect([0, 1, 31, 32, 33, 34, 63, 64, 1000, 1023, 1024].map(latencyBin)).toEqual([0, 1, 31, 32, 32, 33, 47, 48, 111, 111, 112]);
    for (let ms = 32; ms < 200_000; ms += 97) {
      const bin = latencyBin(ms);
      let lo = ms;
      while (lo > 0 && latencyBin(lo - 1) === bin) lo -= 1;
      let hi = ms;
      while (latencyBin(hi + 1) === bin) hi += 1;
      expect((hi + 1 - lo) / lo).toBeLessThanOrEqual(1 / 16);
    }
  });
});

describe('concurrent writers', () => {
  it('workers, users and archivers at once on the same accounts: the rollups still equal the recount', async () => {
    const { host, port } = inject('cluster');
    const url = `postgresql://postgres:postgres@${host}:${port}/${db.name}`;
    const clients = Array.from({ length: 6 }, () => postgres(url, { max: 1, onnotice: () => {} }));
    try {
      // Work for all: 300 simulated jobs of one account's project, so the writers contend for the same groups.
      const [project] = await db.sql<{ id: string }[]>`select id from public.projects where user_id = ${users[0]} order by name limit 1`;
      await db.sql`insert into public.generation_jobs (user_id, project_id, mode, provider) select ${users[0]}, ${project.id}, 'upscale', 'simulated' from generate_series(1, 300)`;
      const sequences = fc.sample(fc.array(opArbitrary, { minLength: 40, maxLength: 40 }), { numRuns: clients.length });
      const deadlocks: string[] = [];
      await Promise.all(
        clients.map(async (client, i) => {
          for (let round = 0; round < 8; round++) {
            // Everyone drives the queue hard, with their own operations in between.
            await run(client, { kind: 'claim', count: 20 });
            await run(client, { kind: 'finish', count: 20, outcome: round % 3 === 0 ? 'retry' : 'complete', cost: 7 });
            for (const op of sequences[i].slice(round * 5, round * 5 + 5)) {
              await apply(client, op).catch((error: { code?: string }) => {
                if (error.code === '40P01') deadlocks.push(`${op.kind}`);
                else if (!/^(PJ\d{3}|23\d{3}|40001)$/.test(error.code ?? '')) throw error;
              });
            }
            await run(client, { kind: 'archive', limit: 10 });
          }
        }),
      );
      console.log(`concurrent writers: ${deadlocks.length} deadlocks (${deadlocks.join(', ') || 'none'})`);
      await expectRollupsMatchRecount(db.sql);
      await db.sql`select job_queue.compact_job_rollups()`;
      await expectRollupsMatchRecount(db.sql);
      const [{ shards }] = await db.sql<{ shards: string }[]>`select count(*) as shards from job_rollups.status_totals where shard <> 0`;
      expect(Number(shards)).toBe(0);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  }, 120_000);
});
