'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import type { AuthFormState } from '@/app/login/actions';
import { createClient } from '@/lib/supabase/server';

const passwordSchema = z
  .object({
    password: z.string().min(1, 'Enter a new password').max(72, 'The password is at most 72 characters'),
    confirm: z.string(),
  })
  .refine((value) => value.password === value.confirm, { message: 'The passwords do not match', path: ['confirm'] });

/** Sets the signed-in user's new password (after a recovery link, or from the account); Auth judges its strength. */
export async function updatePassword(_previous: AuthFormState, formData: FormData): Promise<AuthFormState> {
  const parsed = passwordSchema.safeParse({ password: formData.get('password'), confirm: formData.get('confirm') });
  if (!parsed.success) return { error: parsed.error.issues[0].message, code: 'validation_failed' };
  const supabase = await createClient();
  const { error } = await supabase.auth.updateUser({ password: parsed.data.password });
  if (error) return { error: error.message, code: error.code };
  redirect('/jobs-test');
}
