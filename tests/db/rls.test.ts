import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anon, probeAs, serviceRole, sqlError, user, type Actor } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createJob, createOwner, type Owner } from '../support/job-fixtures.ts';

let db: TestDatabase;
let alice: Owner & { jobs: string[] };
let bob: Owner & { jobs: string[] };

beforeAll(async () => {
  db = await createTestDatabase();
  const make = async () => {
    const owner = await createOwner(db.sql);
    const jobs = [
      await createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, inputAssetId: owner.assetId, costCents: 100 }),
      await createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, costCents: 300, status: 'failed' }),
    ];
    return { ...owner, jobs };
  };
  alice = await make();
  bob = await make();
});
afterAll(async () => {
  await db.drop();
});

type Who = 'anon' | 'owner' | 'other' | 'service_role';
const actors = (): Record<Who, Actor> => ({ anon, owner: user(alice.userId), other: user(bob.userId), service_role: serviceRole });
const WHO: Who[] = ['anon', 'owner', 'other', 'service_role'];

/** A row of alice's in each table, and the SQL to insert/update one as a given actor. */
const tables = () => ({
  projects: {
    id: alice.projectId,
    insert: (userId: string) => [`insert into public.projects (user_id, name) values ($1, 'New') returning id`, [userId]] as const,
    update: `update public.projects set name = 'Renamed' where id = $1`,
  },
  assets: {
    id: alice.assetId,
    insert: (userId: string) =>
      [`insert into public.assets (user_id, project_id, name, storage_path, mime_type) values ($1, $2, 'n', 'p.png', 'image/png') returning id`, [userId, alice.projectId]] as const,
    update: `update public.assets set name = 'Renamed' where id = $1`,
  },
  generation_jobs: {
    id: alice.jobs[0],
    insert: (userId: string) =>
      [`insert into public.generation_jobs (user_id, project_id, mode, provider) values ($1, $2, 'studio-white', 'simulated') returning id`, [userId, alice.projectId]] as const,
    update: `update public.generation_jobs set mode = 'upscale' where id = $1`,
  },
});

describe.each(['projects', 'assets', 'generation_jobs'] as const)('RLS on %s', (table) => {
  const ids = async (who: Who) => {
    const rows = await probeAs(db.sql, actors()[who], (tx) => tx.unsafe<{ user_id: string }[]>(`select user_id from public.${table}`));
    return rows.map((r) => r.user_id);
  };

  it('select: anon is refused; owner and other see only their own rows; service_role sees all', async () => {
    expect((await sqlError(ids('anon'))).code).toBe('42501');
    expect(new Set(await ids('owner'))).toEqual(new Set([alice.userId]));
    expect(new Set(await ids('other'))).toEqual(new Set([bob.userId]));
    expect(new Set(await ids('service_role'))).toEqual(new Set([alice.userId, bob.userId]));
  });

  it.each(WHO)('insert of a row owned by alice, as %s', async (who) => {
    const [statement, params] = tables()[table].insert(alice.userId);
    const attempt = probeAs(db.sql, actors()[who], (tx) => tx.unsafe(statement, [...params]));
    if (who === 'owner' || who === 'service_role') {
      expect(await attempt).toHaveLength(1);
    } else {
      // anon: no privilege; other: RLS with check, or the ownership rule for jobs (alice's project is invisible to bob).
      expect(['42501', 'PJ004']).toContain((await sqlError(attempt)).code);
    }
  });

  it.each(WHO)('update and delete of alice\'s row, as %s', async (who) => {
    const { id, update } = tables()[table];
    const expected = who === 'owner' || who === 'service_role' ? 1 : 0;
    if (who === 'anon') {
      expect((await sqlError(probeAs(db.sql, anon, (tx) => tx.unsafe(update, [id])))).code).toBe('42501');
      expect((await sqlError(probeAs(db.sql, anon, (tx) => tx.unsafe(`delete from public.${table} where id = $1`, [id])))).code).toBe('42501');
      return;
    }
    const updated = await probeAs(db.sql, actors()[who], (tx) => tx.unsafe(update, [id]));
    expect(updated.count).toBe(expected);
    const deleted = await probeAs(db.sql, actors()[who], (tx) => tx.unsafe(`delete from public.${table} where id = $1`, [id]));
    expect(deleted.count).toBe(expected);
  });
});

describe('RLS through the view and the functions', () => {
  it('generation_job_summary: anon refused, each user sees only their own groups, service_role all', async () => {
    const summary = (who: Who) =>
      probeAs(db.sql, actors()[who], (tx) => tx<{ user_id: string; job_count: string }[]>`select user_id, job_count from public.generation_job_summary`);
    expect((await sqlError(summary('anon'))).code).toBe('42501');
    expect(new Set((await summary('owner')).map((r) => r.user_id))).toEqual(new Set([alice.userId]));
    expect(new Set((await summary('other')).map((r) => r.user_id))).toEqual(new Set([bob.userId]));
    expect(new Set((await summary('service_role')).map((r) => r.user_id))).toEqual(new Set([alice.userId, bob.userId]));
    expect((await summary('owner')).reduce((n, r) => n + Number(r.job_count), 0)).toBe(2);
  });

  it('get_job_statistics: anon refused; each user gets their own totals; service_role (no user) gets zeros', async () => {
    const stats = (who: Who) =>
      probeAs(db.sql, actors()[who], (tx) => tx<{ status: string; job_count: string; total_cost_cents: string }[]>`select * from public.get_job_statistics()`);
    expect((await sqlError(stats('anon'))).code).toBe('42501');
    for (const who of ['owner', 'other'] as const) {
      const rows = await stats(who);
      expect(rows.map((r) => r.status)).toEqual(['queued', 'running', 'succeeded', 'failed', 'canceled']);
      expect(rows.reduce((n, r) => n + Number(r.job_count), 0)).toBe(2);
      expect(rows.reduce((n, r) => n + Number(r.total_cost_cents), 0)).toBe(400);
    }
    expect((await stats('service_role')).every((r) => Number(r.job_count) === 0)).toBe(true);
  });

  it('get_recent_jobs: anon refused; each user gets only their own jobs', async () => {
    const recent = (who: Who) => probeAs(db.sql, actors()[who], (tx) => tx<{ user_id: string }[]>`select user_id from public.get_recent_jobs(100)`);
    expect((await sqlError(recent('anon'))).code).toBe('42501');
    expect((await recent('owner')).map((r) => r.user_id)).toEqual([alice.userId, alice.userId]);
    expect((await recent('other')).map((r) => r.user_id)).toEqual([bob.userId, bob.userId]);
    expect(await recent('service_role')).toEqual([]);
  });

  it('transition_job_status: anon refused, other user gets PJ002, owner and service_role (a worker) may move it', async () => {
    const move = (who: Who) =>
      probeAs(db.sql, actors()[who], (tx) => tx<{ status: string }[]>`select status from public.transition_job_status(${alice.jobs[0]}, 'running')`);
    expect((await sqlError(move('anon'))).code).toBe('42501');
    expect((await sqlError(move('other'))).code).toBe('PJ002');
    expect(await move('owner')).toEqual([{ status: 'running' }]);
    expect(await move('service_role')).toEqual([{ status: 'running' }]);
  });

  it('reference tables: readable by signed-in users, written by nobody through the API (the service role included)', async () => {
    const rows = await probeAs(db.sql, actors().owner, (tx) => tx`select * from public.job_status_transitions`);
    expect(rows).toHaveLength(6);
    expect(await probeAs(db.sql, actors().owner, (tx) => tx`select * from public.generation_modes`)).toHaveLength(15);
    for (const table of ['job_statuses', 'generation_modes']) {
      expect((await sqlError(probeAs(db.sql, anon, (tx) => tx.unsafe(`select * from public.${table}`)))).code).toBe('42501');
    }
    const writes = [
      `insert into public.job_status_transitions values ('succeeded', 'queued')`,
      `delete from public.job_status_transitions where from_status = 'queued'`,
      `update public.job_statuses set is_initial = true where status = 'succeeded'`,
      `update public.generation_modes set price_cents = 0`,
      `insert into public.job_events (job_id, user_id, project_id, mode, provider, event, attempt, actor, cost_cents) values (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'x', 'manual', 'created', 0, 'me', 0)`,
      `delete from public.job_events`,
      `truncate public.job_statuses cascade`,
    ];
    for (const who of ['owner', 'service_role'] as const) {
      for (const statement of writes) {
        expect((await sqlError(probeAs(db.sql, actors()[who], (tx) => tx.unsafe(statement)))).code, `${who}: ${statement}`).toBe('42501');
      }
    }
  });

  it('no row of one user is visible to another through any object', async () => {
    const visible = await probeAs(db.sql, actors().other, async (tx) => {
      const [row] = await tx<{ n: number }[]>`
        select (select count(*) from public.projects where user_id = ${alice.userId})
             + (select count(*) from public.assets where user_id = ${alice.userId})
             + (select count(*) from public.generation_jobs where user_id = ${alice.userId})
             + (select count(*) from public.generation_job_summary where user_id = ${alice.userId})
             + (select count(*) from public.get_recent_jobs(100) where user_id = ${alice.userId}) as n`;
      return Number(row.n);
    });
    expect(visible).toBe(0);
  });
});
