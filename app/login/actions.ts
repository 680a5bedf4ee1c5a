'use server';

import { revalidatePath } from 'next/cache';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { mfaChallengePath, safeNextPath } from '@/lib/auth/redirects';
import { createClient } from '@/lib/supabase/server';

export interface AuthFormState {
  /** Supabase Auth's message (or zod's), shown inline. */
  error?: string;
  /** Supabase Auth's error code, e.g. invalid_credentials, user_already_exists, weak_password. */
  code?: string;
  /** Shown after a sign-up that needs email confirmation (no session yet). */
  message?: string;
  /** Echoed back so the form keeps what was typed. */
  email?: string;
}

// Presence and type only: the email format and password strength are Supabase Auth's rules, and its
// messages are the ones users should see.
const credentialsSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email address').max(255, 'The email address is too long'),
  password: z.string().min(1, 'Enter your password').max(72, 'The password is at most 72 characters'),
  next: z.string().nullish(),
});

function parseCredentials(formData: FormData) {
  return credentialsSchema.safeParse({
    email: formData.get('email'),
    password: formData.get('password'),
    next: formData.get('next'),
  });
}

export async function signIn(_previous: AuthFormState, formData: FormData): Promise<AuthFormState> {
  const parsed = parseCredentials(formData);
  const email = String(formData.get('email') ?? '');
  if (!parsed.success) return { error: parsed.error.issues[0].message, code: 'validation_failed', email };

  const supabase = await createClient();
  const { data, error } = await supabase.auth.signInWithPassword({ email: parsed.data.email, password: parsed.data.password });
  if (error) return { error: error.message, code: error.code, email };

  revalidatePath('/', 'layout');
  // A user with a verified second factor finishes signing in with a code from their authenticator app.
  const hasVerifiedFactor = (data.user.factors ?? []).some((factor) => factor.status === 'verified');
  redirect(hasVerifiedFactor ? mfaChallengePath(parsed.data.next ?? '') : safeNextPath(parsed.data.next));
}

export async function signUp(_previous: AuthFormState, formData: FormData): Promise<AuthFormState> {
  const parsed = parseCredentials(formData);
  const email = String(formData.get('email') ?? '');
  if (!parsed.success) return { error: parsed.error.issues[0].message, code: 'validation_failed', email };

  const supabase = await createClient();
  // Hosted projects with email confirmation send a link; app/auth/confirm turns it into a session.
  const origin = (await headers()).get('origin');
  const emailRedirectTo = origin ? `${origin}/auth/confirm?next=${encodeURIComponent(safeNextPath(parsed.data.next))}` : undefined;
  const { data, error } = await supabase.auth.signUp({
    email: parsed.data.email,
    password: parsed.data.password,
    options: { emailRedirectTo },
  });
  // Auth's own messages: user_already_exists, weak_password (says what is missing), email_address_invalid.
  if (error) return { error: error.message, code: error.code, email };
  // With email confirmation on (hosted projects, or `enable_confirmations` locally), Auth creates the user
  // but returns no session: the link in the mail goes through /auth/confirm and signs the user in.
  if (!data.session) {
    return { message: `Check your email: we sent a confirmation link to ${parsed.data.email}.`, email };
  }

  revalidatePath('/', 'layout');
  redirect(safeNextPath(parsed.data.next));
}

export async function signOut(): Promise<void> {
  const supabase = await createClient();
  await supabase.auth.signOut();
  revalidatePath('/', 'layout');
  redirect('/login');
}
