import type { EmailOtpType } from '@supabase/supabase-js';
import { redirect } from 'next/navigation';
import type { NextRequest } from 'next/server';
import { confirmationErrorCode } from '@/lib/auth/login-messages';
import { safeNextPath } from '@/lib/auth/redirects';
import { createClient } from '@/lib/supabase/server';

const EMAIL_OTP_TYPES = new Set<EmailOtpType>(['signup', 'invite', 'magiclink', 'recovery', 'email_change', 'email']);

/**
 * Where Auth's email links land (sign-up, magic link, recovery, email change): a PKCE `code` (the default
 * templates, through /auth/v1/verify) or a `token_hash` and `type` (Supabase's recommended templates) become
 * a session cookie here. A recovery goes on to the new-password page; errors go to /login as codes.
 */
export async function GET(request: NextRequest) {
  const { searchParams } = request.nextUrl;
  const next = safeNextPath(searchParams.get('next'));
  const code = searchParams.get('code');
  const tokenHash = searchParams.get('token_hash');
  const type = searchParams.get('type') as EmailOtpType | null;

  const supabase = await createClient();
  let target: string | null = null;
  let failure: string | null = searchParams.get('error_code') ?? (searchParams.get('error') ? 'unknown' : null);
  if (!failure && code) {
    const { data, error } = await supabase.auth.exchangeCodeForSession(code);
    if (error) failure = error.code ?? 'unknown';
    // supabase-js remembers which flow stored the code verifier ('recovery' for a password reset).
    else target = 'redirectType' in data && data.redirectType === 'recovery' ? '/auth/update-password' : next;
  } else if (!failure && tokenHash && type && EMAIL_OTP_TYPES.has(type)) {
    const { error } = await supabase.auth.verifyOtp({ type, token_hash: tokenHash });
    if (error) failure = error.code ?? 'unknown';
    else target = type === 'recovery' ? '/auth/update-password' : next;
  }
  // Relative redirects: nextUrl's origin says `localhost` for 127.0.0.1, where the session cookie is not sent.
  if (target) redirect(target);
  redirect(`/login?${new URLSearchParams({ next, error: confirmationErrorCode(failure) }).toString()}`);
}
