import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';

const PLATFORM_SQL = path.join(import.meta.dirname, 'bootstrap', 'platform.sql');
const SCHEMA_RELOAD_SQL = path.join(import.meta.dirname, 'bootstrap', 'schema-reload.sql');

/**
 * Creates Supabase's platform objects (roles, auth schema, grants) unless the database has them already,
 * and (re)installs the event triggers that tell the REST API to reload its schema cache after DDL.
 * Returns true when the platform objects were created by this call (a fresh database).
 */
export async function bootstrapPlatform(databaseUrl: string): Promise<boolean> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ done }] = await sql<{ done: boolean }[]>`
      select exists (select 1 from pg_namespace where nspname = 'auth') as done`;
    if (!done) await sql.begin((tx) => tx.unsafe(readFileSync(PLATFORM_SQL, 'utf8')));
    await sql.begin((tx) => tx.unsafe(readFileSync(SCHEMA_RELOAD_SQL, 'utf8')));
    return !done;
  } finally {
    await sql.end();
  }
}
