import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole, serviceRole, sqlError, user, type Actor } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createAsset, createJob, createOwner, createProject, type Owner } from '../support/job-fixtures.ts';

let db: TestDatabase;
let alice: Owner;
let bob: Owner;
let me: Actor;
/** A second project of alice's, with its own asset. */
let aliceOtherProject: string;
let aliceOtherAsset: string;

beforeAll(async () => {
  db = await createTestDatabase();
  alice = await createOwner(db.sql);
  bob = await createOwner(db.sql);
  me = user(alice.userId);
  aliceOtherProject = await createProject(db.sql, alice.userId, 'Second');
  aliceOtherAsset = await createAsset(db.sql, alice.userId, aliceOtherProject);
});
afterAll(async () => {
  await db.drop();
});

/** A manual job by default (the seed's hand-driven flow, with the caller's own cost). */
const insertJob = (
  actor: Actor,
  job: { project_id: string; input_asset_id?: string | null; user_id?: string; mode?: string; cost_cents?: number; error_message?: string; provider?: string },
) =>
  asRole(db.sql, actor, (tx) => tx`
    insert into public.generation_jobs ${tx({ mode: 'lifestyle', provider: 'manual', cost_cents: 100, ...job })}
    returning *`);

describe('a job can only use its owner\'s project and an asset of that project', () => {
  it('accepts the owner\'s project and asset, with user_id defaulting to auth.uid()', async () => {
    const [row] = await insertJob(me, { project_id: alice.projectId, input_asset_id: alice.assetId });
    expect(row).toMatchObject({ user_id: alice.userId, status: 'queued', error_message: null });
  });

  it('refuses another user\'s project with PJ004, without revealing that it exists', async () => {
    const theirs = await sqlError(insertJob(me, { project_id: bob.projectId }));
    const missing = await sqlError(insertJob(me, { project_id: '00000000-0000-4000-8000-00000000beef' }));
    expect(theirs.code).toBe('PJ004');
    expect(missing.code).toBe('PJ004');
    expect(theirs.message).toBe(`project ${bob.projectId} not found among the job owner's projects`);
  });

  it('refuses another user\'s asset with PJ004', async () => {
    const error = await sqlError(insertJob(me, { project_id: alice.projectId, input_asset_id: bob.assetId }));
    expect(error).toMatchObject({ code: 'PJ004', message: `input asset ${bob.assetId} not found among the job owner's assets` });
  });

  it('refuses an own asset of another project with PJ004', async () => {
    const error = await sqlError(insertJob(me, { project_id: alice.projectId, input_asset_id: aliceOtherAsset }));
    expect(error.code).toBe('PJ004');
    expect(error.message).toMatch(/belongs to another project/);
  });

  it('re-checks on update: moving a queued job to another user\'s project or asset is refused', async () => {
    const id = await createJob(db.sql, { userId: alice.userId, projectId: alice.projectId, inputAssetId: alice.assetId });
    const toTheirProject = await sqlError(asRole(db.sql, me, (tx) => tx`
      update public.generation_jobs set project_id = ${bob.projectId}, input_asset_id = null where id = ${id}`));
    expect(toTheirProject.code).toBe('PJ004');
    const projectWithoutAsset = await sqlError(asRole(db.sql, me, (tx) => tx`
      update public.generation_jobs set project_id = ${aliceOtherProject} where id = ${id}`));
    expect(projectWithoutAsset.code).toBe('PJ004');
    await asRole(db.sql, me, (tx) => tx`
      update public.generation_jobs set project_id = ${aliceOtherProject}, input_asset_id = ${aliceOtherAsset} where id = ${id}`);
  });

  it('holds for the service role too (it bypasses RLS, not the rules)', async () => {
    const error = await sqlError(insertJob(serviceRole, { user_id: alice.userId, project_id: bob.projectId }));
    expect(error.code).toBe('PJ004');
    const missingOwner = await sqlError(insertJob(serviceRole, { project_id: alice.projectId }));
    expect(missingOwner.code).toBe('23502');
  });

  it('is backed by composite foreign keys when the rules trigger is bypassed (superuser)', async () => {
    const error = await sqlError(db.sql.begin(async (tx) => {
      await tx`alter table public.generation_jobs disable trigger generation_jobs_enforce_rules`;
      await tx`insert into public.generation_jobs (user_id, project_id, mode, provider) values (${alice.userId}, ${bob.projectId}, 'lifestyle', 'simulated')`;
    }));
    expect(error).toMatchObject({ code: '23503', constraint_name: 'generation_jobs_project_id_fkey' });
  });

  it('an asset\'s project must be its owner\'s (composite foreign key, 23503)', async () => {
    const error = await sqlError(asRole(db.sql, me, (tx) => tx`
      insert into public.assets (project_id, name, storage_path, mime_type) values (${bob.projectId}, 'x', 'x.png', 'image/png')`));
    expect(error).toMatchObject({ code: '23503', constraint_name: 'assets_project_id_user_id_fkey' });
  });
});

describe('owner and cost are fixed', () => {
  it('refuses changing user_id (PJ005), also to oneself via the service role', async () => {
    const id = await createJob(db.sql, { userId: alice.userId, projectId: alice.projectId });
    const mine = await sqlError(asRole(db.sql, me, (tx) => tx`update public.generation_jobs set user_id = ${bob.userId} where id = ${id}`));
    expect(mine).toMatchObject({ code: 'PJ005', message: 'generation_jobs.user_id cannot be changed: a job keeps its owner' });
    const service = await sqlError(asRole(db.sql, serviceRole, (tx) => tx`update public.generation_jobs set user_id = ${bob.userId} where id = ${id}`));
    expect(service.code).toBe('PJ005');
  });

  it('refuses inserting a job for another user (RLS, 42501)', async () => {
    const error = await sqlError(insertJob(me, { user_id: bob.userId, project_id: bob.projectId }));
    // The rules trigger runs first and sees bob's project as missing; either way the row is refused.
    expect(['42501', 'PJ004']).toContain(error.code);
    const ownProject = await sqlError(insertJob(me, { user_id: bob.userId, project_id: alice.projectId }));
    expect(ownProject.code).toBe('PJ004');
  });

  it('refuses rewriting cost_cents after creation (PJ005), whatever the status', async () => {
    for (const status of ['queued', 'running', 'succeeded'] as const) {
      const id = await createJob(db.sql, { userId: alice.userId, projectId: alice.projectId, costCents: 250, status });
      const error = await sqlError(asRole(db.sql, me, (tx) => tx`update public.generation_jobs set cost_cents = 0 where id = ${id}`));
      expect(error.code).toBe('PJ005');
      expect(error.message).toContain('cost_cents cannot be changed after creation (250 -> 0)');
    }
  });

  it('refuses a negative cost (23514 generation_jobs_cost_cents_check)', async () => {
    const error = await sqlError(insertJob(me, { project_id: alice.projectId, cost_cents: -1 }));
    expect(error).toMatchObject({ code: '23514', constraint_name: 'generation_jobs_cost_cents_check' });
  });

  it('refuses changing id or created_at (PJ005)', async () => {
    const id = await createJob(db.sql, { userId: alice.userId, projectId: alice.projectId });
    for (const statement of [
      `update public.generation_jobs set id = gen_random_uuid() where id = $1`,
      `update public.generation_jobs set created_at = now() - interval '1 day' where id = $1`,
    ]) {
      expect((await sqlError(asRole(db.sql, me, (tx) => tx.unsafe(statement, [id])))).code).toBe('PJ005');
    }
  });

  it('refuses changing the owner of a project or an asset (PJ005)', async () => {
    const project = await sqlError(asRole(db.sql, serviceRole, (tx) => tx`update public.projects set user_id = ${bob.userId} where id = ${alice.projectId}`));
    expect(project.code).toBe('PJ005');
    const asset = await sqlError(asRole(db.sql, serviceRole, (tx) => tx`update public.assets set user_id = ${bob.userId} where id = ${alice.assetId}`));
    expect(asset.code).toBe('PJ005');
  });
});

describe('mode and error_message rules', () => {
  it.each(['lifestyle', 'studio-white', 'background_removal', 'x', 'a'.repeat(40)])('accepts mode %j for a manual job', async (mode) => {
    await insertJob(me, { project_id: alice.projectId, mode });
  });

  it.each(['', ' ', 'Lifestyle', '1studio', 'studio white', 'a'.repeat(41), 'drop;table'])('refuses mode %j (23514)', async (mode) => {
    const error = await sqlError(insertJob(me, { project_id: alice.projectId, mode }));
    expect(error).toMatchObject({ code: '23514', constraint_name: 'generation_jobs_mode_check' });
  });

  it('a job of another provider takes an enabled mode of generation_modes, priced from it (PJ011 otherwise)', async () => {
    const [row] = await insertJob(me, { project_id: alice.projectId, provider: 'simulated', mode: 'upscale', cost_cents: 0 });
    expect(row).toMatchObject({ provider: 'simulated', cost_cents: 60, max_attempts: 3 });
    const unknown = await sqlError(insertJob(me, { project_id: alice.projectId, provider: 'simulated', mode: 'hero-banner', cost_cents: 0 }));
    expect(unknown).toMatchObject({ code: 'PJ011', message: 'mode hero-banner is not available for the simulated provider' });
    // The http provider's modes are seeded disabled until it is configured.
    const disabled = await sqlError(insertJob(me, { project_id: alice.projectId, provider: 'http', mode: 'upscale', cost_cents: 0 }));
    expect(disabled.code).toBe('PJ011');
    const provider = await sqlError(insertJob(me, { project_id: alice.projectId, provider: 'magic', cost_cents: 0 }));
    expect(provider).toMatchObject({ code: 'PJ011', message: 'mode lifestyle is not available for the magic provider' });
  });

  it('changing the mode of a queued job re-prices it; an unavailable mode is refused', async () => {
    const [row] = await insertJob(me, { project_id: alice.projectId, provider: 'simulated', mode: 'upscale', cost_cents: 0 });
    const [moved] = await asRole(db.sql, me, (tx) => tx`update public.generation_jobs set mode = 'lifestyle' where id = ${row.id} returning cost_cents`);
    expect(moved.cost_cents).toBe(250);
    const error = await sqlError(asRole(db.sql, me, (tx) => tx`update public.generation_jobs set mode = 'nope' where id = ${row.id}`));
    expect(error.code).toBe('PJ011');
  });

  it('requires an error message with a visible character to fail (PJ003), through the function and a direct UPDATE', async () => {
    for (const message of [null, '', '   ', '\t\n', '\u00a0\u200b\ufeff']) {
      const id = await createJob(db.sql, { userId: alice.userId, projectId: alice.projectId, status: 'running' });
      const viaFunction = await sqlError(asRole(db.sql, me, (tx) => tx`select public.transition_job_status(${id}, 'failed', ${message})`));
      expect(viaFunction.code).toBe('PJ003');
      expect(viaFunction.message).toBe(`an error message is required to mark job ${id} as failed`);
      const direct = await sqlError(asRole(db.sql, me, (tx) => tx`update public.generation_jobs set status = 'failed', error_message = ${message} where id = ${id}`));
      expect(direct.code).toBe('PJ003');
    }
  });

  it('refuses an error message on any other status, and a message over 2000 characters (PJ003)', async () => {
    const queued = await sqlError(insertJob(me, { project_id: alice.projectId, error_message: 'nope' }));
    expect(queued.code).toBe('PJ003');
    const id = await createJob(db.sql, { userId: alice.userId, projectId: alice.projectId });
    const running = await sqlError(asRole(db.sql, me, (tx) => tx`select public.transition_job_status(${id}, 'running', 'not a failure')`));
    expect(running).toMatchObject({ code: 'PJ003', message: `error_message is only allowed on failed jobs (job ${id} is running)` });
    await asRole(db.sql, me, (tx) => tx`select public.transition_job_status(${id}, 'running')`);
    const long = await sqlError(asRole(db.sql, me, (tx) => tx`select public.transition_job_status(${id}, 'failed', ${'x'.repeat(2001)})`));
    expect(long.code).toBe('PJ003');
    const [row] = await asRole(db.sql, me, (tx) => tx`select * from public.transition_job_status(${id}, 'failed', ${'x'.repeat(2000)})`);
    expect(row.error_message).toHaveLength(2000);
  });

  it('keeps the check constraint as a backstop when the trigger is bypassed', async () => {
    const error = await sqlError(db.sql.begin(async (tx) => {
      await tx`alter table public.generation_jobs disable trigger generation_jobs_enforce_rules`;
      await tx`insert into public.generation_jobs (user_id, project_id, mode, provider, error_message) values (${alice.userId}, ${alice.projectId}, 'lifestyle', 'simulated', 'x')`;
    }));
    expect(error).toMatchObject({ code: '23514', constraint_name: 'generation_jobs_error_message_check' });
  });
});

describe('projects and assets', () => {
  it('refuse blank or overlong names (23514)', async () => {
    for (const name of ['', '   ', '\t\n', '\u00a0\u200b', 'x'.repeat(101)]) {
      const error = await sqlError(asRole(db.sql, me, (tx) => tx`insert into public.projects (name) values (${name})`));
      expect(error).toMatchObject({ code: '23514', constraint_name: 'projects_name_check' });
    }
  });

  it('move updated_at on every update', async () => {
    for (const [table, id] of [['projects', alice.projectId], ['assets', alice.assetId]] as const) {
      const stamp = () => db.sql.unsafe<{ us: string }[]>(`select (extract(epoch from updated_at) * 1000000)::bigint::text as us from public.${table} where id = $1`, [id]);
      const [before] = await stamp();
      await asRole(db.sql, me, (tx) => tx.unsafe(`update public.${table} set name = name || '!' where id = $1`, [id]));
      const [after] = await stamp();
      expect(BigInt(after.us)).toBeGreaterThan(BigInt(before.us));
    }
  });
});
