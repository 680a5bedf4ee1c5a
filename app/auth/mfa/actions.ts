'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import type { AuthFormState } from '@/app/login/actions';
import { safeNextPath } from '@/lib/auth/redirects';
import { createClient } from '@/lib/supabase/server';

export interface TotpEnrollmentState extends AuthFormState {
  factorId?: string;
  /** data: URL of the QR code's SVG, as Supabase Auth returns it through supabase-js. */
  qrCode?: string;
  secret?: string;
}

const codeSchema = z.object({
  factorId: z.uuid('The factor is missing'),
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app'),
  next: z.string().nullish(),
});

function parseCode(formData: FormData) {
  return codeSchema.safeParse({ factorId: formData.get('factorId'), code: formData.get('code'), next: formData.get('next') });
}

/** Challenges a TOTP factor and verifies the code: the session becomes AAL2, then the user goes on to `next`. */
async function challengeAndVerify(formData: FormData): Promise<AuthFormState> {
  const parsed = parseCode(formData);
  if (!parsed.success) return { error: parsed.error.issues[0].message, code: 'validation_failed' };
  const supabase = await createClient();
  const { error } = await supabase.auth.mfa.challengeAndVerify({ factorId: parsed.data.factorId, code: parsed.data.code });
  if (error) return { error: error.message, code: error.code };
  revalidatePath('/', 'layout');
  redirect(safeNextPath(parsed.data.next));
}

/** Answers a challenge of the user's TOTP factor at sign-in: the session becomes AAL2 and sign-in goes on. */
export async function verifyTotpCode(_previous: AuthFormState, formData: FormData): Promise<AuthFormState> {
  return challengeAndVerify(formData);
}

/** Starts a TOTP enrolment: a key and its QR code for the authenticator app, unverified until a code proves it. */
export async function startTotpEnrollment(_previous: TotpEnrollmentState): Promise<TotpEnrollmentState> {
  const supabase = await createClient();
  const { data, error } = await supabase.auth.mfa.enroll({ factorType: 'totp' });
  if (error) return { error: error.message, code: error.code };
  return { factorId: data.id, qrCode: data.totp.qr_code, secret: data.totp.secret };
}

/** Verifies the first code of a new factor: from now on signing in needs a code too. */
export async function confirmTotpEnrollment(_previous: AuthFormState, formData: FormData): Promise<AuthFormState> {
  return challengeAndVerify(formData);
}
