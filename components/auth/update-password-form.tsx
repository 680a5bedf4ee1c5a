'use client';

import { useActionState } from 'react';
import { updatePassword } from '@/app/auth/update-password/actions';
import type { AuthFormState } from '@/app/login/actions';
import { inputClass, labelClass } from '@/components/ui/button-styles';
import { SubmitButton } from '@/components/ui/submit-button';
import { AuthMessage } from './auth-message';

export function UpdatePasswordForm() {
  const [state, formAction] = useActionState<AuthFormState, FormData>(updatePassword, {});
  const describedBy = state.error ? 'new-password-message' : undefined;
  return (
    <form action={formAction} aria-label="Set a new password" className="space-y-4" noValidate>
      <div className="space-y-1">
        <label htmlFor="new-password" className={labelClass}>
          New password
        </label>
        <input id="new-password" name="password" type="password" autoComplete="new-password" required aria-describedby={describedBy} className={inputClass} />
      </div>
      <div className="space-y-1">
        <label htmlFor="confirm-password" className={labelClass}>
          Repeat the new password
        </label>
        <input id="confirm-password" name="confirm" type="password" autoComplete="new-password" required aria-describedby={describedBy} className={inputClass} />
      </div>
      <AuthMessage id="new-password-message" state={state} />
      <SubmitButton pendingLabel="Saving…" className="w-full">
        Save new password
      </SubmitButton>
    </form>
  );
}
