import { createServerClient } from '@supabase/ssr';
import { cookies } from 'next/headers';
import type { Database } from '@/lib/db/database.types';
import { publicEnv } from '@/lib/env';
import { nodeRealtimeOptions } from './node-realtime';

/**
 * Supabase client for server components, server actions and route handlers. Create one per request:
 * never keep it in a module-level variable (it carries the request's cookies).
 */
export async function createClient() {
  const cookieStore = await cookies();
  const { supabaseUrl, supabaseKey } = publicEnv();
  return createServerClient<Database>(supabaseUrl, supabaseKey, {
    realtime: nodeRealtimeOptions,
    cookies: {
      getAll() {
        return cookieStore.getAll();
      },
      setAll(cookiesToSet) {
        try {
          for (const { name, value, options } of cookiesToSet) cookieStore.set(name, value, options);
        } catch {
          // Called from a server component, where cookies are read-only. Safe to ignore: the proxy
          // refreshes the session and writes the cookies on the way out.
        }
      },
    },
  });
}
