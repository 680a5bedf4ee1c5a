import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { anon, asRole, serviceRole, sqlError, user } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createJob, createOwner, createTimedJob, type Owner } from '../support/job-fixtures.ts';
import { recountRollups, storedRollups } from '../support/rollup-recount.ts';

// Archival (issue 11): finished jobs older than the retention move to generation_jobs_archive in batches.

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const DAY = 24 * 3600 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

/** What the owner sees: statistics, total cost, summary view and metrics over all time. */
async function everythingTheUserSees(userId: string) {
  return asRole(db.sql, user(userId), async (tx) => ({
    statistics: await tx`select * from public.get_job_statistics()`,
    summary: await tx`select * from public.generation_job_summary order by project_id, status`,
    metrics: await tx`select * from public.get_job_metrics(now() - interval '1000 days', now())`,
    series: await tx`select * from public.get_job_timeseries(now() - interval '200 days', now(), 'day')`,
  }));
}

const archive = (limit?: number, retention?: string) =>
  db.sql<{ moved: number }[]>`select job_queue.archive_finished_jobs(${limit ?? null}, ${retention ?? null}::interval) as moved`.then(([row]) => row.moved);

describe('generation_jobs_archive', () => {
  it('has every column of generation_jobs, with the same type (a migration adding one to generation_jobs adds it here too)', async () => {
    const columns = await db.sql<{ table_name: string; column_name: string; data_type: string }[]>`
      select table_name, column_name, format_type(a.atttypid, a.atttypmod) as data_type
      from information_schema.columns c
      join pg_attribute a on a.attrelid = ('public.' || c.table_name)::regclass and a.attname = c.column_name
      where c.table_schema = 'public' and c.table_name in ('generation_jobs', 'generation_jobs_archive')`;
    const of = (table: string) => Object.fromEntries(columns.filter((c) => c.table_name === table).map((c) => [c.column_name, c.data_type]));
    const live = of('generation_jobs');
    const archived = of('generation_jobs_archive');
    expect(Object.keys(live).length).toBeGreaterThan(20);
    for (const [name, type] of Object.entries(live)) expect(archived[name], name).toBe(type);
    expect(archived.archived_at).toBe('timestamp with time zone');
  });
});

describe('archive_finished_jobs()', () => {
  let owner: Owner;
  let old: string[];
  let recent: string;
  let active: string;

  beforeAll(async () => {
    owner = await createOwner(db.sql);
    old = [];
    for (const [i, status] of (['succeeded', 'failed', 'canceled', 'succeeded'] as const).entries()) {
      old.push(await createTimedJob(db.sql, { ...owner, status, createdAt: daysAgo(120 + i), waitMs: 40 * (i + 1), runMs: status === 'canceled' ? null : 1500 * (i + 1), costCents: 100 + i }));
    }
    recent = await createTimedJob(db.sql, { ...owner, status: 'succeeded', createdAt: daysAgo(10), waitMs: 5, runMs: 900, costCents: 7 });
    active = await createJob(db.sql, { ...owner, status: 'running', provider: 'manual' });
  });

  it('moves finished jobs older than the retention (default 90 days), and nothing else; statistics, costs, summary and metrics are unchanged', async () => {
    const before = await everythingTheUserSees(owner.userId);
    const [{ events: eventsBefore }] = await db.sql<{ events: string }[]>`select count(*) as events from public.job_events where job_id = any(${old}::uuid[])`;

    expect(await archive()).toBe(4);
    const live = await db.sql<{ id: string }[]>`select id from public.generation_jobs where user_id = ${owner.userId} order by id`;
    expect(live.map((row) => row.id).sort()).toEqual([recent, active].sort());
    const archived = await db.sql<{ id: string; status: string; cost_cents: number; archived_at: Date }[]>`
      select id, status, cost_cents, archived_at from public.generation_jobs_archive where user_id = ${owner.userId}`;
    expect(archived.map((row) => row.id).sort()).toEqual([...old].sort());
    expect(archived.every((row) => row.archived_at instanceof Date)).toBe(true);

    expect(await everythingTheUserSees(owner.userId)).toEqual(before);
    // Their history stays.
    const [{ events }] = await db.sql<{ events: string }[]>`select count(*) as events from public.job_events where job_id = any(${old}::uuid[])`;
    expect(events).toBe(eventsBefore);
    expect(await storedRollups(db.sql)).toEqual(await recountRollups(db.sql));

    // Idempotent: nothing left to move.
    expect(await archive()).toBe(0);
  });

  it('takes its retention and batch size from job_queue.settings, or from its arguments', async () => {
    await db.sql`update job_queue.settings set archive_retention = interval '5 days', archive_batch_size = 1`;
    try {
      expect(await archive()).toBe(1);
      expect(await archive()).toBe(0);
    } finally {
      await db.sql`update job_queue.settings set archive_retention = interval '90 days', archive_batch_size = 1000`;
    }
    const [row] = await db.sql<{ id: string }[]>`select id from public.generation_jobs_archive where id = ${recent}`;
    expect(row?.id).toBe(recent);
    expect((await sqlError(archive(10, '-1 day'))).code).toBe('22023');
  });

  it('holds back a job a foreign key points at (a live retry, a row of another table) until nothing does', async () => {
    const first = await createTimedJob(db.sql, { ...owner, status: 'failed', createdAt: daysAgo(200), waitMs: 1, runMs: 1 });
    const retry = await createTimedJob(db.sql, { ...owner, status: 'succeeded', createdAt: daysAgo(1), waitMs: 1, runMs: 1, retryOf: first });
    const noted = await createTimedJob(db.sql, { ...owner, status: 'succeeded', createdAt: daysAgo(150), waitMs: 1, runMs: 1 });
    await db.sql`create table public.job_notes (id bigint generated always as identity primary key, job_id uuid not null references public.generation_jobs (id) on delete cascade, body text)`;
    await db.sql`create index job_notes_job_id_idx on public.job_notes (job_id)`;
    await db.sql`insert into public.job_notes (job_id, body) values (${noted}, 'keep me')`;
    try {
      expect(await archive()).toBe(0);
      const held = await db.sql<{ id: string }[]>`select id from public.generation_jobs where id in (${first}, ${noted})`;
      expect(held).toHaveLength(2);
      const [link] = await db.sql<{ retry_of: string }[]>`select retry_of from public.generation_jobs where id = ${retry}`;
      expect(link.retry_of).toBe(first);

      // Once the retry is archived too (its link kept as a plain id), the first attempt follows.
      expect(await archive(10, '0')).toBe(1);
      expect(await archive(10, '0')).toBe(1);
      const rows = await db.sql<{ id: string; retry_of: string | null }[]>`
        select id, retry_of from public.generation_jobs_archive where id in (${first}, ${retry})`;
      expect(Object.fromEntries(rows.map((r) => [r.id, r.retry_of]))).toEqual({ [first]: null, [retry]: first });

      await db.sql`delete from public.job_notes`;
      expect(await archive(10, '0')).toBe(1);
    } finally {
      await db.sql`drop table public.job_notes`;
    }
  });

  it('marks its deletes (job_queue.archiving), so other triggers can tell archival from a deletion', async () => {
    const job = await createTimedJob(db.sql, { ...owner, status: 'succeeded', createdAt: daysAgo(100), waitMs: 1, runMs: 1 });
    await db.sql`create table public.deletions_seen (job_id uuid, archiving text)`;
    await db.sql`
      create function public.record_deletion() returns trigger language plpgsql as $$
      begin
        insert into public.deletions_seen values (old.id, current_setting('job_queue.archiving', true));
        return old;
      end $$`;
    await db.sql`create trigger record_deletion after delete on public.generation_jobs for each row execute function public.record_deletion()`;
    try {
      expect(await archive()).toBe(1);
      const deleted = await createJob(db.sql, { ...owner, status: 'succeeded' });
      await asRole(db.sql, user(owner.userId), (tx) => tx`delete from public.generation_jobs where id = ${deleted}`);
      const seen = await db.sql<{ job_id: string; archiving: string | null }[]>`select * from public.deletions_seen`;
      expect(Object.fromEntries(seen.map((r) => [r.job_id, r.archiving || null]))).toEqual({ [job]: 'on', [deleted]: null });
    } finally {
      await db.sql`drop trigger record_deletion on public.generation_jobs`;
      await db.sql`drop function public.record_deletion()`;
      await db.sql`drop table public.deletions_seen`;
    }
  });

  it('refuses to run when generation_jobs has a column the archive lacks, and copies it once added', async () => {
    const job = await createTimedJob(db.sql, { ...owner, status: 'succeeded', createdAt: daysAgo(100), waitMs: 1, runMs: 1 });
    await db.sql`alter table public.generation_jobs add column reviewer_note text`;
    try {
      await db.sql`update public.generation_jobs set reviewer_note = 'nice' where id = ${job}`;
      const error = await sqlError(archive());
      expect(error.code).toBe('55000');
      expect(error.message).toContain('reviewer_note');
      await db.sql`alter table public.generation_jobs_archive add column reviewer_note text`;
      expect(await archive()).toBe(1);
      const [row] = await db.sql<{ reviewer_note: string }[]>`select reviewer_note from public.generation_jobs_archive where id = ${job}`;
      expect(row.reviewer_note).toBe('nice');
    } finally {
      await db.sql`alter table public.generation_jobs_archive drop column if exists reviewer_note`;
      await db.sql`alter table public.generation_jobs drop column if exists reviewer_note`;
    }
  });
});

describe('generation_jobs_archive: the same RLS as generation_jobs', () => {
  let alice: Owner;
  let bob: Owner;
  let alicesJob: string;

  beforeAll(async () => {
    alice = await createOwner(db.sql);
    bob = await createOwner(db.sql);
    alicesJob = await createTimedJob(db.sql, { ...alice, status: 'succeeded', createdAt: daysAgo(300), waitMs: 1, runMs: 1 });
    await createTimedJob(db.sql, { ...bob, status: 'failed', createdAt: daysAgo(300), waitMs: 1, runMs: 1 });
    await archive(1000, '200 days');
  });

  it('owners read their own archived jobs only; anon reads nothing; the service role reads all', async () => {
    const mine = await asRole(db.sql, user(alice.userId), (tx) => tx<{ id: string }[]>`select id from public.generation_jobs_archive`);
    expect(mine.map((r) => r.id)).toEqual([alicesJob]);
    const bobs = await asRole(db.sql, user(bob.userId), (tx) => tx<{ user_id: string }[]>`select user_id from public.generation_jobs_archive`);
    expect(bobs.every((r) => r.user_id === bob.userId)).toBe(true);
    expect((await sqlError(asRole(db.sql, anon, (tx) => tx`select id from public.generation_jobs_archive`))).code).toBe('42501');
    const all = await asRole(db.sql, serviceRole, (tx) => tx<{ user_id: string }[]>`select distinct user_id from public.generation_jobs_archive`);
    expect(all.map((r) => r.user_id)).toEqual(expect.arrayContaining([alice.userId, bob.userId]));
  });

  it('nobody inserts or updates through the API; owners delete their own (and the statistics follow)', async () => {
    for (const actor of [user(alice.userId), serviceRole]) {
      expect((await sqlError(asRole(db.sql, actor, (tx) => tx`update public.generation_jobs_archive set cost_cents = 0`))).code).toBe('42501');
      expect((await sqlError(asRole(db.sql, actor, (tx) => tx`
        insert into public.generation_jobs_archive (id, user_id, project_id, mode, status)
        values (gen_random_uuid(), ${alice.userId}, ${alice.projectId}, 'x', 'succeeded')`))).code).toBe('42501');
    }
    const bobDeletes = await asRole(db.sql, user(bob.userId), (tx) => tx`delete from public.generation_jobs_archive where id = ${alicesJob} returning id`);
    expect(bobDeletes).toHaveLength(0);
    const before = await asRole(db.sql, user(alice.userId), (tx) => tx<{ status: string; job_count: string }[]>`select * from public.get_job_statistics()`);
    const deleted = await asRole(db.sql, user(alice.userId), (tx) => tx`delete from public.generation_jobs_archive where id = ${alicesJob} returning id`);
    expect(deleted).toHaveLength(1);
    const after = await asRole(db.sql, user(alice.userId), (tx) => tx<{ status: string; job_count: string }[]>`select * from public.get_job_statistics()`);
    expect(Number(after.find((r) => r.status === 'succeeded')!.job_count)).toBe(Number(before.find((r) => r.status === 'succeeded')!.job_count) - 1);
  });

  it('a deleted project or user takes its archived jobs along', async () => {
    const carol = await createOwner(db.sql);
    await createTimedJob(db.sql, { ...carol, status: 'succeeded', createdAt: daysAgo(300), waitMs: 1, runMs: 1 });
    await archive(1000, '200 days');
    await db.sql`delete from auth.users where id = ${carol.userId}`;
    const [{ n }] = await db.sql<{ n: string }[]>`select count(*) as n from public.generation_jobs_archive where user_id = ${carol.userId}`;
    expect(Number(n)).toBe(0);
    expect(await storedRollups(db.sql)).toEqual(await recountRollups(db.sql));
  });
});

describe('several archivers at once', () => {
  it('move each job exactly once', async () => {
    const owner = await createOwner(db.sql);
    await db.sql`
      insert into public.generation_jobs (user_id, project_id, mode, provider, cost_cents, created_at)
      select ${owner.userId}, ${owner.projectId}, 'lifestyle', 'manual', n, now() - interval '400 days' from generate_series(1, 600) n`;
    await db.sql`update public.generation_jobs set status = 'canceled' where user_id = ${owner.userId}`;
    await db.sql`update public.generation_jobs set finished_at = now() - interval '399 days' where user_id = ${owner.userId}`;
    const before = await everythingTheUserSees(owner.userId);

    const { host, port } = inject('cluster');
    const clients = Array.from({ length: 4 }, () => postgres(`postgresql://postgres:postgres@${host}:${port}/${db.name}`, { max: 1, onnotice: () => {} }));
    try {
      const moved = await Promise.all(
        clients.map(async (client) => {
          let total = 0;
          for (;;) {
            const [{ n }] = await client<{ n: number }[]>`select job_queue.archive_finished_jobs(25, interval '300 days') as n`;
            if (n === 0) break;
            total += n;
          }
          return total;
        }),
      );
      expect(moved.reduce((a, b) => a + b, 0)).toBe(600);
      expect(moved.filter((n) => n > 0).length).toBeGreaterThan(1);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
    const [counts] = await db.sql<{ live: string; archived: string; distinct_ids: string }[]>`
      select (select count(*) from public.generation_jobs where user_id = ${owner.userId}) as live,
             (select count(*) from public.generation_jobs_archive where user_id = ${owner.userId}) as archived,
             (select count(distinct id) from public.generation_jobs_archive where user_id = ${owner.userId}) as distinct_ids`;
    expect(counts).toEqual({ live: '0', archived: '600', distinct_ids: '600' });
    expect(await everythingTheUserSees(owner.userId)).toEqual(before);
  });
});
