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

/** A supabase-js client as an app would make it (no session persisted across tests). */
export function apiClient(api: TestApi, key = api.anonKey): SupabaseClient<Database> {
  return createClient<Database>(api.url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: nodeRealtimeOptions,
  });
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
