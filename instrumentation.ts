import { publicEnv } from '@/lib/env';

/** Runs once when the Next.js server starts: a missing Supabase variable fails here, by name, not mid-request. */
export function register() {
  publicEnv();
}
