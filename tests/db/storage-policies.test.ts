import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anon, asRole, probeAs, serviceRole, sqlError, user } from '../support/as-role.ts';
import { createAuthUser } from '../support/auth-users.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';

/** The storage schema as hosted Supabase has it, and the migration's policies on it, tested in SQL. */
let db: TestDatabase;
let alice: string;
let bob: string;

beforeAll(async () => {
  db = await createTestDatabase();
  [alice, bob] = await Promise.all([createAuthUser(db.sql), createAuthUser(db.sql)]);
});

afterAll(async () => {
  await db.drop();
});

const insertObject = (bucket: string, name: string) => (tx: Parameters<Parameters<typeof asRole>[2]>[0]) =>
  tx`insert into storage.objects (bucket_id, name, version, metadata) values (${bucket}, ${name}, ${randomUUID()}, '{"size": 1}') returning id`;

describe('storage schema (platform bootstrap)', () => {
  it('has hosted Storage’s tables, columns and helpers', async () => {
    const columns = await db.sql<{ table_name: string; column_name: string }[]>`
      select table_name, column_name from information_schema.columns where table_schema = 'storage' order by table_name, ordinal_position`;
    const of = (table: string) => columns.filter((c) => c.table_name === table).map((c) => c.column_name);
    expect(of('buckets')).toEqual(['id', 'name', 'owner', 'created_at', 'updated_at', 'public', 'avif_autodetection', 'file_size_limit', 'allowed_mime_types', 'owner_id', 'type']);
    expect(of('objects')).toEqual(['id', 'bucket_id', 'name', 'owner', 'created_at', 'updated_at', 'last_accessed_at', 'metadata', 'path_tokens', 'version', 'owner_id', 'user_metadata']);
    const [helpers] = await db.sql`
      select storage.foldername('a/b/c.png') as folders, storage.filename('a/b/c.png') as file, storage.extension('a/b/c.tar.gz') as ext`;
    expect(helpers).toEqual({ folders: ['a', 'b'], file: 'c.png', ext: 'gz' });
    const [owner] = await db.sql`
      select pg_get_userbyid(c.relowner) as owner, c.relrowsecurity as rls
      from pg_class c where c.oid = 'storage.objects'::regclass`;
    expect(owner).toEqual({ owner: 'supabase_storage_admin', rls: true });
    const [roles] = await db.sql`
      select pg_has_role('postgres', 'supabase_storage_admin', 'member') as postgres_member,
             pg_has_role('supabase_storage_admin', 'authenticated', 'member') as can_switch,
             has_table_privilege('authenticated', 'storage.objects', 'select, insert, update, delete') as granted`;
    expect(roles).toEqual({ postgres_member: true, can_switch: true, granted: true });
  });
});

describe('policies of the storage migration', () => {
  it('lets a user write and read only under their own id in product-images', async () => {
    await asRole(db.sql, user(alice), insertObject('product-images', `${alice}/p/a.png`));
    const refused = await sqlError(probeAs(db.sql, user(alice), insertObject('product-images', `${bob}/p/a.png`)));
    expect(refused.code).toBe('42501');
    expect((await sqlError(probeAs(db.sql, user(alice), insertObject('product-images', 'a.png')))).code).toBe('42501');
    expect((await sqlError(probeAs(db.sql, user(alice), insertObject('generated-images', `${alice}/p/out.png`)))).code).toBe('42501');
    const seenByBob = await asRole(db.sql, user(bob), (tx) => tx`select name from storage.objects where name like ${`${alice}/%`}`);
    expect(seenByBob).toEqual([]);
    const seenByAnon = await asRole(db.sql, anon, (tx) => tx`select name from storage.objects`);
    expect(seenByAnon).toEqual([]);
    const seenByAlice = await asRole(db.sql, user(alice), (tx) => tx`select name from storage.objects where name like ${`${alice}/%`}`);
    expect(seenByAlice).toEqual([{ name: `${alice}/p/a.png` }]);
  });

  it('lets the service role write outputs that only their owner reads and may delete', async () => {
    await asRole(db.sql, serviceRole, insertObject('generated-images', `${alice}/p/out.png`));
    expect(await asRole(db.sql, user(alice), (tx) => tx`select 1 from storage.objects where name = ${`${alice}/p/out.png`}`)).toHaveLength(1);
    expect(await asRole(db.sql, user(bob), (tx) => tx`delete from storage.objects where name = ${`${alice}/p/out.png`} returning 1`)).toHaveLength(0);
    expect(await asRole(db.sql, user(alice), (tx) => tx`delete from storage.objects where name = ${`${alice}/p/out.png`} returning 1`)).toHaveLength(1);
  });

  it('keeps updates inside the user’s folder', async () => {
    await asRole(db.sql, user(alice), insertObject('product-images', `${alice}/p/move.png`));
    const moved = await sqlError(
      probeAs(db.sql, user(alice), (tx) => tx`update storage.objects set name = ${`${bob}/p/move.png`} where name = ${`${alice}/p/move.png`}`),
    );
    expect(moved.code).toBe('42501');
    const byBob = await asRole(db.sql, user(bob), (tx) => tx`update storage.objects set name = 'x' where name = ${`${alice}/p/move.png`} returning 1`);
    expect(byBob).toHaveLength(0);
  });
});
