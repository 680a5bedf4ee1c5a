// npm run db:types: migrate a throwaway PostgreSQL exactly like the test harness does, then write
// lib/db/database.types.ts with Supabase's own generator (same output as `supabase gen types typescript --local`).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../local-stack/config.ts';
import { createMigratedDatabase, startScratchCluster } from '../local-stack/scratch-cluster.ts';
import { DATABASE_TYPES_FILE, generateDatabaseTypes } from './database-types.ts';

const cluster = await startScratchCluster('db-types-pg');
try {
  const types = await generateDatabaseTypes(await createMigratedDatabase(cluster, 'types'));
  mkdirSync(path.dirname(DATABASE_TYPES_FILE), { recursive: true });
  writeFileSync(DATABASE_TYPES_FILE, types);
  console.log(`Wrote ${path.relative(REPO_ROOT, DATABASE_TYPES_FILE)}`);
} finally {
  await cluster.stop();
}
