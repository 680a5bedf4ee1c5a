import { randomUUID } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../lib/db/database.types.ts';
import { nodeRealtimeOptions } from '../../lib/supabase/node-realtime.ts';
import { LOCAL_PUBLISHABLE_KEY, LOCAL_SECRET_KEY } from '../../local-stack/keys.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';
import { until } from '../support/realtime.ts';

// The keys `supabase status` prints (sb_publishable_…, sb_secret_…) work wherever the legacy JWT keys do:
// the gateway swaps them for the JWT of their role, as the CLI's gateway does.

let db: TestDatabase;
let api: TestApi;
beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

const client = (key: string) =>
  createClient<Database>(api.url, key, { auth: { persistSession: false, autoRefreshToken: false }, realtime: nodeRealtimeOptions });

describe('publishable and secret keys', () => {
  it('are the CLI\'s local keys', () => {
    expect(api.publishableKey).toBe(LOCAL_PUBLISHABLE_KEY);
    expect(api.secretKey).toBe(LOCAL_SECRET_KEY);
  });

  it('the publishable key reads as anon, signs up, and then the user\'s session decides (REST, Storage)', async () => {
    const publishable = client(api.publishableKey);
    // anon may read nothing here: the same refusal as with the legacy anon key shows the role.
    const asAnon = await publishable.from('projects').select('name');
    const legacy = await client(api.anonKey).from('projects').select('name');
    expect(asAnon.status).toBe(401);
    expect({ status: asAnon.status, error: asAnon.error }).toEqual({ status: legacy.status, error: legacy.error });

    const { data: signUp, error } = await publishable.auth.signUp({ email: `opaque-${randomUUID()}@example.com`, password: `pw-${randomUUID()}` });
    expect(error).toBeNull();
    const userId = signUp.user!.id;
    const { data: project, error: insertError } = await publishable.from('projects').insert({ name: 'Keys' }).select().single();
    expect(insertError).toBeNull();
    expect(project!.user_id).toBe(userId);

    const path = `${userId}/${randomUUID()}.txt`;
    const upload = await publishable.storage.from('product-images').upload(path, new Blob(['not an image'], { type: 'text/plain' }));
    // The bucket takes images only: refused by the bucket's rules (as the user), not by the gateway.
    expect(upload.error?.message).toMatch(/mime type/i);
  });

  it('the secret key is the service role: admin endpoints, and RLS bypassed', async () => {
    const secret = client(api.secretKey);
    const email = `opaque-admin-${randomUUID()}@example.com`;
    const { data: created, error } = await secret.auth.admin.createUser({ email, password: `pw-${randomUUID()}`, email_confirm: true });
    expect(error).toBeNull();
    await db.sql`insert into public.projects (user_id, name) values (${created.user!.id}, 'Seen by the service role')`;
    const { data: projects } = await secret.from('projects').select('name').eq('user_id', created.user!.id);
    expect(projects).toEqual([{ name: 'Seen by the service role' }]);
    const other = await client(api.publishableKey).auth.signUp({
      email: `opaque-other-${randomUUID()}@example.com`,
      password: `pw-${randomUUID()}`,
    });
    const asOtherUser = await client(api.publishableKey).from('projects').select('name').eq('user_id', created.user!.id).setHeader('Authorization', `Bearer ${other.data.session!.access_token}`);
    expect(asOtherUser.data).toEqual([]);
  });

  it('Realtime joins with the publishable key (handshake and channel)', async () => {
    const publishable = client(api.publishableKey);
    const statuses: string[] = [];
    const channel = publishable.channel(`opaque-${randomUUID()}`).subscribe((status) => statuses.push(status));
    try {
      await until(() => statuses.includes('SUBSCRIBED') || statuses.includes('CHANNEL_ERROR'), 'the join');
      expect(statuses).toContain('SUBSCRIBED');
    } finally {
      await publishable.removeChannel(channel);
      await publishable.realtime.disconnect();
    }
  });

  it('the key may come as the apikey query parameter; an unknown sb_ key is refused as hosted refuses it', async () => {
    // Taken from the query and never read as a filter (PostgREST would answer 400 for a column `apikey`).
    const byQuery = await fetch(`${api.url}/rest/v1/job_statuses?select=status&order=status&apikey=${api.secretKey}`);
    expect(byQuery.status).toBe(200);
    expect(((await byQuery.json()) as { status: string }[]).map((row) => row.status)).toContain('queued');
    const legacyByQuery = await fetch(`${api.url}/rest/v1/job_statuses?select=status&apikey=${api.serviceRoleKey}`);
    expect(legacyByQuery.status).toBe(200);
    const unknown = await fetch(`${api.url}/rest/v1/job_statuses`, { headers: { apikey: 'sb_publishable_not-this-project' } });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ message: 'Invalid API key' });
    // A secret key in Authorization with a publishable apikey is the service role (the bearer decides).
    const mixed = await fetch(`${api.url}/auth/v1/admin/users?per_page=1`, { headers: { apikey: api.publishableKey, authorization: `Bearer ${api.secretKey}` } });
    expect(mixed.status).toBe(200);
  });
});
