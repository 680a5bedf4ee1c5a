'use server';

import { headers } from 'next/headers';
import { z } from 'zod';
import type { AuthFormState } from '@/app/login/actions';
import { createClient } from '@/lib/supabase/server';

const emailSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email address').max(255, 'The email address is too long'),
});

/** Mails a reset link; the answer is the same whether or not the address has an account (as Auth's). */
export async function requestPasswordReset(_previous: AuthFormState, formData: FormData): Promise<AuthFormState> {
  const parsed = emailSchema.safeParse({ email: formData.get('email') });
  const email = String(formData.get('email') ?? '');
  if (!parsed.success) return { error: parsed.error.issues[0].message, code: 'validation_failed', email };

  const origin = (await headers()).get('origin');
  const supabase = await createClient();
  const { error } = await supabase.auth.resetPasswordForEmail(parsed.data.email, {
    redirectTo: origin ? `${origin}/auth/confirm?next=${encodeURIComponent('/auth/update-password')}` : undefined,
  });
  if (error) return { error: error.message, code: error.code, email };
  return { message: `If an account exists for ${parsed.data.email}, we sent it a link to set a new password.`, email };
}
