import type postgres from 'postgres';

/** Who runs a statement, as PostgREST would run it: an API role plus the JWT claims it would set. */
export type Actor =
  | { role: 'anon' }
  /** `sub`: a user the service role acts for (auth.uid() returns it; RLS still does not apply). */
  | { role: 'service_role'; sub?: string }
  | { role: 'authenticated'; sub: string; email?: string };

export const anon: Actor = { role: 'anon' };
export const serviceRole: Actor = { role: 'service_role' };
export const user = (sub: string, email = `${sub.slice(0, 8)}@example.com`): Actor => ({ role: 'authenticated', sub, email });

const ROLES = new Set(['anon', 'authenticated', 'service_role']);

function claimsOf(actor: Actor): Record<string, unknown> | null {
  switch (actor.role) {
    case 'anon':
      return null; // the anon key carries no user: auth.uid() is null
    case 'service_role':
      return { role: 'service_role', iss: 'supabase-demo', ...(actor.sub ? { sub: actor.sub } : {}) };
    case 'authenticated':
      return { sub: actor.sub, role: 'authenticated', aud: 'authenticated', email: actor.email };
  }
}

/**
 * Runs `fn` in one transaction after `set local role <role>` and `request.jwt.claims`, exactly like a
 * PostgREST request (and Supabase's own RLS tests). The transaction commits unless `fn` throws.
 */
export async function asRole<T>(sql: postgres.Sql, actor: Actor, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  if (!ROLES.has(actor.role)) throw new Error(`unknown role ${String(actor.role)}`);
  return sql.begin(async (tx) => {
    await tx.unsafe(`set local role ${actor.role}`);
    const claims = claimsOf(actor);
    if (claims) await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
    return fn(tx);
  }) as Promise<T>;
}

export interface SqlError {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  constraint_name?: string;
}

/** Resolves to the database error the promise rejects with; fails when it resolves. */
export async function sqlError(promise: Promise<unknown>): Promise<SqlError> {
  try {
    await promise;
  } catch (error) {
    const e = error as SqlError & { name?: string };
    if (typeof e.code === 'string') return e;
    throw error;
  }
  throw new Error('expected the statement to fail, but it succeeded');
}

class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback');
  }
}

/** Like asRole, but always rolls back: for probing writes without changing the fixtures. */
export async function probeAs<T>(sql: postgres.Sql, actor: Actor, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  try {
    await asRole(sql, actor, async (tx) => {
      throw new Rollback(await fn(tx));
    });
  } catch (error) {
    if (error instanceof Rollback) return error.value as T;
    throw error;
  }
  throw new Error('unreachable');
}
