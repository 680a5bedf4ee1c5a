import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';

const PLATFORM_SQL = path.join(import.meta.dirname, 'bootstrap', 'platform.sql');

/** Creates Supabase's platform objects (roles, auth schema, grants) unless the database has them already. */
export async function bootstrapPlatform(databaseUrl: string): Promise<boolean> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ done }] = await sql<{ done: boolean }[]>`
      select exists (select 1 from pg_namespace where nspname = 'auth') as done`;
    if (done) return false;
    const script = readFileSync(PLATFORM_SQL, 'utf8');
    await sql.begin((tx) => tx.unsafe(script));
    return true;
  } finally {
    await sql.end();
  }
}
