import type { RealtimeChannel, RealtimePostgresChangesPayload, SupabaseClient } from '@supabase/supabase-js';
import { setTimeout as sleep } from 'node:timers/promises';
import type postgres from 'postgres';
import type { TestApi } from './api.ts';
import { signUpUser, untypedClient } from './users.ts';

/** Polls `check` until it returns true (or a value), failing after `timeoutMs`. Never a fixed sleep. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<Exclude<T, false | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, false | null | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export interface SystemMessage {
  extension: string;
  status: string;
  message: string;
  channel: string;
}

/** A channel's events, recorded as they arrive. */
export interface Recorded {
  channel: RealtimeChannel;
  changes: (RealtimePostgresChangesPayload<Record<string, unknown>> & { receivedAt: number })[];
  system: SystemMessage[];
  statuses: string[];
  errors: Error[];
}

/**
 * Subscribes `channel` (bindings already added with `.on()`), recording changes, system messages and statuses;
 * resolves once SUBSCRIBED and, when it has postgres_changes bindings, once the server confirmed them.
 */
export async function subscribeRecorded(channel: RealtimeChannel, options: { expectPostgres?: boolean } = {}): Promise<Recorded> {
  const recorded: Recorded = { channel, changes: [], system: [], statuses: [], errors: [] };
  channel.on('system', {}, (payload: SystemMessage) => recorded.system.push(payload));
  channel.subscribe((status, error) => {
    recorded.statuses.push(status);
    if (error) recorded.errors.push(error);
  });
  await until(() => recorded.statuses.includes('SUBSCRIBED') || recorded.errors[0], 'SUBSCRIBED');
  if (recorded.errors[0]) throw recorded.errors[0];
  if (options.expectPostgres ?? true) {
    const confirmation = await until(() => recorded.system.find((message) => message.extension === 'postgres_changes'), 'postgres_changes confirmation');
    if (confirmation.status !== 'ok') throw new Error(`postgres_changes refused: ${confirmation.message}`);
  }
  return recorded;
}

/** A channel listening to `event` changes of `table` (optionally filtered), recording them. */
export async function watchTable(
  client: SupabaseClient,
  table: string,
  options: { event?: '*' | 'INSERT' | 'UPDATE' | 'DELETE'; filter?: string; name?: string; schema?: string } = {},
): Promise<Recorded> {
  const channel = client.channel(options.name ?? `watch-${table}-${Math.random().toString(36).slice(2)}`);
  const changes: Recorded['changes'] = [];
  channel.on(
    'postgres_changes',
    { event: options.event ?? '*', schema: options.schema ?? 'public', table, ...(options.filter ? { filter: options.filter } : {}) },
    (payload: RealtimePostgresChangesPayload<Record<string, unknown>>) => changes.push({ ...payload, receivedAt: performance.now() }),
  );
  const recorded = await subscribeRecorded(channel);
  recorded.changes = changes;
  return recorded;
}

/** A table with per-owner RLS, published for Realtime exactly as a hosted migration would do it. */
export async function createNotesTable(sql: postgres.Sql, name = 'notes', options: { replicaIdentityFull?: boolean } = {}): Promise<void> {
  await sql.unsafe(`
    create table public.${name} (
      id bigint generated always as identity primary key,
      owner uuid not null default auth.uid(),
      body text,
      priority int not null default 0,
      tags text[] not null default '{}',
      meta jsonb,
      created_at timestamptz not null default now()
    );
    alter table public.${name} enable row level security;
    create policy "${name} owners read" on public.${name} for select to authenticated using ((select auth.uid()) = owner);
    create policy "${name} owners write" on public.${name} for all to authenticated using ((select auth.uid()) = owner) with check ((select auth.uid()) = owner);
    ${options.replicaIdentityFull ? `alter table public.${name} replica identity full;` : ''}
    alter publication supabase_realtime add table public.${name};
  `);
}

/** A user's own supabase-js client without the app's Database type (suites with fixture tables), signed in. */
export async function fixtureClient(api: TestApi, label: string): Promise<{ id: string; accessToken: string; client: SupabaseClient }> {
  const user = await signUpUser(api, label);
  const client = untypedClient(api);
  const { data, error } = await client.auth.signInWithPassword({ email: user.email, password: user.password });
  if (error || !data.session) throw new Error(`sign-in failed: ${error?.message}`);
  return { id: user.id, accessToken: data.session.access_token, client };
}
