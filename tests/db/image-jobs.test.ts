import { fc, test } from '@fast-check/vitest';
import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_MODES, parseImageParams } from '../../lib/images/image-params.ts';
import { asRole, probeAs, serviceRole, sqlError, user } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createAsset, createJob, createOwner, createStoredAsset, type Owner } from '../support/job-fixtures.ts';

// The image providers' migration: rules of image jobs (PI001, PI002), provider_job_id for the job system
// only, and the worker's functions that store outputs (fenced by the lease token).

let db: TestDatabase;
let alice: Owner;
let bob: Owner;
let photo: string;
beforeAll(async () => {
  db = await createTestDatabase();
  alice = await createOwner(db.sql);
  bob = await createOwner(db.sql);
  photo = await createStoredAsset(db.sql, alice.userId, alice.projectId, 'mug.png');
});
afterAll(async () => {
  await db.drop();
});

const insertAs = (actor: ReturnType<typeof user> | typeof serviceRole, values: { provider?: string; mode?: string; params?: unknown; input?: string | null; userId?: string }) =>
  probeAs(db.sql, actor, (tx) => tx`
    insert into public.generation_jobs (user_id, project_id, input_asset_id, mode, provider, params)
    values (${values.userId ?? alice.userId}, ${alice.projectId}, ${values.input === undefined ? photo : values.input}, ${values.mode ?? 'upscale'},
            ${values.provider ?? 'local'}, ${tx.json((values.params ?? {}) as postgres.JSONValue)})
    returning id`);

interface Claimed {
  id: string;
  lease_token: string;
}
/** A queued local job, the only one queued (so the next claim takes it). */
const localJob = async (mode = 'studio-white') => {
  await db.sql`update public.generation_jobs set status = 'canceled' where status = 'queued' and provider = 'local'`;
  return createJob(db.sql, { userId: alice.userId, projectId: alice.projectId, provider: 'local', mode, inputAssetId: photo });
};
const claim = async (worker = 'w1') => (await db.sql<Claimed[]>`select id, lease_token from job_queue.claim_jobs(${worker}, array['local'], 1, 30)`)[0];
const storeObject = (path: string, bucket = 'generated-images') =>
  db.sql`insert into storage.objects (bucket_id, name, version, metadata) values (${bucket}, ${path}, ${randomUUID()}, '{"size": 2048, "mimetype": "image/png"}')`;
const outputPath = (job: string, extension = 'png') => `${alice.userId}/${alice.projectId}/${job}.${extension}`;
const completeWithOutput = (jobs: { id: string; lease_token: string }[], worker = 'w1', extension = 'png') =>
  db.sql<{ job_id: string; outcome: string }[]>`
    select job_id, outcome from job_queue.complete_jobs_with_output(${worker}, ${db.sql.json(
      jobs.map((j) => ({ id: j.id, lease_token: j.lease_token, cost_cents: 95, output: { extension, name: 'mug (studio-white).png', mime_type: 'image/png', width: 300, height: 300 } })),
    )})`;

describe('params of image jobs (PI001), mirrored by lib/images/image-params.ts', () => {
  it('refuses options a mode does not have, and values out of range, for local and http jobs', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['upscale', { scale: 3 }, /params.scale must be 2 or 4/],
      ['upscale', { duration_ms: 5 }, /params.duration_ms is not an option of upscale \(its options: scale, sharpen, format\)/],
      ['studio-white', { margin: 0.5 }, /params.margin must be between 0 and 0.4/],
      ['studio-white', { size: 100.5 }, /params.size must be a whole number/],
      ['background-removal', { format: 'jpeg' }, /png or webp/],
      ['shadow', { opacity: '0.5' }, /params.opacity must be a number/],
      ['lifestyle', { scene: 'beach' }, /params.scene must be one of warm, cool, neutral/],
    ];
    for (const [mode, params, message] of cases) {
      for (const provider of ['local', 'http']) {
        if (provider === 'http') await db.sql`update public.generation_modes set enabled = true where provider = 'http' and mode = ${mode}`;
        const error = await sqlError(insertAs(user(alice.userId), { provider, mode, params }));
        expect(error.code, `${provider} ${mode}`).toBe('PI001');
        expect(error.message).toMatch(message);
      }
    }
    await db.sql`update public.generation_modes set enabled = false where provider = 'http'`;
    expect(await insertAs(user(alice.userId), { mode: 'upscale', params: { scale: 4, sharpen: false, format: 'webp' } })).toHaveLength(1);
    // Other providers keep their own params.
    expect(await insertAs(user(alice.userId), { provider: 'simulated', mode: 'upscale', params: { duration_ms: 5 }, input: null })).toHaveLength(1);
  });

  it('checks edited params of a queued job too', async () => {
    const id = await localJob('upscale');
    const error = await sqlError(asRole(db.sql, user(alice.userId), (tx) => tx`update public.generation_jobs set params = '{"scale": 8}' where id = ${id}`));
    expect(error.code).toBe('PI001');
    await asRole(db.sql, user(alice.userId), (tx) => tx`update public.generation_jobs set params = '{"scale": 4}' where id = ${id}`);
    const modeChange = await sqlError(asRole(db.sql, user(alice.userId), (tx) => tx`update public.generation_jobs set mode = 'lifestyle' where id = ${id}`));
    expect(modeChange.message).toMatch(/params.scale is not an option of lifestyle/);
  });

  const keys = ['margin', 'size', 'format', 'tolerance', 'scale', 'sharpen', 'feather', 'opacity', 'softness', 'scene', 'duration_ms'];
  const values = fc.oneof(
    fc.integer({ min: -10, max: 5000 }),
    fc.double({ min: -1, max: 200, noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, 0.005, 0.2, 0.4, 1, 2, 4, 20, 64, 128, 4096),
    fc.constantFrom('jpeg', 'png', 'webp', 'gif', 'warm', 'cool', 'neutral', 'beach', '2'),
    fc.boolean(),
    fc.constant(null),
  );
  test.prop([fc.constantFrom(...IMAGE_MODES), fc.dictionary(fc.constantFrom(...keys), values, { maxKeys: 4 })], { numRuns: 300 })(
    'the database and zod agree on every params object',
    async (mode, params) => {
      const [{ problem }] = await db.sql<{ problem: string | null }[]>`select public.image_params_problem(${mode}, ${db.sql.json(params as postgres.JSONValue)}) as problem`;
      expect(problem === null, `${mode} ${JSON.stringify(params)}: database says ${problem}`).toBe(parseImageParams(mode, params).ok);
    },
  );
});

describe('an image job needs an uploaded photo (PI002)', () => {
  it('refuses local and http jobs without an input asset, or with one that has no file', async () => {
    const missing = await sqlError(insertAs(user(alice.userId), { input: null }));
    expect(missing.code).toBe('PI002');
    expect(missing.message).toMatch(/a upscale job needs an input image/);
    const legacy = await createAsset(db.sql, alice.userId, alice.projectId, 'typed-by-hand.png');
    const fileless = await sqlError(insertAs(serviceRole, { input: legacy }));
    expect(fileless.code).toBe('PI002');
    expect(fileless.message).toMatch(/has no stored file/);
  });

  it('an owner cannot clear the input of a queued image job; deleting the photo still detaches it', async () => {
    const own = await createStoredAsset(db.sql, alice.userId, alice.projectId, 'to-delete.png');
    const id = await createJob(db.sql, { userId: alice.userId, projectId: alice.projectId, provider: 'local', mode: 'shadow', inputAssetId: own });
    const cleared = await sqlError(asRole(db.sql, user(alice.userId), (tx) => tx`update public.generation_jobs set input_asset_id = null where id = ${id}`));
    expect(cleared.code).toBe('PI002');
    await asRole(db.sql, user(alice.userId), (tx) => tx`delete from public.assets where id = ${own}`);
    const [row] = await db.sql`select status, input_asset_id from public.generation_jobs where id = ${id}`;
    expect(row).toEqual({ status: 'queued', input_asset_id: null });
    // A retry of such a job cannot run either: refused with the same message.
    await db.sql`update public.generation_jobs set status = 'canceled' where id = ${id}`;
    const retry = await sqlError(asRole(db.sql, user(alice.userId), (tx) => tx`select * from public.retry_generation_job(${id})`));
    expect(retry.code).toBe('PI002');
  });
});

describe('provider_job_id belongs to the job system', () => {
  it('API callers cannot set it (PJ010), on insert or update; nobody sets it on insert', async () => {
    const id = await localJob();
    for (const actor of [user(alice.userId), serviceRole]) {
      const error = await sqlError(probeAs(db.sql, actor, (tx) => tx`update public.generation_jobs set provider_job_id = 'forged' where id = ${id}`));
      expect(error).toMatchObject({ code: 'PJ010', message: 'generation_jobs.provider_job_id is set by the job system, not by the caller' });
    }
    const inserted = await sqlError(db.sql`
      insert into public.generation_jobs (user_id, project_id, input_asset_id, mode, provider, provider_job_id)
      values (${alice.userId}, ${alice.projectId}, ${photo}, 'upscale', 'local', 'p-1')`);
    expect(inserted.code).toBe('PJ010');
  });

  it('set_provider_job_id writes it for the lease holder only', async () => {
    await localJob();
    const held = await claim('w-id');
    const [stale] = await db.sql`select job_queue.set_provider_job_id('w-id', ${held.id}, ${Number(held.lease_token) - 1}, 'pred-stale') as held`;
    expect(stale.held).toBe(false);
    const [ok] = await db.sql`select job_queue.set_provider_job_id('w-id', ${held.id}, ${held.lease_token}, 'pred-1') as held`;
    expect(ok.held).toBe(true);
    const inputs = await db.sql`select provider_job_id, asset_id, bucket, name from job_queue.job_inputs('w-id', ${db.sql.json([{ id: held.id, lease_token: held.lease_token }])})`;
    expect(inputs).toEqual([{ provider_job_id: 'pred-1', asset_id: photo, bucket: 'product-images', name: 'mug.png' }]);
    expect(await db.sql`select 1 from job_queue.job_inputs('w-id', ${db.sql.json([{ id: held.id, lease_token: '-1' }])})`).toHaveLength(0);
    await db.sql`select job_queue.fail_jobs('w-id', ${db.sql.json([{ ...held, error: 'done', retryable: false }])}, 1, 1)`;
  });
});

describe('complete_jobs_with_output: the output asset and the completion in one fenced call', () => {
  it('records the stored image as the job\'s output asset (owner\'s, kind output), with the final cost', async () => {
    await localJob();
    const held = await claim();
    await storeObject(outputPath(held.id));
    expect(await completeWithOutput([held])).toEqual([{ job_id: held.id, outcome: 'succeeded' }]);
    const [job] = await db.sql`select status, cost_cents, output_asset_id from public.generation_jobs where id = ${held.id}`;
    expect(job).toMatchObject({ status: 'succeeded', cost_cents: 95 });
    const [asset] = await db.sql`select user_id, project_id, bucket, storage_path, kind, mime_type, width, height, size_bytes, name from public.assets where id = ${job.output_asset_id}`;
    expect(asset).toEqual({
      user_id: alice.userId, project_id: alice.projectId, bucket: 'generated-images', storage_path: outputPath(held.id), kind: 'output',
      mime_type: 'image/png', width: 300, height: 300, size_bytes: '2048', name: 'mug (studio-white).png',
    });
    const [event] = await db.sql`select details from public.job_events where job_id = ${held.id} and event = 'succeeded'`;
    expect(event.details).toMatchObject({ output_asset_id: job.output_asset_id });
    // Its owner reads it; another user does not see it.
    expect(await asRole(db.sql, user(alice.userId), (tx) => tx`select 1 from public.assets where id = ${job.output_asset_id}`)).toHaveLength(1);
    expect(await asRole(db.sql, user(bob.userId), (tx) => tx`select 1 from public.assets where id = ${job.output_asset_id}`)).toHaveLength(0);
    // Repeating the call (its answer was lost) changes nothing and answers the same.
    expect(await completeWithOutput([held])).toEqual([{ job_id: held.id, outcome: 'succeeded' }]);
    const [{ n }] = await db.sql`select count(*)::int as n from public.assets where storage_path = ${outputPath(held.id)}`;
    expect(n).toBe(1);
  });

  it('a stale token changes nothing: no asset, the current holder\'s job untouched', async () => {
    await localJob();
    const first = await claim('slow');
    await db.sql`update public.generation_jobs set locked_until = now() - interval '1 second' where id = ${first.id}`;
    await db.sql`select job_queue.rescue_expired_jobs('other', 10)`;
    const second = await claim('fast');
    expect(second.id).toBe(first.id);
    await storeObject(outputPath(first.id));
    expect(await completeWithOutput([first], 'slow')).toEqual([{ job_id: first.id, outcome: 'lost' }]);
    expect(await db.sql`select 1 from public.assets where storage_path = ${outputPath(first.id)}`).toHaveLength(0);
    const [job] = await db.sql`select status, locked_by, output_asset_id from public.generation_jobs where id = ${first.id}`;
    expect(job).toEqual({ status: 'running', locked_by: 'fast', output_asset_id: null });
    // What nothing holds may go: the stale attempt's object is the running attempt's too, so it stays.
    expect(await db.sql`select name from job_queue.discardable_outputs('slow', ${db.sql.json([{ id: first.id, lease_token: first.lease_token }])})`).toEqual([]);
    expect(await db.sql`select name from job_queue.discardable_outputs('fast', ${db.sql.json([{ id: first.id, lease_token: second.lease_token }])})`).toEqual([
      { name: outputPath(first.id) },
    ]);
    await completeWithOutput([second], 'fast');
    expect(await db.sql`select name from job_queue.discardable_outputs('fast', ${db.sql.json([{ id: first.id, lease_token: null }])})`).toEqual([]);
  });

  it('an output that was never uploaded is refused (PS001) and the job stays as it was', async () => {
    await localJob();
    const held = await claim();
    const error = await sqlError(completeWithOutput([held], 'w1', 'webp'));
    expect(error.code).toBe('PS001');
    const [job] = await db.sql`select status, output_asset_id from public.generation_jobs where id = ${held.id}`;
    expect(job).toEqual({ status: 'running', output_asset_id: null });
    // The attempt fails; its leftovers of any format are discardable once nothing holds them.
    await storeObject(outputPath(held.id, 'jpg'));
    await db.sql`select job_queue.fail_jobs('w1', ${db.sql.json([{ ...held, error: 'refused', retryable: false }])}, 1, 1)`;
    expect(await db.sql`select job_id, bucket, name from job_queue.discardable_outputs('w1', ${db.sql.json([{ id: held.id, lease_token: null }])})`).toEqual([
      { job_id: held.id, bucket: 'generated-images', name: outputPath(held.id, 'jpg') },
    ]);
  });
});

describe('the worker\'s new functions are the worker\'s only', () => {
  it('enable_modes turns on a provider\'s configured modes (once), and no API role can call any of them', async () => {
    expect((await db.sql`select mode from job_queue.enable_modes('w1', 'http', array['upscale', 'nonexistent']) as mode`).map((r) => r.mode)).toEqual(['upscale']);
    expect(await db.sql`select mode from job_queue.enable_modes('w1', 'http', array['upscale']) as mode`).toEqual([]);
    await db.sql`update public.generation_modes set enabled = false where provider = 'http'`;
    for (const role of ['anon', 'authenticated', 'service_role']) {
      const error = await sqlError(db.sql.begin(async (tx) => {
        await tx.unsafe(`set local role ${role}`);
        await tx`select job_queue.enable_modes('w1', 'http', array['upscale'])`;
      }));
      expect(error.code, role).toBe('42501');
    }
  });
});
