import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetQueries } from '../../lib/db/budgets-core.ts';
import { currentMonth } from '../../lib/db/budget-types.ts';
import { bindClient } from '../../lib/db/client-binding.ts';
import { BudgetExceededError, ForbiddenError, InvalidTransitionError, NotFoundError, ValidationError } from '../../lib/db/errors.ts';
import { generationJobQueries } from '../../lib/db/generation-jobs-core.ts';
import { projectQueries } from '../../lib/db/projects-core.ts';
import { webhookQueries } from '../../lib/db/webhooks-core.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { signUpUser, type SignedInUser } from '../support/users.ts';

/** The shared cores bound to a user's real supabase-js session: what both lib/db modules run. */
const helpersFor = (user: SignedInUser) => ({
  ...bindClient(() => user.client, generationJobQueries),
  ...bindClient(() => user.client, projectQueries),
  ...bindClient(() => user.client, budgetQueries),
  ...bindClient(() => user.client, webhookQueries),
});

let db: TestDatabase;
let api: TestApi;
let a: ReturnType<typeof helpersFor>;
let b: ReturnType<typeof helpersFor>;
let projectId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  a = helpersFor(await signUpUser(api, 'alice'));
  b = helpersFor(await signUpUser(api, 'bob'));
  projectId = (await a.createProject({ name: 'Budgeted' })).id;
});
afterAll(async () => {
  await api.stop();
  await db.drop();
});

describe('budget helpers', () => {
  it('set, read, change and remove budgets; usage and spend come from the rollup', async () => {
    const account = await a.setBudget({ project_id: null, monthly_limit_cents: 10_000 });
    expect(account).toMatchObject({ project_id: null, monthly_limit_cents: 10_000 });
    await a.setBudget({ project_id: projectId, monthly_limit_cents: 300 });
    const changed = await a.setBudget({ project_id: projectId, monthly_limit_cents: 400 });
    expect((await a.getBudgets()).map((x) => [x.project_id, x.monthly_limit_cents])).toEqual([[null, 10_000], [projectId, 400]]);
    expect(changed.monthly_limit_cents).toBe(400);

    await a.createGenerationJob({ project_id: projectId, mode: 'studio-white', provider: 'simulated' }); // 120 reserved
    await a.createGenerationJob({ project_id: projectId, mode: 'done', cost_cents: 30 }); // manual, 30 reserved
    expect(await a.getBudgetUsage()).toEqual([
      { scope: 'account', project_id: null, project_name: null, month: `${currentMonth()}-01`, limit_cents: 10_000, reserved_cents: 150, settled_cents: 0 },
      { scope: 'project', project_id: projectId, project_name: 'Budgeted', month: `${currentMonth()}-01`, limit_cents: 400, reserved_cents: 150, settled_cents: 0 },
    ]);
    expect(await a.getSpend()).toEqual({ month: currentMonth(), reserved_cents: 150, settled_cents: 0, projects: [{ project_id: projectId, reserved_cents: 150, settled_cents: 0 }] });
    expect((await a.getSpend('2001-01')).reserved_cents).toBe(0);

    await a.deleteBudget(null);
    await expect(a.deleteBudget(null)).rejects.toBeInstanceOf(NotFoundError);
    expect((await a.getBudgets()).map((x) => x.project_id)).toEqual([projectId]);
    // Someone else sees nothing and cannot budget this project.
    expect(await b.getBudgets()).toEqual([]);
    await expect(b.setBudget({ project_id: projectId, monthly_limit_cents: 1 })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('a refused job is a BudgetExceededError with the database\'s message and its figures', async () => {
    await a.setBudget({ project_id: projectId, monthly_limit_cents: 300 });
    const error = await a.createGenerationJob({ project_id: projectId, mode: 'lifestyle', provider: 'simulated' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    const refusal = error as BudgetExceededError;
    expect(refusal).toMatchObject({ kind: 'budget_exceeded', code: 'PJ008' });
    expect(refusal.message).toMatch(/^monthly budget of project "Budgeted" exceeded: the limit is \$3\.00 for \d{4}-\d\d \(UTC\); \$0\.00 is spent and \$1\.50 reserved, and this job needs \$2\.50$/);
    expect(refusal.refusal).toEqual({
      scope: 'project', project_id: projectId, month: currentMonth(), limit_cents: 300, settled_cents: 0, reserved_cents: 150, requested_cents: 250, jobs: 1,
    });
    expect(refusal.hint).toMatch(/^Raise or remove the budget/);
  });

  it('checks input before any request', async () => {
    await expect(a.setBudget({ project_id: projectId, monthly_limit_cents: -1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(a.setBudget({ project_id: 'nope', monthly_limit_cents: 1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(a.getSpend('2026-13')).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('webhook helpers', () => {
  it('manage endpoints; the secret is read on demand and rotated; deliveries page newest first', async () => {
    const endpoint = await a.createWebhookEndpoint({ project_id: projectId, url: 'https://hooks.example.com/in' });
    expect(endpoint).toMatchObject({ event_types: ['job.succeeded', 'job.failed', 'job.canceled'], enabled: true });
    expect(endpoint).not.toHaveProperty('secret');
    const secret = await a.revealWebhookSecret(endpoint.id);
    expect(secret).toMatch(/^whsec_/);
    const rotated = await a.rotateWebhookSecret(endpoint.id);
    expect(rotated).not.toBe(secret);
    expect(await a.revealWebhookSecret(endpoint.id)).toBe(rotated);
    expect((await a.getWebhookEndpoints(projectId)).map((e) => e.previous_secret_expires_at)).toEqual([expect.any(String)]);

    const updated = await a.updateWebhookEndpoint(endpoint.id, { event_types: ['job.created', 'job.created'], description: 'CRM' });
    expect(updated).toMatchObject({ event_types: ['job.created'], description: 'CRM' });
    for (let i = 0; i < 3; i++) await a.createGenerationJob({ project_id: projectId, mode: 'free', cost_cents: 0 });
    const test = await a.sendWebhookTest(endpoint.id);
    expect(test).toMatchObject({ event_type: 'webhook.test', status: 'pending', attempts: 0, webhook_attempts: [] });
    const first = await a.getWebhookDeliveries(endpoint.id, { limit: 3 });
    expect(first.items.map((d) => d.event_type)).toEqual(['webhook.test', 'job.created', 'job.created']);
    const rest = await a.getWebhookDeliveries(endpoint.id, { limit: 3, cursor: first.nextCursor });
    expect(rest).toMatchObject({ items: [{ event_type: 'job.created' }], nextCursor: null });
    const replay = await a.replayWebhookDelivery(rest.items[0].id);
    expect(replay).toMatchObject({ replay_of: rest.items[0].id, message_id: rest.items[0].message_id });

    await a.updateWebhookEndpoint(endpoint.id, { enabled: false });
    await expect(a.sendWebhookTest(endpoint.id)).rejects.toBeInstanceOf(InvalidTransitionError);
    // Another user sees and touches nothing.
    expect(await b.getWebhookEndpoints(projectId)).toEqual([]);
    await expect(b.revealWebhookSecret(endpoint.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(b.rotateWebhookSecret(endpoint.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(b.replayWebhookDelivery(replay.id)).rejects.toBeInstanceOf(NotFoundError);
    await a.deleteWebhookEndpoint(endpoint.id);
    await expect(a.getWebhookDelivery(replay.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('checks URLs and event types before any request', async () => {
    for (const url of ['ftp://x.example.com', 'https://me:pw@x.example.com', 'not a url']) {
      await expect(a.createWebhookEndpoint({ project_id: projectId, url })).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(a.createWebhookEndpoint({ project_id: projectId, url: 'https://x.example.com', event_types: [] })).rejects.toBeInstanceOf(ValidationError);
  });
});
