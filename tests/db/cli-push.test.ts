import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapPlatform } from '../../local-stack/bootstrap.ts';
import { REPO_ROOT } from '../../local-stack/config.ts';
import { runSupabaseCli } from '../../local-stack/migrate.ts';
import { clusterUrl } from '../support/cluster.ts';

// A fresh, empty database of the test cluster (not a clone of the migrated template): only the platform
// bootstrap, as a new hosted project has it.
let dbUrl: string;
let drop: () => Promise<void>;

beforeAll(async () => {
  const name = `cli_push_${randomBytes(4).toString('hex')}`;
  const admin = postgres(clusterUrl('postgres'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  dbUrl = clusterUrl(name);
  await bootstrapPlatform(dbUrl);
  drop = async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
});
afterAll(async () => {
  await drop?.();
});

const migrationFiles = () => readdirSync(path.join(REPO_ROOT, 'supabase', 'migrations')).filter((f) => f.endsWith('.sql')).sort();

describe('the CLI path of APPLY_GENERATION_JOBS_MIGRATION.md', () => {
  it('`supabase db push --db-url … --include-all` applies every migration to a fresh database', async () => {
    // Exactly the documented command, with this cluster's URL.
    const output = await runSupabaseCli(['db', 'push', '--db-url', `${dbUrl}?sslmode=disable`, '--include-all'], REPO_ROOT);
    expect(output).toContain('Finished supabase db push.');
    const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
    try {
      const history = await sql<{ version: string; name: string }[]>`
        select version, name from supabase_migrations.schema_migrations order by version`;
      expect(history.map((h) => `${h.version}_${h.name}.sql`)).toEqual(migrationFiles());
      const [objects] = await sql`
        select to_regclass('public.projects') is not null as projects,
               to_regclass('public.assets') is not null as assets,
               to_regclass('public.generation_jobs') is not null as jobs,
               to_regclass('public.generation_job_summary') is not null as summary,
               to_regprocedure('public.get_job_statistics()') is not null as statistics,
               to_regprocedure('public.get_recent_jobs(integer)') is not null as recent,
               to_regprocedure('public.transition_job_status(uuid,text,text)') is not null as transition`;
      expect(Object.values(objects).every(Boolean)).toBe(true);
    } finally {
      await sql.end();
    }
  });

  it('a second push finds nothing to do, and `supabase migration list` shows local = remote', async () => {
    const again = await runSupabaseCli(['db', 'push', '--db-url', `${dbUrl}?sslmode=disable`, '--include-all'], REPO_ROOT);
    expect(again).toMatch(/up to date/i);
    const list = await runSupabaseCli(['migration', 'list', '--db-url', `${dbUrl}?sslmode=disable`], REPO_ROOT);
    for (const file of migrationFiles()) {
      const version = file.split('_')[0];
      expect(list).toMatch(new RegExp(`${version}\`?\\s*\\|\\s*\`?${version}`));
    }
  });
});
