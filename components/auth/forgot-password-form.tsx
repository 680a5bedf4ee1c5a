'use client';

import { useActionState } from 'react';
import { requestPasswordReset } from '@/app/auth/forgot-password/actions';
import type { AuthFormState } from '@/app/login/actions';
import { inputClass, labelClass } from '@/components/ui/button-styles';
import { SubmitButton } from '@/components/ui/submit-button';
import { AuthMessage } from './auth-message';

export function ForgotPasswordForm() {
  const [state, formAction] = useActionState<AuthFormState, FormData>(requestPasswordReset, {});
  return (
    <form action={formAction} aria-label="Reset password" className="space-y-4" noValidate>
      <div className="space-y-1">
        <label htmlFor="reset-email" className={labelClass}>
          Email
        </label>
        <input
          id="reset-email"
          name="email"
          type="email"
          autoComplete="email"
          required
          defaultValue={state.email}
          aria-invalid={state.error ? true : undefined}
          aria-describedby={state.error || state.message ? 'reset-message' : undefined}
          className={inputClass}
        />
      </div>
      <AuthMessage id="reset-message" state={state} />
      <SubmitButton pendingLabel="Sending…" className="w-full">
        Send reset link
      </SubmitButton>
    </form>
  );
}
