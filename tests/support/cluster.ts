import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';

/** Database holding platform bootstrap + every migration (no seed); test files clone it. */
export const TEMPLATE_DATABASE = 'migrated_template';

export interface TestCluster {
  host: string;
  port: number;
  jwtSecret: string;
}

export interface TestDatabase {
  name: string;
  /** Superuser (postgres) connection string for this database. */
  url: string;
  /** Superuser client, for fixtures and assertions that must bypass RLS. */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

export function clusterUrl(database: string, user = 'postgres'): string {
  const cluster = inject('cluster');
  return `postgresql://${user}:postgres@${cluster.host}:${cluster.port}/${database}`;
}

/** A fresh database for one test file: a clone of the migrated template, dropped afterwards. */
export async function createTestDatabase(options: { seed?: boolean } = {}): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(clusterUrl('postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const url = clusterUrl(name);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  if (options.seed) {
    const { readFileSync } = await import('node:fs');
    const { default: path } = await import('node:path');
    await sql.unsafe(readFileSync(path.resolve(import.meta.dirname, '../../supabase/seed.sql'), 'utf8'));
  }
  return {
    name,
    url,
    sql,
    drop: async () => {
      await sql.end();
      const dropper = postgres(clusterUrl('postgres'), { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
