import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anon, asRole, serviceRole, sqlError, user } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createJob, createOwner, enqueueSimulatedJobs, type Owner } from '../support/job-fixtures.ts';

let db: TestDatabase;
let alice: Owner;
let bob: Owner;
beforeAll(async () => {
  db = await createTestDatabase();
  alice = await createOwner(db.sql);
  bob = await createOwner(db.sql);
});
afterAll(async () => {
  await db.drop();
});

async function endpoint(owner: Owner, eventTypes = ['job.created', 'job.succeeded', 'job.failed', 'job.canceled'], url = 'https://hooks.example.com/in') {
  return asRole(db.sql, user(owner.userId), async (tx) => {
    const [row] = await tx<{ id: string; secret: string }[]>`
      insert into public.webhook_endpoints (project_id, url, event_types) values (${owner.projectId}, ${url}, ${eventTypes}) returning id, secret`;
    return row;
  });
}

const deliveriesOf = (endpointId: string) =>
  db.sql<{ id: string; event_type: string; job_id: string | null; status: string; payload: { type: string; timestamp: string; data: Record<string, unknown> } }[]>`
    select id, event_type, job_id, status, payload from public.webhook_deliveries where endpoint_id = ${endpointId} order by job_event_id, id`;

async function disableAll() {
  await db.sql`update public.webhook_endpoints set enabled = false where enabled`;
}

describe('endpoints', () => {
  it('get a generated whsec_ secret the owner can read; API callers cannot write the system\'s columns', async () => {
    const created = await endpoint(alice);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const given = await sqlError(asRole(db.sql, user(alice.userId), (tx) => tx`
      insert into public.webhook_endpoints (project_id, url, secret) values (${alice.projectId}, 'https://x.example.com', 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')`));
    expect(given).toMatchObject({ code: 'PW002', message: 'webhook_endpoints.secret is managed by the webhook system, not by the caller' });
    for (const change of [
      db.sql`secret = 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='`,
      db.sql`consecutive_failures = 0, disabled_reason = 'x'`,
      db.sql`project_id = ${alice.projectId}::uuid, previous_secret = secret, previous_secret_expires_at = now()`,
    ]) {
      const error = await sqlError(asRole(db.sql, user(alice.userId), (tx) => tx`update public.webhook_endpoints set ${change} where id = ${created.id}`));
      expect(error.code).toBe('PW002');
    }
    // What the owner may change.
    await asRole(db.sql, user(alice.userId), (tx) => tx`
      update public.webhook_endpoints set url = 'https://other.example.com/hook', event_types = '{job.failed}', description = 'Ops', enabled = false
      where id = ${created.id}`);
    await disableAll();
  });

  it('refuse malformed URLs and unknown event types', async () => {
    for (const url of ['ftp://example.com', 'https://user:pw@example.com/', 'https://exa mple.com', 'example.com/hook', `https://example.com/${'a'.repeat(2050)}`]) {
      expect((await sqlError(endpoint(alice, ['job.failed'], url))).code, url).toBe('23514');
    }
    for (const types of [[], ['job.deleted'], ['webhook.test']]) {
      expect((await sqlError(endpoint(alice, types))).code, JSON.stringify(types)).toBe('23514');
    }
  });

  it('are owner-only (RLS); anon has no access; the secret of someone else\'s endpoint is never visible', async () => {
    const mine = await endpoint(alice);
    const seen = await asRole(db.sql, user(bob.userId), async (tx) => ({
      endpoints: await tx`select secret from public.webhook_endpoints where id = ${mine.id}`,
      updated: await tx`update public.webhook_endpoints set enabled = false where id = ${mine.id} returning id`,
    }));
    expect(seen).toEqual({ endpoints: [], updated: [] });
    expect((await sqlError(asRole(db.sql, user(bob.userId), (tx) => tx`
      insert into public.webhook_endpoints (project_id, url) values (${alice.projectId}, 'https://x.example.com')`))).code).toBe('23503');
    expect((await sqlError(asRole(db.sql, anon, (tx) => tx`select * from public.webhook_endpoints`))).code).toBe('42501');
    for (const fn of [db.sql`public.rotate_webhook_secret(${mine.id})`, db.sql`public.send_webhook_test(${mine.id})`]) {
      expect((await sqlError(asRole(db.sql, user(bob.userId), (tx) => tx`select * from ${fn}`))).code).toBe('PW001');
    }
    await disableAll();
  });

  it('rotation keeps the previous secret for 24 hours; a disabled endpoint takes no test event (PW003)', async () => {
    const created = await endpoint(alice);
    const [rotated] = await asRole(db.sql, user(alice.userId), (tx) => tx`
      select secret, previous_secret, extract(epoch from previous_secret_expires_at - now())::int as valid_for from public.rotate_webhook_secret(${created.id})`);
    expect(rotated).toMatchObject({ previous_secret: created.secret, valid_for: 86_400 });
    expect(rotated.secret).not.toBe(created.secret);
    await disableAll();
    expect((await sqlError(asRole(db.sql, user(alice.userId), (tx) => tx`select * from public.send_webhook_test(${created.id})`))).code).toBe('PW003');
  });
});

describe('the outbox', () => {
  it('turns subscribed job events into deliveries in the same transaction, with the job row in the envelope', async () => {
    const hook = await endpoint(alice, ['job.created', 'job.succeeded']);
    const id = await createJob(db.sql, { ...alice, costCents: 12, status: 'succeeded' });
    const rows = await deliveriesOf(hook.id);
    expect(rows.map((d) => [d.event_type, d.job_id, d.status])).toEqual([
      ['job.created', id, 'pending'],
      ['job.succeeded', id, 'pending'],
    ]);
    const [job] = await db.sql`select to_jsonb(j) as row from public.generation_jobs j where id = ${id}`;
    expect(rows[1].payload).toEqual({ type: 'job.succeeded', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*\+00:00$/), data: job.row });
    expect(rows[0].payload.data).toMatchObject({ status: 'queued' });
    await disableAll();
  });

  it('a rolled-back change leaves no delivery; a refused one (budget) neither', async () => {
    const hook = await endpoint(alice, ['job.created']);
    await db.sql
      .begin(async (tx) => {
        await tx`insert into public.generation_jobs (user_id, project_id, mode, provider, cost_cents) values (${alice.userId}, ${alice.projectId}, 'x', 'manual', 1)`;
        throw new Error('rollback');
      })
      .catch(() => undefined);
    await asRole(db.sql, user(alice.userId), (tx) => tx`select public.set_budget(monthly_limit_cents => 0, project_id => ${alice.projectId})`);
    expect((await sqlError(enqueueSimulatedJobs(db.sql, alice, 1))).code).toBe('PJ008');
    expect(await deliveriesOf(hook.id)).toEqual([]);
    await asRole(db.sql, user(alice.userId), (tx) => tx`delete from public.budgets`);
    await disableAll();
  });

  it('one statement of the worker (a batch) makes its deliveries in one pass, one per endpoint and event; disabled endpoints get none', async () => {
    const first = await endpoint(bob, ['job.started']);
    const second = await endpoint(bob, ['job.started', 'job.created']);
    const off = await endpoint(bob, ['job.started']);
    await db.sql`update public.webhook_endpoints set enabled = false where id = ${off.id}`;
    const ids = await enqueueSimulatedJobs(db.sql, bob, 25);
    await db.sql`select * from job_queue.claim_jobs('w', '{simulated}', 25, 30)`;
    expect((await deliveriesOf(first.id)).map((d) => d.event_type)).toEqual(Array(25).fill('job.started'));
    expect((await deliveriesOf(second.id)).filter((d) => d.event_type === 'job.created').map((d) => d.job_id).sort()).toEqual([...ids].sort());
    expect(await deliveriesOf(off.id)).toEqual([]);
    await disableAll();
  });

  it('deliveries and attempts are the owner\'s to read, nobody\'s to write through the API', async () => {
    const hook = await endpoint(alice, ['job.created']);
    await createJob(db.sql, { ...alice, costCents: 1 });
    const [delivery] = await deliveriesOf(hook.id);
    expect(await asRole(db.sql, user(bob.userId), (tx) => tx`select id from public.webhook_deliveries where id = ${delivery.id}`)).toEqual([]);
    expect((await asRole(db.sql, user(alice.userId), (tx) => tx`select id from public.webhook_deliveries where id = ${delivery.id}`)).length).toBe(1);
    for (const actor of [user(alice.userId), serviceRole]) {
      expect((await sqlError(asRole(db.sql, actor, (tx) => tx`update public.webhook_deliveries set status = 'succeeded'`))).code).toBe('42501');
      expect((await sqlError(asRole(db.sql, actor, (tx) => tx`delete from public.webhook_attempts`))).code).toBe('42501');
    }
    expect((await sqlError(asRole(db.sql, user(bob.userId), (tx) => tx`select * from public.replay_webhook_delivery(${delivery.id})`))).code).toBe('PW001');
    expect((await sqlError(asRole(db.sql, user(alice.userId), (tx) => tx`select * from job_queue.claim_webhook_deliveries('x', 1, 10)`))).code).toBe('42501');
    await disableAll();
  });
});

describe('the worker\'s functions', () => {
  const worker = (sql: postgres.Sql, id: string) => ({
    claim: (limit = 10, leaseSeconds = 30) =>
      sql<{ delivery_id: string; attempt: number; attempt_id: string; lease_token: string; secrets: string[]; payload: string }[]>`
        select * from job_queue.claim_webhook_deliveries(${id}, ${limit}, ${leaseSeconds})`,
    record: (items: object[], schedule = [100, 100], disableAfter = 10) =>
      sql<{ delivery_id: string; outcome: string }[]>`
        select delivery_id, outcome from job_queue.record_webhook_attempts(${id}, ${sql.json(items as postgres.JSONValue)}, ${schedule}::integer[], ${disableAfter})`,
  });

  it('claims with SKIP LOCKED and a lease; the schedule decides retries; a stale worker\'s result is recorded but decides nothing', async () => {
    const owner = await createOwner(db.sql);
    const hook = await endpoint(owner, ['job.created']);
    await createJob(db.sql, { ...owner, costCents: 1 });
    const a = worker(db.sql, 'a');
    const b = worker(db.sql, 'b');
    const [claimed] = await a.claim();
    expect(claimed).toMatchObject({ attempt: 1, secrets: [hook.secret] });
    expect(JSON.parse(claimed.payload)).toMatchObject({ type: 'job.created' });
    expect(await b.claim()).toEqual([]); // leased
    const fail = (c: typeof claimed) => ({ delivery_id: c.delivery_id, lease_token: c.lease_token, attempt_id: c.attempt_id, status_code: 500, duration_ms: 3 });
    expect(await a.record([fail(claimed)])).toEqual([{ delivery_id: claimed.delivery_id, outcome: 'retry_scheduled' }]);
    await db.sql`update public.webhook_deliveries set next_attempt_at = now() where id = ${claimed.delivery_id}`;
    const [second] = await b.claim();
    expect(second.attempt).toBe(2);
    // a answers late, with its old token: logged, nothing decided.
    expect(await a.record([{ ...fail(claimed), status_code: 200 }])).toEqual([{ delivery_id: claimed.delivery_id, outcome: 'lost' }]);
    await db.sql`update public.webhook_deliveries set next_attempt_at = now() where id = ${claimed.delivery_id}`;
    expect(await b.record([fail(second)])).toEqual([{ delivery_id: claimed.delivery_id, outcome: 'retry_scheduled' }]);
    await db.sql`update public.webhook_deliveries set next_attempt_at = now() where id = ${claimed.delivery_id}`;
    const [third] = await b.claim();
    expect(await b.record([fail(third)])).toEqual([{ delivery_id: claimed.delivery_id, outcome: 'failed' }]); // 2 retries spent
    const log = await db.sql`select attempt, worker_id, status_code from public.webhook_attempts where delivery_id = ${claimed.delivery_id} order by id`;
    expect(log).toEqual([
      { attempt: 1, worker_id: 'a', status_code: 200 },
      { attempt: 2, worker_id: 'b', status_code: 500 },
      { attempt: 3, worker_id: 'b', status_code: 500 },
    ]);
    const [endpointRow] = await db.sql`select consecutive_failures, enabled from public.webhook_endpoints where id = ${hook.id}`;
    expect(endpointRow).toEqual({ consecutive_failures: 3, enabled: true });
    await disableAll();
  });

  it('concurrent claims never hand one delivery to two workers', async () => {
    const owner = await createOwner(db.sql);
    const hook = await endpoint(owner, ['job.created']);
    await db.sql`insert into public.generation_jobs (user_id, project_id, mode, provider, cost_cents)
                 select ${owner.userId}, ${owner.projectId}, 'x', 'manual', 1 from generate_series(1, 60)`;
    const pool = postgres(db.url, { max: 6, onnotice: () => {} });
    try {
      const batches = await Promise.all(Array.from({ length: 6 }, (_, i) => worker(pool, `w${i}`).claim(15)));
      const ids = batches.flat().map((c) => c.delivery_id);
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
    } finally {
      await pool.end();
    }
    expect(await deliveriesOf(hook.id)).toHaveLength(60);
    await disableAll();
  });
});
