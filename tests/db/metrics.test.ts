import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anon, asRole, serviceRole, sqlError, user } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createJob, createOwner, createTimedJob, type Owner } from '../support/job-fixtures.ts';

// Monitoring: metrics with known durations (timestamps set as the database owner), the time series that
// feeds the charts, live workers and stuck jobs.

let db: TestDatabase;
let alice: Owner;
let bob: Owner;

const HOUR = 3_600_000;
/** A fixed past day, so the hours never move under the test. */
const DAY0 = Date.UTC(2026, 0, 5);
const at = (hour: number, minute = 0) => new Date(DAY0 + hour * HOUR + minute * 60_000);

interface Metric {
  mode: string;
  jobs: string;
  succeeded: string;
  failed: string;
  canceled: string;
  failure_rate: string | null;
  queue_wait_p50_ms: string | null;
  queue_wait_p95_ms: string | null;
  run_time_p50_ms: string | null;
  run_time_p95_ms: string | null;
  cost_cents: string;
}

const metrics = (owner: Owner, since: Date, until: Date) =>
  asRole(db.sql, user(owner.userId), (tx) => tx<Metric[]>`select * from public.get_job_metrics(${since}, ${until})`);
const series = (owner: Owner, since: Date, until: Date, granularity: string, mode: string | null = null) =>
  asRole(db.sql, user(owner.userId), (tx) => tx<(Omit<Metric, 'mode'> & { bucket_start: Date })[]>`
    select * from public.get_job_timeseries(${since}, ${until}, ${granularity}, ${mode})`);

/** Nearest-rank percentile, the definition the functions use. */
function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(p * sorted.length) - 1];
}

beforeAll(async () => {
  db = await createTestDatabase();
  alice = await createOwner(db.sql);
  bob = await createOwner(db.sql);
  // Hour 10: 20 upscale jobs, waits 10, 20, ..., 200 ms and run times 1, 2, ..., 20 s; every fifth failed.
  for (let i = 1; i <= 20; i++) {
    await createTimedJob(db.sql, {
      ...alice, mode: 'upscale', status: i % 5 === 0 ? 'failed' : 'succeeded', createdAt: at(10, i),
      waitMs: 10 * i, runMs: 1000 * i, costCents: 60,
    });
  }
  // Hour 10: two lifestyle jobs, one canceled before it ran; hour 12: one more (outside some windows).
  await createTimedJob(db.sql, { ...alice, mode: 'lifestyle', status: 'succeeded', createdAt: at(10, 30), waitMs: 5, runMs: 40_000, costCents: 250 });
  await createTimedJob(db.sql, { ...alice, mode: 'lifestyle', status: 'canceled', createdAt: at(10, 40), waitMs: 1000, runMs: null, costCents: 0 });
  await createTimedJob(db.sql, { ...alice, mode: 'lifestyle', status: 'succeeded', createdAt: at(12, 5), waitMs: 7, runMs: 3000, costCents: 250 });
  // Bob's job in the same hour: never in Alice's figures.
  await createTimedJob(db.sql, { ...bob, mode: 'upscale', status: 'failed', createdAt: at(10, 1), waitMs: 99_999, runMs: 99_999, costCents: 999 });
});
afterAll(async () => {
  await db.drop();
});

describe('get_job_metrics(since, until) with known durations', () => {
  it('counts, failure rate, percentiles and cost per mode, exactly', async () => {
    const rows = await metrics(alice, at(10), at(11));
    expect(rows).toEqual([
      {
        mode: 'lifestyle', jobs: '2', succeeded: '1', failed: '0', canceled: '1', failure_rate: '0.0000',
        // The canceled job never started: no wait or run time of its own.
        queue_wait_p50_ms: '5', queue_wait_p95_ms: '5', run_time_p50_ms: '40000', run_time_p95_ms: '40000', cost_cents: '250',
      },
      {
        mode: 'upscale', jobs: '20', succeeded: '16', failed: '4', canceled: '0', failure_rate: '0.2000',
        // Nearest rank: the 10th and 19th of 20.
        queue_wait_p50_ms: '100', queue_wait_p95_ms: '190', run_time_p50_ms: '10000', run_time_p95_ms: '19000', cost_cents: '1200',
      },
    ]);
  });

  it('a window takes the hours that overlap it; a job counts in the hour it finished', async () => {
    const wide = await metrics(alice, at(9, 30), at(12, 30));
    expect(wide.find((r) => r.mode === 'lifestyle')!.jobs).toBe('3');
    const later = await metrics(alice, at(11), at(13));
    expect(later.map((r) => [r.mode, r.jobs])).toEqual([['lifestyle', '1']]);
    expect(await metrics(alice, at(13), at(14))).toEqual([]);
    // The default window is the last 24 hours: these jobs finished long before.
    expect(await asRole(db.sql, user(alice.userId), (tx) => tx`select * from public.get_job_metrics()`)).toEqual([]);
  });

  test.prop([fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 40 })], { numRuns: 12 })(
    'percentiles of any durations are within the histogram resolution (6.25%; exact below 32 ms)',
    async (waits) => {
      const owner = await createOwner(db.sql);
      for (const [i, wait] of waits.entries()) {
        await createTimedJob(db.sql, { ...owner, mode: 'shadow', status: 'succeeded', createdAt: at(20, i % 50), waitMs: wait, runMs: 1 });
      }
      const [row] = await metrics(owner, at(20), at(21));
      for (const [p, reported] of [[0.5, row.queue_wait_p50_ms], [0.95, row.queue_wait_p95_ms]] as const) {
        const exact = nearestRank(waits, p);
        if (exact < 32) expect(Number(reported)).toBe(exact);
        else expect(Math.abs(Number(reported) - exact)).toBeLessThanOrEqual(exact / 16);
      }
    },
  );
});

describe('get_job_timeseries(): the charts\' data', () => {
  it('one row per hour, empty hours included, each equal to get_job_metrics of that hour', async () => {
    const rows = await series(alice, at(9), at(13), 'hour', 'upscale');
    expect(rows.map((r) => r.bucket_start.getTime())).toEqual([at(9), at(10), at(11), at(12)].map((d) => d.getTime()));
    expect(rows.map((r) => r.jobs)).toEqual(['0', '20', '0', '0']);
    for (const row of rows) {
      const [hourly] = await metrics(alice, row.bucket_start, new Date(row.bucket_start.getTime() + HOUR)).then((all) => all.filter((m) => m.mode === 'upscale'));
      const { bucket_start: _bucket, ...figures } = row;
      if (hourly) expect({ ...hourly, mode: undefined }).toEqual({ ...figures, mode: undefined });
      else expect(figures.jobs).toBe('0');
    }
  });

  it('all modes together, and by day (the day equals get_job_metrics over that day, merged)', async () => {
    const hours = await series(alice, at(10), at(13), 'hour');
    expect(hours.map((r) => [r.jobs, r.cost_cents])).toEqual([['22', '1450'], ['0', '0'], ['1', '250']]);
    const [day] = await series(alice, at(0), at(24), 'day');
    expect(day.bucket_start.getTime()).toBe(DAY0);
    expect([day.jobs, day.succeeded, day.failed, day.canceled, day.cost_cents]).toEqual(['23', '18', '4', '1', '1700']);
    // Waits of the day: 10..200 ms (upscale), 5 and 7 ms (lifestyle): 22 values.
    const waits = [...Array.from({ length: 20 }, (_, i) => 10 * (i + 1)), 5, 7];
    expect(Number(day.queue_wait_p50_ms)).toBe(nearestRank(waits, 0.5));
    expect(Number(day.queue_wait_p95_ms)).toBe(nearestRank(waits, 0.95));
  });

  it('refuses an unknown granularity and more than 1000 buckets', async () => {
    expect((await sqlError(series(alice, at(0), at(1), 'minute'))).code).toBe('22023');
    expect((await sqlError(series(alice, at(0), at(2000), 'hour'))).code).toBe('22023');
    expect(await series(alice, at(5), at(5), 'hour')).toEqual([]);
  });
});

describe('who sees what', () => {
  it('each user sees only their own figures; anon nothing', async () => {
    const bobs = await metrics(bob, at(10), at(11));
    expect(bobs.map((r) => [r.mode, r.jobs, r.cost_cents])).toEqual([['upscale', '1', '999']]);
    expect((await sqlError(asRole(db.sql, anon, (tx) => tx`select * from public.get_job_metrics()`))).code).toBe('42501');
    expect((await sqlError(asRole(db.sql, anon, (tx) => tx`select * from job_rollups.mode_hours`))).code).toBe('42501');
    // The rollup tables themselves follow the owner's RLS.
    const raw = await asRole(db.sql, user(alice.userId), (tx) => tx<{ user_id: string }[]>`select distinct user_id from job_rollups.latency_bins`);
    expect(raw.map((r) => r.user_id)).toEqual([alice.userId]);
    // No user may write them.
    expect((await sqlError(asRole(db.sql, user(alice.userId), (tx) => tx`delete from job_rollups.status_totals`))).code).toBe('42501');
    expect((await sqlError(asRole(db.sql, serviceRole, (tx) => tx`update job_rollups.mode_hours set cost_cents = 0`))).code).toBe('42501');
  });
});

describe('get_live_workers()', () => {
  it('shows each worker\'s state and load, and which of the caller\'s jobs it runs, never anyone else\'s', async () => {
    const mine = await createJob(db.sql, { ...alice, status: 'running', provider: 'manual' });
    const theirs = await createJob(db.sql, { ...bob, status: 'running', provider: 'manual' });
    await db.sql`select job_queue.register_worker('host-a:1:aaa', 'host-a', 1, '{simulated}', 10)`;
    await db.sql`select job_queue.heartbeat('host-a:1:aaa', ${db.sql.json([{ id: mine, lease_token: 1 }, { id: theirs, lease_token: 2 }])}, 30)`;
    await db.sql`select job_queue.register_worker('host-b:2:bbb', 'host-b', 2, '{simulated,local}', 4)`;
    await db.sql`update job_queue.workers set last_seen_at = now() - interval '5 minutes' where id = 'host-b:2:bbb'`;
    await db.sql`select job_queue.register_worker('host-c:3:ccc', 'host-c', 3, '{simulated}', 1)`;
    await db.sql`select job_queue.stop_worker('host-c:3:ccc')`;
    await db.sql`select job_queue.register_worker('host-d:4:ddd', 'host-d', 4, '{simulated}', 1)`;
    await db.sql`update job_queue.workers set last_seen_at = now() - interval '3 hours' where id = 'host-d:4:ddd'`;

    const rows = await asRole(db.sql, user(alice.userId), (tx) => tx<Record<string, unknown>[]>`select * from public.get_live_workers()`);
    expect(rows.map((r) => [r.state, r.concurrency, r.running_jobs, r.my_job_ids])).toEqual([
      ['alive', 10, 2, [mine]],
      ['stale', 4, 0, []],
      ['stopped', 1, 0, []],
    ]);
    // An opaque label: no host, pid or worker id.
    expect(Object.keys(rows[0]).sort()).toEqual(['concurrency', 'last_seen_at', 'my_job_ids', 'providers', 'running_jobs', 'started_at', 'state', 'worker']);
    expect(JSON.stringify(rows)).not.toMatch(/host-/);
    const forBob = await asRole(db.sql, user(bob.userId), (tx) => tx<{ my_job_ids: string[] }[]>`select my_job_ids from public.get_live_workers()`);
    expect(forBob[0].my_job_ids).toEqual([theirs]);
    expect((await sqlError(asRole(db.sql, anon, (tx) => tx`select * from public.get_live_workers()`))).code).toBe('42501');
  });
});

describe('get_stuck_jobs()', () => {
  it('lists the caller\'s jobs with an expired lease, past their timeout, or waiting too long; oldest first', async () => {
    const owner = await createOwner(db.sql);
    const [expired, slow, waiting, fine] = await db.sql<{ id: string }[]>`
      insert into public.generation_jobs (user_id, project_id, mode, provider)
      select ${owner.userId}, ${owner.projectId}, 'upscale', 'simulated' from generate_series(1, 4) returning id`.then((rows) => rows.map((r) => r.id));
    await db.sql`update public.generation_jobs set status = 'running', locked_by = 'w', locked_until = now() + interval '1 minute' where id in (${expired}, ${slow}, ${fine})`;
    await db.sql`update public.generation_jobs set locked_until = now() - interval '10 seconds' where id = ${expired}`;
    // simulated upscale times out after 30 s.
    await db.sql`update public.generation_jobs set started_at = now() - interval '45 seconds' where id = ${slow}`;
    await db.sql`update public.generation_jobs set run_at = now() - interval '10 minutes' where id = ${waiting}`;
    await createJob(db.sql, { ...owner, status: 'running', provider: 'manual' }); // moved by hand: never stuck
    const otherOwner = await createOwner(db.sql);
    const [other] = await db.sql<{ id: string }[]>`
      insert into public.generation_jobs (user_id, project_id, mode, provider) values (${otherOwner.userId}, ${otherOwner.projectId}, 'upscale', 'simulated') returning id`;
    await db.sql`update public.generation_jobs set run_at = now() - interval '1 hour' where id = ${other.id}`;

    const rows = await asRole(db.sql, user(owner.userId), (tx) => tx<{ id: string; reason: string }[]>`select * from public.get_stuck_jobs()`);
    expect(rows.map((r) => [r.id, r.reason])).toEqual([
      [waiting, 'waiting'],
      [slow, 'over_timeout'],
      [expired, 'lease_expired'],
    ]);
    const lenient = await asRole(db.sql, user(owner.userId), (tx) => tx<{ id: string }[]>`select * from public.get_stuck_jobs(interval '1 hour', 2)`);
    expect(lenient.map((r) => r.id)).toEqual([slow, expired]);
  });
});
