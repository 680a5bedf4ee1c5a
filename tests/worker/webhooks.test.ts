import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { asRole, user } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { createOwner, enqueueSimulatedJobs, type Owner } from '../support/job-fixtures.ts';
import { signUpUser } from '../support/users.ts';
import { startWebhookReceiver, type ReceiverReply, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { killAllWorkers, spawnWorker, type WorkerProcess } from '../support/worker-process.ts';

// Real worker processes deliver to real HTTP receivers started here, on a compressed retry schedule.
const FAST_WEBHOOKS = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_RETRY_SCHEDULE: '100ms,100ms,100ms,100ms,100ms',
  WEBHOOK_POLL_INTERVAL_MS: '200',
  WEBHOOK_TIMEOUT_MS: '3000',
  WEBHOOK_LEASE_SECONDS: '5',
  WEBHOOK_DISABLE_AFTER_FAILURES: '5',
};

let db: TestDatabase;
let owner: Owner;
const receivers: WebhookReceiver[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  owner = await createOwner(db.sql);
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  // Each test's endpoints stay out of the next one's way.
  await db.sql`update public.webhook_endpoints set enabled = false where enabled`;
});
afterAll(async () => {
  await killAllWorkers();
  await db.drop();
});

async function receiver(reply?: (request: { index: number }) => ReceiverReply) {
  const started = await startWebhookReceiver(reply);
  receivers.push(started);
  return started;
}

async function worker(env: Record<string, string> = {}) {
  const started = await spawnWorker(db.url, { ...FAST_WEBHOOKS, ...env });
  workers.push(started);
  return started;
}

/** An endpoint of the owner's project, created as the database owner would (the secret is generated). */
async function endpoint(url: string, eventTypes: string[]): Promise<{ id: string; secret: string }> {
  const [row] = await db.sql<{ id: string; secret: string }[]>`
    insert into public.webhook_endpoints (user_id, project_id, url, event_types)
    values (${owner.userId}, ${owner.projectId}, ${url}, ${eventTypes}) returning id, secret`;
  return row;
}

const deliveries = (endpointId: string) =>
  db.sql<{ id: string; status: string; attempts: number; message_id: string; last_error: string | null; replay_of: string | null }[]>`
    select id, status, attempts, message_id, last_error, replay_of from public.webhook_deliveries where endpoint_id = ${endpointId} order by created_at, id`;
const attemptLog = (deliveryId: string) =>
  db.sql<{ attempt: number; status_code: number | null; error: string | null; worker_id: string; finished_at: Date | null; response_excerpt: string | null }[]>`
    select attempt, status_code, error, worker_id, finished_at, response_excerpt from public.webhook_attempts where delivery_id = ${deliveryId} order by id`;

describe('delivery', () => {
  let api: TestApi;
  let shared: WorkerProcess;
  beforeAll(async () => {
    [api, shared] = await Promise.all([startTestApi(db), spawnWorker(db.url, FAST_WEBHOOKS)]);
  });
  afterAll(async () => {
    await Promise.all([api.stop(), shared.stop()]);
  });

  it('POSTs each subscribed job event signed per Standard Webhooks, with the job as the REST API returns it', async () => {
    const hook = await receiver(() => ({ status: 200, body: 'ok' }));
    // Through the API, as the dashboard does: RLS, the generated secret, the user's own job.
    const alice = await signUpUser(api, 'alice');
    const { data: project } = await alice.client.from('projects').insert({ name: 'Hooks' }).select().single();
    const { data: created, error } = await alice.client
      .from('webhook_endpoints')
      .insert({ project_id: project!.id, url: hook.url, event_types: ['job.created', 'job.started', 'job.succeeded'] })
      .select('id, secret')
      .single();
    expect(error).toBeNull();
    expect(created!.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const { data: job } = await alice.client
      .from('generation_jobs')
      .insert({ project_id: project!.id, mode: 'upscale', provider: 'simulated', params: { duration_ms: 0, cost_cents: 55 } })
      .select()
      .single();

    await expect.poll(() => hook.received.length, { timeout: 30_000 }).toBe(3);
    const verifier = new Webhook(created!.secret);
    // Messages due together are sent concurrently: no order is promised (as with any Standard Webhooks sender).
    const order = ['job.created', 'job.started', 'job.succeeded'];
    const typeOf = (body: string) => order.indexOf((JSON.parse(body) as { type: string }).type);
    const inOrder = [...hook.received].sort((x, y) => typeOf(x.body) - typeOf(y.body));
    const messages = inOrder.map((request) => {
      expect(request.headers['content-type']).toBe('application/json');
      // Throws unless the signature, the id and a fresh timestamp match.
      return verifier.verify(request.body, request.headers) as { type: string; timestamp: string; data: Record<string, unknown> };
    });
    expect(messages.map((m) => m.type)).toEqual(['job.created', 'job.started', 'job.succeeded']);
    expect(new Set(hook.received.map((r) => r.headers['webhook-id'])).size).toBe(3);
    for (const message of messages) {
      expect(message.data.id).toBe(job!.id);
      expect(Number.isNaN(Date.parse(message.timestamp))).toBe(false);
    }
    const { data: finished } = await alice.client.from('generation_jobs').select('*').eq('id', job!.id).single();
    expect(messages[2].data).toEqual(finished);
    expect(messages[2].data).toMatchObject({ status: 'succeeded', cost_cents: 55 });
    expect(messages[0].data).toMatchObject({ status: 'queued', attempts: 0 });
    expect(messages[1].data).toMatchObject({ status: 'running', attempts: 1 });

    // The attempt log, as the owner reads it.
    const { data: logged } = await alice.client.from('webhook_deliveries').select('status, attempts, event_type, webhook_attempts(status_code, response_excerpt)');
    expect(logged).toHaveLength(3);
    for (const delivery of logged!) {
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, webhook_attempts: [{ status_code: 200, response_excerpt: 'ok' }] });
    }
  }, 60_000);

  it('a receiver that fails 3 times then succeeds gets the delivery exactly once after retries; the log shows 4 attempts', async () => {
    const hook = await receiver(({ index }) => (index < 3 ? { status: 500, body: `boom ${index}` } : { status: 200 }));
    const target = await endpoint(hook.url, ['job.succeeded']);
    await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 0 });

    await expect.poll(async () => (await deliveries(target.id))[0]?.status, { timeout: 30_000 }).toBe('succeeded');
    const [delivery] = await deliveries(target.id);
    expect(delivery.attempts).toBe(4);
    const log = await attemptLog(delivery.id);
    expect(log.map((a) => [a.attempt, a.status_code])).toEqual([[1, 500], [2, 500], [3, 500], [4, 200]]);
    expect(log[0].response_excerpt).toBe('boom 0');
    expect(log.every((a) => a.finished_at !== null)).toBe(true);
    // One message: the same webhook-id every time, accepted once.
    expect(hook.received).toHaveLength(4);
    expect(new Set(hook.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.message_id]));
    const [row] = await db.sql`select consecutive_failures, enabled from public.webhook_endpoints where id = ${target.id}`;
    expect(row).toEqual({ consecutive_failures: 0, enabled: true });
  }, 60_000);

  it('a receiver that always fails gets its endpoint disabled after the configured run of failures (5 here)', async () => {
    const hook = await receiver(() => ({ status: 503 }));
    const target = await endpoint(hook.url, ['job.succeeded']);
    await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 0 });

    await expect.poll(async () => (await db.sql`select enabled from public.webhook_endpoints where id = ${target.id}`)[0].enabled, { timeout: 30_000 }).toBe(false);
    const [row] = await db.sql`select consecutive_failures, disabled_reason from public.webhook_endpoints where id = ${target.id}`;
    expect(row).toEqual({ consecutive_failures: 5, disabled_reason: 'disabled after 5 consecutive failed attempts (last: HTTP 503)' });
    const [delivery] = await deliveries(target.id);
    // The schedule had one retry left: disabling the endpoint ends the delivery.
    expect(delivery).toMatchObject({ status: 'failed', attempts: 5, last_error: 'HTTP 503' });
    // A disabled endpoint gets no new messages.
    const [later] = await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 0 });
    await expect.poll(async () => (await db.sql`select status from public.generation_jobs where id = ${later}`)[0].status, { timeout: 30_000 }).toBe('succeeded');
    expect(await deliveries(target.id)).toHaveLength(1);
    expect(hook.received).toHaveLength(5);
  }, 60_000);

  it('replay sends the same message again (same webhook-id and body, newly signed); a test event reaches the endpoint', async () => {
    const hook = await receiver(() => ({ status: 204 }));
    const target = await endpoint(hook.url, ['job.succeeded']);
    await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 0 });
    await expect.poll(async () => (await deliveries(target.id))[0]?.status, { timeout: 30_000 }).toBe('succeeded');
    const [original] = await deliveries(target.id);

    const replay = await asRole(db.sql, user(owner.userId), async (tx) => (await tx`select * from public.replay_webhook_delivery(${original.id})`)[0]);
    expect(replay).toMatchObject({ replay_of: original.id, message_id: original.message_id, status: 'pending' });
    await expect.poll(() => hook.received.length, { timeout: 30_000 }).toBe(2);
    const [first, again] = hook.received;
    expect(again.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(again.body).toBe(first.body);
    new Webhook(target.secret).verify(again.body, again.headers);
    await expect.poll(async () => (await deliveries(target.id)).map((d) => d.status), { timeout: 30_000 }).toEqual(['succeeded', 'succeeded']);

    await asRole(db.sql, user(owner.userId), (tx) => tx`select id from public.send_webhook_test(${target.id})`);
    await expect.poll(() => hook.received.length, { timeout: 30_000 }).toBe(3);
    const test = new Webhook(target.secret).verify(hook.received[2].body, hook.received[2].headers) as { type: string; data: { endpoint_id: string } };
    expect(test).toMatchObject({ type: 'webhook.test', data: { endpoint_id: target.id } });
  }, 60_000);

  it('after a secret rotation both secrets sign until the previous one expires', async () => {
    const hook = await receiver(() => ({ status: 200 }));
    const target = await endpoint(hook.url, ['job.succeeded']);
    const rotated = await asRole(db.sql, user(owner.userId), async (tx) => (await tx<{ secret: string }[]>`select secret from public.rotate_webhook_secret(${target.id})`)[0]);
    expect(rotated.secret).not.toBe(target.secret);
    await asRole(db.sql, user(owner.userId), (tx) => tx`select id from public.send_webhook_test(${target.id})`);
    await expect.poll(() => hook.received.length, { timeout: 30_000 }).toBe(1);
    const [request] = hook.received;
    expect(request.headers['webhook-signature'].split(' ')).toHaveLength(2);
    new Webhook(target.secret).verify(request.body, request.headers);
    new Webhook(rotated.secret).verify(request.body, request.headers);
  }, 60_000);
});

describe('a worker SIGKILLed mid-delivery', () => {
  it('leaves the delivery to be retried by another worker when its lease runs out, not lost', async () => {
    const hook = await receiver(({ index }) => (index === 0 ? 'hang' : { status: 200 }));
    const target = await endpoint(hook.url, ['job.succeeded']);
    const doomed = await spawnWorker(db.url, { ...FAST_WEBHOOKS, WORKER_ID: 'doomed', WEBHOOK_TIMEOUT_MS: '60000', WEBHOOK_LEASE_SECONDS: '62' });
    await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 0 });
    await expect.poll(() => hook.received.length, { timeout: 30_000 }).toBe(1);
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBeNull();

    // Its lease runs out (shortened here, as if a minute had passed); another worker sends it again.
    await db.sql`update public.webhook_deliveries set locked_until = now() - interval '1 second', next_attempt_at = now() where endpoint_id = ${target.id}`;
    await worker({ WORKER_ID: 'survivor' });
    await expect.poll(async () => (await deliveries(target.id))[0]?.status, { timeout: 30_000 }).toBe('succeeded');
    const [delivery] = await deliveries(target.id);
    expect(delivery.attempts).toBe(2);
    const log = await attemptLog(delivery.id);
    expect(log.map((a) => [a.attempt, a.worker_id, a.status_code])).toEqual([[1, 'doomed', null], [2, 'survivor', 200]]);
    expect(log[0].error).toBe('no result: the worker stopped before the attempt finished (its lease expired)');
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([delivery.message_id, delivery.message_id]);
  }, 60_000);
});

describe('private network targets', () => {
  it('are refused without a request when WEBHOOK_ALLOW_PRIVATE_TARGETS is off: the attempt is logged, the delivery fails at once', async () => {
    const hook = await receiver(() => ({ status: 200 }));
    const target = await endpoint(hook.url, ['job.succeeded']);
    await worker({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' });
    await enqueueSimulatedJobs(db.sql, owner, 1, { duration_ms: 0 });
    await expect.poll(async () => (await deliveries(target.id))[0]?.status, { timeout: 30_000 }).toBe('failed');
    const [delivery] = await deliveries(target.id);
    expect(delivery.attempts).toBe(1);
    const [attempt] = await attemptLog(delivery.id);
    expect(attempt.status_code).toBeNull();
    expect(attempt.error).toMatch(/^refused: 127\.0\.0\.1 is a private or reserved address/);
    expect(hook.received).toHaveLength(0);
  }, 60_000);
});
