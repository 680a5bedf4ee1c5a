import { createServerClient } from '@supabase/ssr';
import { NextResponse, type NextRequest } from 'next/server';
import type { Database } from '@/lib/db/database.types';
import { publicEnv } from '@/lib/env';
import { nodeRealtimeOptions } from './node-realtime';

/** Paths that need a signed-in user; everything else is public. */
const PROTECTED_PREFIXES = ['/jobs-test'];

/** Refreshes the auth session on every request and keeps signed-out visitors off protected pages. */
export async function updateSession(request: NextRequest) {
  let supabaseResponse = NextResponse.next({ request });
  const { supabaseUrl, supabaseKey } = publicEnv();
  const supabase = createServerClient<Database>(supabaseUrl, supabaseKey, {
    realtime: nodeRealtimeOptions,
    cookies: {
      getAll() {
        return request.cookies.getAll();
      },
      setAll(cookiesToSet) {
        for (const { name, value } of cookiesToSet) request.cookies.set(name, value);
        supabaseResponse = NextResponse.next({ request });
        for (const { name, value, options } of cookiesToSet) supabaseResponse.cookies.set(name, value, options);
      },
    },
  });

  // No code between creating the client and getClaims(): a stale session could sign users out at random.
  const { data } = await supabase.auth.getClaims();
  const signedIn = Boolean(data?.claims);

  const { pathname, search } = request.nextUrl;
  if (!signedIn && PROTECTED_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`))) {
    const url = request.nextUrl.clone();
    url.pathname = '/login';
    url.search = `?next=${encodeURIComponent(`${pathname}${search}`)}`;
    return NextResponse.redirect(url);
  }

  // Return this exact response: it carries the refreshed session cookies to the browser.
  return supabaseResponse;
}
