import 'server-only';
import type { User } from '@supabase/supabase-js';
import { redirect } from 'next/navigation';
import { createClient } from '@/lib/supabase/server';
import { loginPath, mfaChallengePath } from './redirects';

export type CurrentUser =
  | { ok: true; user: User }
  | { ok: false; error: string; redirectTo: string };

/**
 * The signed-in user, verified by the Auth server (getUser), or where to send the visitor: to /login
 * without a session, to the second-factor step when the user has a verified factor but the session is
 * still AAL1 (`aal: 'aal1'` is enough for pages that take part in reaching AAL2).
 */
export async function getCurrentUser(next: string, options: { aal?: 'aal1' | 'aal2' } = {}): Promise<CurrentUser> {
  const supabase = await createClient();
  const { data, error } = await supabase.auth.getUser();
  if (error || !data.user) return { ok: false, error: error?.message ?? 'Not signed in', redirectTo: loginPath(next) };
  if ((options.aal ?? 'aal2') === 'aal2') {
    const hasVerifiedFactor = (data.user.factors ?? []).some((factor) => factor.status === 'verified');
    const { data: level } = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
    if (hasVerifiedFactor && level?.currentLevel !== 'aal2') {
      return { ok: false, error: 'Second factor required', redirectTo: mfaChallengePath(next) };
    }
  }
  return { ok: true, user: data.user };
}

/** For server components: the signed-in user, or a redirect to /login (or the MFA step) with the way back. */
export async function requireUser(next: string, options: { aal?: 'aal1' | 'aal2' } = {}): Promise<User> {
  const result = await getCurrentUser(next, options);
  if (!result.ok) redirect(result.redirectTo);
  return result.user;
}
