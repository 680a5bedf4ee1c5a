import type { NextRequest } from 'next/server';
import { contentSecurityPolicy, createNonce } from '@/lib/http/security-headers';
import { publicEnv } from '@/lib/env';
import { updateSession } from '@/lib/supabase/proxy';

export async function proxy(request: NextRequest) {
  const nonce = createNonce();
  const csp = contentSecurityPolicy({
    nonce,
    supabaseUrl: publicEnv().supabaseUrl,
    appOrigin: request.nextUrl.origin,
    development: process.env.NODE_ENV === 'development',
  });
  // Next.js reads the nonce from the request's CSP header and puts it on the scripts it renders; the
  // session refresh forwards these request headers to the page.
  request.headers.set('content-security-policy', csp);
  request.headers.set('x-nonce', nonce);
  const response = await updateSession(request);
  response.headers.set('Content-Security-Policy', csp);
  return response;
}

export const config = {
  // Everything except static files and images.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|.*\\.(?:svg|png|jpg|jpeg|gif|webp)$).*)'],
};
