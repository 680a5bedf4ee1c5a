import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const asUser = (sub: string) => JSON.stringify({ sub, role: 'authenticated', email: 'a@example.com' });

describe('platform bootstrap', () => {
  it('creates the API roles with Supabase attributes', async () => {
    const roles = await db.sql<{ rolname: string; rolbypassrls: boolean; rolcanlogin: boolean }[]>`
      select rolname, rolbypassrls, rolcanlogin from pg_roles
      where rolname in ('anon', 'authenticated', 'service_role', 'authenticator') order by rolname`;
    expect(roles).toEqual([
      { rolname: 'anon', rolbypassrls: false, rolcanlogin: false },
      { rolname: 'authenticated', rolbypassrls: false, rolcanlogin: false },
      { rolname: 'authenticator', rolbypassrls: false, rolcanlogin: true },
      { rolname: 'service_role', rolbypassrls: true, rolcanlogin: false },
    ]);
    const [{ member }] = await db.sql<{ member: boolean }[]>`
      select pg_has_role('authenticator', 'authenticated', 'member')
         and pg_has_role('authenticator', 'anon', 'member')
         and pg_has_role('authenticator', 'service_role', 'member') as member`;
    expect(member).toBe(true);
  });

  it('creates the auth and extensions schemas with GoTrue tables', async () => {
    const tables = await db.sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'auth' order by 1`;
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['users', 'sessions', 'refresh_tokens', 'identities']));
    const columns = await db.sql<{ column_name: string }[]>`
      select column_name from information_schema.columns where table_schema = 'auth' and table_name = 'users'`;
    expect(columns.map((c) => c.column_name)).toEqual(
      expect.arrayContaining(['id', 'email', 'encrypted_password', 'raw_app_meta_data', 'raw_user_meta_data', 'email_confirmed_at', 'aud', 'role']),
    );
    const [{ exists }] = await db.sql<{ exists: boolean }[]>`select exists (select 1 from pg_namespace where nspname = 'extensions')`;
    expect(exists).toBe(true);
  });

  it('auth.uid(), role(), email() and jwt() read request.jwt.claims under the authenticated role', async () => {
    const sub = '6f1d2c3a-1111-4222-8333-944445555666';
    const [row] = await db.sql.begin(async (tx) => {
      await tx`set local role authenticated`;
      await tx`select set_config('request.jwt.claims', ${asUser(sub)}, true)`;
      return tx<{ uid: string; role: string; email: string; jwt: { sub: string } }[]>`
        select auth.uid() as uid, auth.role() as role, auth.email() as email, auth.jwt() as jwt`;
    });
    expect(row).toEqual({ uid: sub, role: 'authenticated', email: 'a@example.com', jwt: expect.objectContaining({ sub }) });
  });

  it('auth.uid() is null for anon without claims, and the legacy request.jwt.claim.sub is honoured', async () => {
    const [anon] = await db.sql.begin(async (tx) => {
      await tx`set local role anon`;
      return tx<{ uid: string | null }[]>`select auth.uid() as uid`;
    });
    expect(anon.uid).toBeNull();
    const sub = '0a0a0a0a-0000-4000-8000-000000000001';
    const [legacy] = await db.sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claim.sub', ${sub}, true)`;
      return tx<{ uid: string }[]>`select auth.uid() as uid`;
    });
    expect(legacy.uid).toBe(sub);
  });

  it("grants Supabase's defaults on public: new tables are usable by the API roles, RLS decides rows", async () => {
    await db.sql`create table public.grant_probe (id int primary key)`;
    const [{ anon, authenticated, service }] = await db.sql<{ anon: boolean; authenticated: boolean; service: boolean }[]>`
      select has_table_privilege('anon', 'public.grant_probe', 'select, insert, update, delete') as anon,
             has_table_privilege('authenticated', 'public.grant_probe', 'select, insert, update, delete') as authenticated,
             has_table_privilege('service_role', 'public.grant_probe', 'select, insert, update, delete') as service`;
    expect({ anon, authenticated, service }).toEqual({ anon: true, authenticated: true, service: true });
    await db.sql`drop table public.grant_probe`;
  });

  it('installs the event triggers that make the REST API reload its schema cache after DDL', async () => {
    const triggers = await db.sql<{ evtname: string; evtevent: string }[]>`
      select evtname, evtevent from pg_event_trigger where evtname like 'pgrst_%' order by 1`;
    expect(triggers).toEqual([
      { evtname: 'pgrst_ddl_watch', evtevent: 'ddl_command_end' },
      { evtname: 'pgrst_drop_watch', evtevent: 'sql_drop' },
    ]);
  });

  it('records applied migrations in supabase_migrations.schema_migrations like the CLI does on hosted projects', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync('supabase/migrations').filter((f) => f.endsWith('.sql'));
    const rows = await db.sql<{ version: string }[]>`select version from supabase_migrations.schema_migrations order by version`;
    expect(rows.map((r) => r.version)).toEqual(files.map((f) => f.split('_')[0]).sort());
  });
});

describe('platform bootstrap in a further database of the same cluster', () => {
  it('reuses the cluster-wide roles and creates the per-database objects', async () => {
    const { bootstrapPlatform } = await import('../../local-stack/bootstrap.ts');
    const { clusterUrl } = await import('../support/cluster.ts');
    const name = `fresh_${Date.now()}`;
    await db.sql.unsafe(`create database ${name}`);
    try {
      expect(await bootstrapPlatform(clusterUrl(name))).toBe(true);
      expect(await bootstrapPlatform(clusterUrl(name))).toBe(false); // second run: nothing to do
      const { default: postgres } = await import('postgres');
      const fresh = postgres(clusterUrl(name), { max: 1 });
      const [{ uid }] = await fresh<{ uid: string | null }[]>`select auth.uid() as uid`;
      expect(uid).toBeNull();
      await fresh.end();
    } finally {
      await db.sql.unsafe(`drop database ${name} with (force)`);
    }
  });
});

describe('bootstrap versions', () => {
  it('records every version of local-stack/bootstrap/versions as applied', async () => {
    const { bootstrapVersions } = await import('../../local-stack/bootstrap.ts');
    const rows = await db.sql<{ version: number; name: string }[]>`
      select version, name from _local_stack.bootstrap_versions order by version`;
    expect(rows).toEqual(bootstrapVersions().map(({ version, name }) => ({ version, name })));
    expect(rows[0]).toEqual({ version: 1, name: 'platform' });
  });

  it('upgrades a database made before versions existed without re-running version 1', async () => {
    const { bootstrapPlatform, bootstrapVersions } = await import('../../local-stack/bootstrap.ts');
    const { clusterUrl } = await import('../support/cluster.ts');
    const name = `legacy_${Date.now()}`;
    await db.sql.unsafe(`create database ${name}`);
    try {
      expect(await bootstrapPlatform(clusterUrl(name))).toBe(true);
      const { default: postgres } = await import('postgres');
      const legacy = postgres(clusterUrl(name), { max: 1, onnotice: () => {} });
      try {
        // What the first stack left: version 1's objects and the comment marker, no version table, no storage.
        await legacy`drop schema _local_stack cascade`;
        await legacy`drop schema storage cascade`;
        expect(await bootstrapPlatform(clusterUrl(name))).toBe(false);
        const rows = await legacy<{ version: number }[]>`select version from _local_stack.bootstrap_versions order by version`;
        expect(rows.map((row) => row.version)).toEqual(bootstrapVersions().map((version) => version.version));
        // The later versions were applied on this start: the data folder is upgraded, not left behind.
        const [{ storage }] = await legacy<{ storage: string | null }[]>`select to_regclass('storage.objects')::text as storage`;
        expect(storage).toBe('storage.objects');
      } finally {
        await legacy.end();
      }
    } finally {
      await db.sql.unsafe(`drop database ${name} with (force)`);
    }
  });
});
