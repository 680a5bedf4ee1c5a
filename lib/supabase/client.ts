import { createBrowserClient } from '@supabase/ssr';
import type { Database } from '@/lib/db/database.types';
import { publicEnv } from '@/lib/env';

/** Supabase client for client components; @supabase/ssr keeps one per browser tab. */
export function createClient() {
  const { supabaseUrl, supabaseKey } = publicEnv();
  return createBrowserClient<Database>(supabaseUrl, supabaseKey);
}
