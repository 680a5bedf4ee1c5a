/**
 * Realtime across restarts, on a throwaway stack with its own cluster and free ports (never the shared test
 * cluster): the database restarting under a running server (the WAL reader reconnects and resumes from its
 * slot, losing nothing), and the whole stack restarting (clients reconnect and resubscribe by themselves).
 */
import { createClient } from '@supabase/supabase-js';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrapPlatform } from '../../local-stack/bootstrap.ts';
import { SUPABASE_LOCAL_JWT_SECRET, REPO_ROOT } from '../../local-stack/config.ts';
import { apiKeys } from '../../local-stack/keys.ts';
import { startPostgres } from '../../local-stack/postgres-server.ts';
import { freePort } from '../../local-stack/processes.ts';
import { makeDataDir } from '../../local-stack/scratch-cluster.ts';
import { startApis, startStack, type RunningStack } from '../../local-stack/stack.ts';
import { until, watchTable } from '../support/realtime.ts';
import { nodeRealtimeOptions } from '../../lib/supabase/node-realtime.ts';

const NOTES_SQL = `
  create table public.notes (
    id bigint generated always as identity primary key,
    owner uuid not null default auth.uid(),
    body text
  );
  alter table public.notes enable row level security;
  create policy "owners read" on public.notes for select to authenticated using ((select auth.uid()) = owner);
  alter publication supabase_realtime add table public.notes;
`;

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function signedIn(url: string, anonKey: string) {
  // Reconnecting quickly is realtime-js's own behaviour with a shorter backoff: the test waits less.
  const client = createClient(url, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { ...nodeRealtimeOptions, reconnectAfterMs: () => 200 },
  });
  const { data, error } = await client.auth.signUp({ email: `r-${Date.now()}-${Math.random()}@example.com`, password: 'restart-secret' });
  if (error || !data.user) throw new Error(`sign-up failed: ${error?.message}`);
  cleanups.push(() => client.removeAllChannels().then(() => undefined));
  return { client, id: data.user.id };
}

/** A fresh connection per insert: the database may have restarted since the last one. */
async function insertNote(databaseUrl: string, owner: string, body: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`insert into public.notes (owner, body) values (${owner}, ${body})`;
  } finally {
    await sql.end();
  }
}

describe('restarts', () => {
  it('resumes from its slot when the database restarts under a running server, losing no change', async () => {
    const dataDir = makeDataDir('rt-db-restart');
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const host = '127.0.0.1';
    const port = await freePort(host);
    const options = { pgData: path.join(dataDir, 'pgdata'), port, host, ephemeral: true };
    let server = await startPostgres(options);
    cleanups.push(() => server.stop().catch(() => undefined));
    const databaseUrl = `postgresql://postgres:postgres@${host}:${port}/postgres`;
    await bootstrapPlatform(databaseUrl);
    const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(NOTES_SQL);
    await admin.end();
    const apis = await startApis({ databaseUrl, host, port: await freePort(host), jwtSecret: SUPABASE_LOCAL_JWT_SECRET });
    cleanups.push(() => apis.stop());
    const { anonKey } = await apiKeys(SUPABASE_LOCAL_JWT_SECRET);
    const user = await signedIn(apis.url, anonKey);
    const watch = await watchTable(user.client, 'notes');

    const insert = (body: string) => insertNote(databaseUrl, user.id, body);
    await insert('before');
    await until(() => watch.changes.length === 1, 'the first change');

    await server.stop();
    server = await startPostgres(options);
    // Written before the reader is back: the slot keeps them for it.
    for (const body of ['during 1', 'during 2', 'during 3']) await insert(body);
    await until(() => watch.changes.length === 4, 'the changes made while the reader was reconnecting', 30_000);
    expect(watch.changes.map((change) => (change.new as Record<string, unknown>).body)).toEqual(['before', 'during 1', 'during 2', 'during 3']);
    // The client's socket never noticed: it talks to the Realtime server, which stayed up.
    expect(watch.statuses).toEqual(['SUBSCRIBED']);
  }, 60_000);

  it('lets clients reconnect and resubscribe when the whole stack restarts', async () => {
    const projectDir = makeDataDir('rt-project');
    cleanups.push(() => rmSync(projectDir, { recursive: true, force: true }));
    mkdirSync(path.join(projectDir, 'supabase', 'migrations'), { recursive: true });
    copyFileSync(path.join(REPO_ROOT, 'supabase', 'config.toml'), path.join(projectDir, 'supabase', 'config.toml'));
    writeFileSync(path.join(projectDir, 'supabase', 'migrations', '20260101000000_notes.sql'), NOTES_SQL);
    writeFileSync(path.join(projectDir, 'supabase', 'seed.sql'), '');
    const dataDir = makeDataDir('rt-stack');
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = {
      dataDir,
      apiPort: await freePort(),
      dbPort: await freePort(),
      mailPort: await freePort(),
      jwtSecret: SUPABASE_LOCAL_JWT_SECRET,
      projectDir,
      host: '127.0.0.1',
    };
    let stack: RunningStack = await startStack(config, { ephemeral: true });
    cleanups.push(() => stack.stop());
    const user = await signedIn(stack.info.apiUrl, stack.info.anonKey);
    const watch = await watchTable(user.client, 'notes');
    const insert = (body: string) => insertNote(stack.info.dbUrl, user.id, body);
    await insert('first life');
    await until(() => watch.changes.length === 1, 'the first change');

    await stack.stop();
    stack = await startStack(config, { ephemeral: true });
    // realtime-js reconnects with backoff, rejoins the channel and the server confirms the subscription again.
    await until(() => watch.system.filter((message) => message.message === 'Subscribed to PostgreSQL').length === 2, 'the resubscription', 30_000);
    await insert('second life');
    await until(() => watch.changes.length === 2, 'the change after the restart');
    expect(watch.changes.map((change) => (change.new as Record<string, unknown>).body)).toEqual(['first life', 'second life']);
    const slots = postgres(stack.info.dbUrl, { max: 1, onnotice: () => {} });
    try {
      // One slot: the one of the running stack (the stopped one dropped its own).
      expect(await slots`select slot_name from pg_replication_slots`).toHaveLength(1);
    } finally {
      await slots.end();
    }
  }, 90_000);
});
