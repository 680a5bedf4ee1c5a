import { randomUUID } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '../../lib/db/database.types.ts';
import { nodeRealtimeOptions } from '../../lib/supabase/node-realtime.ts';
import type { TestApi } from './api.ts';

export interface SignedInUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  client: SupabaseClient<Database>;
}

const clientOptions = (accessToken?: string) => ({
  auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  realtime: nodeRealtimeOptions,
  global: accessToken ? { headers: { Authorization: `Bearer ${accessToken}` } } : {},
});

/** A supabase-js client as an app would make it (no session persisted across tests). */
export function apiClient(api: TestApi, key = api.anonKey): SupabaseClient<Database> {
  return createClient<Database>(api.url, key, clientOptions());
}

/**
 * The same without the app's Database type, for suites with a fixture schema of their own; `accessToken`
 * sends a JWT made by the test instead of a session from the Auth API.
 */
export function untypedClient(api: TestApi, key = api.anonKey, accessToken?: string): SupabaseClient {
  return createClient(api.url, key, clientOptions(accessToken));
}

/** Signs up a brand-new user through the Auth API and returns a client holding their session. */
export async function signUpUser(api: TestApi, label = 'user'): Promise<SignedInUser> {
  const email = `${label}-${randomUUID()}@example.com`;
  const password = `pw-${randomUUID()}`;
  const client = apiClient(api);
  const { data, error } = await client.auth.signUp({ email, password });
  if (error || !data.session || !data.user) throw new Error(`sign-up failed: ${error?.message ?? 'no session'}`);
  return { id: data.user.id, email, password, accessToken: data.session.access_token, client };
}
