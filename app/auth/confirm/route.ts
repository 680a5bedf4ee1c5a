import type { EmailOtpType } from '@supabase/supabase-js';
import { NextResponse, type NextRequest } from 'next/server';
import { safeNextPath } from '@/lib/auth/redirects';
import { createClient } from '@/lib/supabase/server';

/**
 * Where a hosted project's confirmation email lands. The default template sends a PKCE `code`; Supabase's
 * recommended template sends `token_hash` and `type`. Both become a session cookie here. (The local stack
 * confirms sign-ups at once and never sends mail.)
 */
export async function GET(request: NextRequest) {
  const { searchParams, origin } = request.nextUrl;
  const next = safeNextPath(searchParams.get('next'));
  const code = searchParams.get('code');
  const tokenHash = searchParams.get('token_hash');
  const type = searchParams.get('type') as EmailOtpType | null;

  const supabase = await createClient();
  let failure = 'The confirmation link is missing its token.';
  if (code) {
    const { error } = await supabase.auth.exchangeCodeForSession(code);
    if (!error) return NextResponse.redirect(new URL(next, origin));
    failure = error.message;
  } else if (tokenHash && type) {
    const { error } = await supabase.auth.verifyOtp({ type, token_hash: tokenHash });
    if (!error) return NextResponse.redirect(new URL(next, origin));
    failure = error.message;
  }
  const login = new URL('/login', origin);
  login.searchParams.set('next', next);
  login.searchParams.set('error', `Email confirmation failed: ${failure}`);
  return NextResponse.redirect(login);
}
