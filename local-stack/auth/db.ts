import postgres from 'postgres';
import type { Metadata } from './validation.ts';

/** A pool connection or an open transaction: every query helper accepts either. */
export type Db = postgres.Sql | postgres.TransactionSql;

/** GoTrue's single-tenant instance id; rows written by SQL seeds may leave it NULL. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export function connect(databaseUrl: string): postgres.Sql {
  return postgres(databaseUrl, {
    // A handful of connections is plenty for a local auth server on a 2-core machine.
    max: 4,
    idle_timeout: 30,
    onnotice: () => {},
    connection: { application_name: 'local-stack-auth' },
  });
}

/** Metadata as a jsonb parameter (postgres.js serialises it once, with JSON.stringify). */
export function jsonb(db: Db, value: Metadata) {
  return db.json(value as postgres.JSONValue);
}

/** Runs `work` in one transaction on the pool. */
export function transaction<T>(sql: postgres.Sql, work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return sql.begin((tx) => work(tx)) as Promise<T>;
}

/** A concurrent insert of the same email loses on auth.users' unique index instead of a pre-check. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof postgres.PostgresError && error.code === '23505';
}
