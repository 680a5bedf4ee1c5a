import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole, serviceRole, sqlError, user } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createAsset, createJob, createOwner, JOB_STATUSES } from '../support/job-fixtures.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const count = async (table: string, column: string, value: string) =>
  Number((await db.sql.unsafe<{ n: string }[]>(`select count(*) as n from public.${table} where ${column} = $1`, [value]))[0].n);

describe('delete rules', () => {
  it('deleting a user cascades to their projects, assets and jobs (and nobody else\'s)', async () => {
    const gone = await createOwner(db.sql);
    const kept = await createOwner(db.sql);
    for (const owner of [gone, kept]) {
      for (const status of JOB_STATUSES) {
        await createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, inputAssetId: owner.assetId, status });
      }
    }
    await db.sql`delete from auth.users where id = ${gone.userId}`;
    for (const table of ['projects', 'assets', 'generation_jobs']) {
      expect(await count(table, 'user_id', gone.userId)).toBe(0);
      expect(await count(table, 'user_id', kept.userId)).toBeGreaterThan(0);
    }
    expect(await count('generation_jobs', 'user_id', kept.userId)).toBe(JOB_STATUSES.length);
  });

  it('deleting a project (as its owner) cascades to its assets and its jobs in every status', async () => {
    const owner = await createOwner(db.sql);
    for (const status of JOB_STATUSES) {
      await createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, inputAssetId: owner.assetId, status });
    }
    const deleted = await asRole(db.sql, user(owner.userId), (tx) => tx`delete from public.projects where id = ${owner.projectId}`);
    expect(deleted.count).toBe(1);
    expect(await count('assets', 'project_id', owner.projectId)).toBe(0);
    expect(await count('generation_jobs', 'project_id', owner.projectId)).toBe(0);
  });

  it('deleting an asset (as its owner) detaches it from jobs in every status, terminal ones included', async () => {
    const owner = await createOwner(db.sql);
    const other = await createAsset(db.sql, owner.userId, owner.projectId, 'other.png');
    const jobs: string[] = [];
    for (const status of JOB_STATUSES) {
      jobs.push(await createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, inputAssetId: owner.assetId, status }));
    }
    const untouched = await createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, inputAssetId: other, status: 'succeeded' });
    await asRole(db.sql, user(owner.userId), (tx) => tx`delete from public.assets where id = ${owner.assetId}`);
    const rows = await db.sql<{ id: string; status: string; input_asset_id: string | null; project_id: string }[]>`
      select id, status, input_asset_id, project_id from public.generation_jobs where id in ${db.sql([...jobs, untouched])} order by created_at`;
    expect(rows.map((r) => [r.status, r.input_asset_id, r.project_id])).toEqual([
      ...JOB_STATUSES.map((status) => [status, null, owner.projectId]),
      ['succeeded', other, owner.projectId],
    ]);
  });

  it('a running or finished job cannot detach its asset by hand while the asset exists (PJ006)', async () => {
    const owner = await createOwner(db.sql);
    const id = await createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, inputAssetId: owner.assetId, status: 'succeeded' });
    const error = await asRole(db.sql, user(owner.userId), (tx) => tx`update public.generation_jobs set input_asset_id = null where id = ${id}`).catch((e) => e);
    expect(error.code).toBe('PJ006');
  });

  it('a job run by a provider is deleted only once finished (PJ012), by its owner and by the service role alike', async () => {
    const owner = await createOwner(db.sql);
    const mine = user(owner.userId);
    for (const status of JOB_STATUSES) {
      const id = await createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, provider: 'simulated', mode: 'upscale', status });
      for (const actor of [mine, serviceRole]) {
        const attempt = asRole(db.sql, actor, (tx) => tx`delete from public.generation_jobs where id = ${id}`);
        if (status === 'queued' || status === 'running') {
          const error = await sqlError(attempt);
          expect(error).toMatchObject({ code: 'PJ012', message: `job ${id} is still ${status}: cancel it before deleting it` });
        } else {
          expect((await attempt).count).toBe(1);
          break;
        }
      }
    }
    // Deleting the project still takes its active jobs with it.
    await createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, provider: 'simulated', mode: 'upscale', status: 'running' });
    await asRole(db.sql, mine, (tx) => tx`delete from public.projects where id = ${owner.projectId}`);
    expect(await count('generation_jobs', 'project_id', owner.projectId)).toBe(0);
  });

  it('job events outlive their job (and project), but not their user', async () => {
    const owner = await createOwner(db.sql);
    const id = await createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, status: 'succeeded' });
    await asRole(db.sql, user(owner.userId), (tx) => tx`delete from public.projects where id = ${owner.projectId}`);
    expect(await count('job_events', 'job_id', id)).toBe(3);
    await db.sql`delete from auth.users where id = ${owner.userId}`;
    expect(await count('job_events', 'user_id', owner.userId)).toBe(0);
  });

  it('deleting a job detaches its retries (retry_of set null), whatever their status', async () => {
    const owner = await createOwner(db.sql);
    const first = await createJob(db.sql, { userId: owner.userId, projectId: owner.projectId, status: 'failed' });
    const [retry] = await asRole(db.sql, user(owner.userId), (tx) => tx<{ id: string }[]>`select id from public.retry_generation_job(${first})`);
    await db.sql`update public.generation_jobs set status = 'canceled' where id = ${retry.id}`;
    await asRole(db.sql, user(owner.userId), (tx) => tx`delete from public.generation_jobs where id = ${first}`);
    expect(await db.sql`select status, retry_of from public.generation_jobs where id = ${retry.id}`).toEqual([{ status: 'canceled', retry_of: null }]);
  });
});
