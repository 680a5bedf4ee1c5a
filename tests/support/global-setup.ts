import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { bootstrapPlatform } from '../../local-stack/bootstrap.ts';
import { REPO_ROOT, SUPABASE_LOCAL_JWT_SECRET } from '../../local-stack/config.ts';
import { pushMigrations } from '../../local-stack/migrate.ts';
import { startPostgres } from '../../local-stack/postgres-server.ts';
import { freePort } from '../../local-stack/processes.ts';
import { TEMPLATE_DATABASE, type TestCluster } from './cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: TestCluster;
  }
}

/**
 * One throwaway PostgreSQL per test run (never the developer's stack on 54322): bootstrapped and
 * migrated once into a template database that each test file clones.
 */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jobs-test-pg-'));
  chmodSync(dataDir, 0o755); // PostgreSQL runs as the postgres user and must reach its data folder
  const port = await freePort();
  const postgres = await startPostgres({ pgData: path.join(dataDir, 'pgdata'), port, host: '127.0.0.1', ephemeral: true });
  const adminUrl = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
  const { default: sql } = await import('postgres');
  const admin = sql(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${TEMPLATE_DATABASE}`);
  await admin.end();
  const templateUrl = `postgresql://postgres:postgres@127.0.0.1:${port}/${TEMPLATE_DATABASE}`;
  await bootstrapPlatform(templateUrl);
  await pushMigrations({ databaseUrl: templateUrl, projectDir: REPO_ROOT, includeSeed: false });
  project.provide('cluster', { host: '127.0.0.1', port, jwtSecret: SUPABASE_LOCAL_JWT_SECRET });
  return async () => {
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
