import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapPlatform } from '../../local-stack/bootstrap.ts';
import { REPO_ROOT } from '../../local-stack/config.ts';
import { hasVisibleText } from '../../lib/db/text-rules.ts';
import { sqlError } from '../support/as-role.ts';
import { createAuthUser } from '../support/auth-users.ts';
import { clusterUrl, createTestDatabase, type TestDatabase } from '../support/cluster.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('"not blank" means "has a visible character": public.has_visible_text() and its zod mirror', () => {
  // Every BMP code point, and the supplementary blocks the set reaches into (musical symbols, tags and
  // variation selectors). PostgreSQL text cannot hold U+0000 or surrogates.
  const RANGES: [number, number][] = [[1, 0xffff], [0x1d100, 0x1d1ff], [0xe0000, 0xe0fff]];

  it('agree on every code point of the BMP and of the supplementary blocks the set touches', async () => {
    const [{ invisible }] = await db.sql<{ invisible: number[] }[]>`
      select array_agg(cp order by cp) as invisible
      from unnest(${RANGES.map((r) => r[0])}::int[], ${RANGES.map((r) => r[1])}::int[]) as r(low, high),
           generate_series(r.low, r.high) cp
      where (cp < 55296 or cp > 57343) and not public.has_visible_text(chr(cp))`;
    const expected: number[] = [];
    for (const [low, high] of RANGES) {
      for (let cp = low; cp <= high; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        if (!hasVisibleText(String.fromCodePoint(cp))) expected.push(cp);
      }
    }
    expect(invisible).toEqual(expected);
    // Spot checks of what the set is for.
    for (const cp of [0x09, 0x0a, 0x20, 0xa0, 0x200b, 0x200d, 0x2060, 0xfeff, 0x3000, 0x3164, 0xe0041]) expect(invisible).toContain(cp);
    for (const cp of [0x41, 0xe9, 0x4e2d, 0x1f600, 0x0301]) expect(invisible).not.toContain(cp);
  });

  it.each([
    ['x', true],
    [' \t x \n', true],
    ['', false],
    ['   ', false],
    ['\t\n\r\v\f', false],
    ['\u00a0\u2007\u202f', false],
    ['\u200b\u200c\u200d\u2060\ufeff', false],
    ['\u3164\u115f', false],
    ['\u{e0020}\u{e0041}', false],
  ])('%j → %s', async (text, visible) => {
    const [{ result }] = await db.sql<{ result: boolean }[]>`select public.has_visible_text(${text}) as result`;
    expect(result).toBe(visible);
    expect(hasVisibleText(text)).toBe(visible);
  });
});

describe('the hardening migration on a database that already has data (an existing hosted project)', () => {
  const migrations = readdirMigrations();
  const landed = migrations.filter((file) => file < '20261129');
  const added = migrations.filter((file) => file >= '20261129');
  let sql: postgres.Sql;
  let name: string;

  beforeAll(async () => {
    name = `upgrade_${Math.random().toString(16).slice(2, 10)}`;
    const admin = postgres(clusterUrl('postgres'), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    await bootstrapPlatform(clusterUrl(name));
    sql = postgres(clusterUrl(name), { max: 1, onnotice: () => {} });
    for (const file of landed) await sql.begin((tx) => tx.unsafe(readMigration(file)));
  }, 120_000);
  afterAll(async () => {
    await sql?.end();
    const admin = postgres(clusterUrl('postgres'), { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it('repairs rows the old checks let through, then every new check holds', async () => {
    const user = '00000000-0000-4000-8000-00000000a001';
    await sql`insert into auth.users (instance_id, id, aud, role, email) values ('00000000-0000-0000-0000-000000000000', ${user}, 'authenticated', 'authenticated', 'old@example.com')`;
    // What clients could store before: blank-but-not-space names and messages, client-chosen times.
    const [project] = await sql<{ id: string }[]>`
      insert into public.projects (user_id, name, created_at, updated_at) values (${user}, ${'\t\u200b'}, '1970-01-01', 'infinity') returning id`;
    const [asset] = await sql<{ id: string }[]>`
      insert into public.assets (user_id, project_id, name, storage_path, mime_type) values (${user}, ${project.id}, ${'\u00a0'}, 'a.png', 'image/png') returning id`;
    const [job] = await sql<{ id: string }[]>`
      insert into public.generation_jobs (user_id, project_id, mode, cost_cents) values (${user}, ${project.id}, 'lifestyle', 250) returning id`;
    await sql`update public.generation_jobs set status = 'running' where id = ${job.id}`;
    await sql`update public.generation_jobs set status = 'failed', error_message = ${'\n\ufeff'} where id = ${job.id}`;
    await sql`update public.generation_jobs set updated_at = 'infinity' where id = ${job.id}`.catch(() => undefined);

    for (const file of added) await sql.begin((tx) => tx.unsafe(readMigration(file)));

    const [p] = await sql`select name, created_at, isfinite(updated_at) as finite from public.projects where id = ${project.id}`;
    expect(p).toMatchObject({ name: 'Untitled project', finite: true });
    expect((p.created_at as Date).getFullYear()).toBe(1970); // a past time is kept: only non-finite or future ones are repaired
    expect(await sql`select name from public.assets where id = ${asset.id}`).toEqual([{ name: 'Untitled asset' }]);
    expect(await sql`select status, provider, attempts, error_message from public.generation_jobs where id = ${job.id}`).toEqual([
      { status: 'failed', provider: 'manual', attempts: 1, error_message: 'Unknown error (the recorded message was blank)' },
    ]);
    const invalid = await sql`select conname from pg_constraint where connamespace = 'public'::regnamespace and not convalidated`;
    expect(invalid).toEqual([]);
  });
});

describe('server-side timestamps (SQL; tests/api/hardening.test.ts covers the same through the REST API)', () => {
  it('refuse infinite values, even from the database owner', async () => {
    const userId = await createAuthUser(db.sql);
    const error = await sqlError(db.sql`insert into public.projects (user_id, name, updated_at) values (${userId}, 'p', 'infinity')`);
    expect(error).toMatchObject({ code: '23514', constraint_name: 'projects_timestamps_check' });
  });
});

function readdirMigrations(): string[] {
  return readdirSync(path.join(REPO_ROOT, 'supabase', 'migrations')).filter((f) => f.endsWith('.sql')).sort();
}

function readMigration(file: string): string {
  return readFileSync(path.join(REPO_ROOT, 'supabase', 'migrations', file), 'utf8');
}
