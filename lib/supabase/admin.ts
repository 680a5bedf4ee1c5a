import 'server-only';
import { createClient as createSupabaseClient } from '@supabase/supabase-js';
import type { Database } from '@/lib/db/database.types';
import { publicEnv, serviceRoleKey } from '@/lib/env';
import { nodeRealtimeOptions } from './node-realtime';

/**
 * Service-role client: bypasses RLS. Only for trusted server code (workers, admin tasks), never with
 * user input deciding whose rows it touches.
 */
export function createAdminClient() {
  return createSupabaseClient<Database>(publicEnv().supabaseUrl, serviceRoleKey(), {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: nodeRealtimeOptions,
  });
}
