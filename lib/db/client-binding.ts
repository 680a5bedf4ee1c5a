import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from './database.types';

export type DbClient = SupabaseClient<Database>;
export type ClientFactory = () => DbClient | Promise<DbClient>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- `any[]` is what lets the rest parameters be inferred per helper
type Query = (client: DbClient, ...args: any[]) => Promise<unknown>;
type Bound<F> = F extends (client: DbClient, ...args: infer A) => infer R ? (...args: A) => R : never;

/**
 * Turns queries that take a client first (the shared core) into functions that get their client from
 * `getClient`: the server module binds the per-request server client, the browser module the browser one.
 */
export function bindClient<T extends Record<string, Query>>(getClient: ClientFactory, queries: T): { [K in keyof T]: Bound<T[K]> } {
  const bound: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, query] of Object.entries(queries)) {
    bound[name] = async (...args: unknown[]) => query(await getClient(), ...args);
  }
  return bound as { [K in keyof T]: Bound<T[K]> };
}
