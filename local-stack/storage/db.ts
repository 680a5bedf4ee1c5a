import postgres from 'postgres';
import type { Caller } from './caller.ts';

export type Tx = postgres.TransactionSql;

/** Per-role statement timeouts, as the API roles have them on hosted projects (role settings do not apply after SET ROLE). */
const TIMEOUTS: Record<string, string> = { anon: '3s', authenticated: '8s' };

/** Switches the rest of the transaction to the caller's role and claims (SET LOCAL ROLE, as PostgREST does). */
export async function becomeCaller(tx: Tx, caller: Caller, operation: string): Promise<void> {
  await tx`
    select set_config('role', ${caller.role}, true),
           set_config('request.jwt.claims', ${JSON.stringify(caller.claims)}, true),
           set_config('request.jwt.claim.role', ${caller.role}, true),
           set_config('request.jwt.claim.sub', ${caller.sub ?? ''}, true),
           set_config('storage.operation', ${operation}, true),
           set_config('statement_timeout', ${TIMEOUTS[caller.role] ?? '10s'}, true)`;
}

/**
 * The Storage server's database access, connected as supabase_storage_admin (owner of the storage tables).
 * `asCaller` runs statements in one transaction after switching to the caller's role with its claims, so RLS
 * on storage.objects and storage.buckets decides, exactly as hosted Storage does; `asSuperUser` runs as the
 * owner (no RLS) for what Storage itself needs: bucket limits, public objects, signed URLs.
 */
export class StorageDb {
  readonly sql: postgres.Sql;

  constructor(databaseUrl: string, poolSize = 10) {
    this.sql = postgres(databaseUrl, {
      max: poolSize,
      onnotice: () => {},
      idle_timeout: 60,
      connection: { application_name: 'local-stack-storage' },
    });
  }

  asCaller<T>(caller: Caller, operation: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.sql.begin(async (tx) => {
      await becomeCaller(tx, caller, operation);
      return fn(tx);
    }) as Promise<T>;
  }

  /**
   * One transaction that starts as the owner (to lock and read what RLS may hide from the caller, such as
   * the version an upsert replaces) and then continues as the caller via `becomeCaller`.
   */
  asSuperUser<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.sql.begin(fn) as Promise<T>;
  }

  /** Runs `fn` as the caller and rolls it back: "would RLS allow this write?" before any byte is stored. */
  async testPermission(caller: Caller, operation: string, fn: (tx: Tx) => Promise<unknown>): Promise<void> {
    const rollback = Symbol('rollback');
    try {
      await this.asCaller(caller, operation, async (tx) => {
        await fn(tx);
        throw rollback;
      });
    } catch (error) {
      if (error !== rollback) throw error;
    }
  }

  close(): Promise<void> {
    return this.sql.end({ timeout: 5 });
  }
}
