'use client';

import { useActionState } from 'react';
import { verifyTotpCode } from '@/app/auth/mfa/actions';
import type { AuthFormState } from '@/app/login/actions';
import { SubmitButton } from '@/components/ui/submit-button';
import { AuthMessage } from './auth-message';
import { TotpCodeField } from './totp-code-field';

export function MfaChallengeForm({ factorId, next }: { factorId: string; next: string }) {
  const [state, formAction] = useActionState<AuthFormState, FormData>(verifyTotpCode, {});
  return (
    <form action={formAction} aria-label="Two-factor verification" className="space-y-4" noValidate>
      <input type="hidden" name="factorId" value={factorId} />
      <input type="hidden" name="next" value={next} />
      <TotpCodeField key={state.error ?? ''} id="mfa-code" errorId={state.error ? 'mfa-message' : undefined} />
      <AuthMessage id="mfa-message" state={state} />
      <SubmitButton pendingLabel="Verifying…" className="w-full">
        Verify
      </SubmitButton>
    </form>
  );
}
