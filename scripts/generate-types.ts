// npm run db:types: migrate a throwaway PostgreSQL exactly like the test harness does, then write
// lib/db/database.types.ts with Supabase's own generator (same output as `supabase gen types typescript --local`).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { bootstrapPlatform } from '../local-stack/bootstrap.ts';
import { REPO_ROOT } from '../local-stack/config.ts';
import { pushMigrations } from '../local-stack/migrate.ts';
import { startPostgres } from '../local-stack/postgres-server.ts';
import { freePort } from '../local-stack/processes.ts';
import { DATABASE_TYPES_FILE, generateDatabaseTypes } from './database-types.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'db-types-pg-'));
chmodSync(dataDir, 0o755); // PostgreSQL runs as the postgres user and must reach its data folder
const port = await freePort();
const server = await startPostgres({ pgData: path.join(dataDir, 'pgdata'), port, host: '127.0.0.1', ephemeral: true });
try {
  const database = 'types';
  const admin = postgres(`postgresql://postgres:postgres@127.0.0.1:${port}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${database}`);
  await admin.end();
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/${database}`;
  await bootstrapPlatform(url);
  await pushMigrations({ databaseUrl: url, projectDir: REPO_ROOT, includeSeed: false });
  const types = await generateDatabaseTypes(url);
  mkdirSync(path.dirname(DATABASE_TYPES_FILE), { recursive: true });
  writeFileSync(DATABASE_TYPES_FILE, types);
  console.log(`Wrote ${path.relative(REPO_ROOT, DATABASE_TYPES_FILE)}`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
