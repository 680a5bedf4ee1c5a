import 'server-only';
import type { User } from '@supabase/supabase-js';
import { redirect } from 'next/navigation';
import { createClient } from '@/lib/supabase/server';
import { loginPath } from './redirects';

export type CurrentUser =
  | { ok: true; user: User }
  | { ok: false; error: string; redirectTo: string };

/** The signed-in user, verified by the Auth server (getUser), or where to send the visitor. */
export async function getCurrentUser(next: string): Promise<CurrentUser> {
  const supabase = await createClient();
  const { data, error } = await supabase.auth.getUser();
  if (error || !data.user) return { ok: false, error: error?.message ?? 'Not signed in', redirectTo: loginPath(next) };
  return { ok: true, user: data.user };
}

/** For server components: the signed-in user, or a redirect to /login?next=<next>. */
export async function requireUser(next: string): Promise<User> {
  const result = await getCurrentUser(next);
  if (!result.ok) redirect(result.redirectTo);
  return result.user;
}
