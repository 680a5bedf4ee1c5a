'use client';

import { useActionState } from 'react';
import { signUp, type AuthFormState } from '@/app/login/actions';
import { SubmitButton } from '@/components/ui/submit-button';
import { AuthMessage } from './auth-message';
import { CredentialFields } from './credential-fields';

export function SignUpForm({ next }: { next: string }) {
  const [state, formAction] = useActionState<AuthFormState, FormData>(signUp, {});
  return (
    <form action={formAction} aria-labelledby="sign-up-heading" className="space-y-4" noValidate>
      <h2 id="sign-up-heading" className="text-lg font-semibold">
        Create an account
      </h2>
      <input type="hidden" name="next" value={next} />
      <CredentialFields
        key={`${state.email ?? ''}-${state.error ?? ''}-${state.message ?? ''}`}
        idPrefix="sign-up"
        defaultEmail={state.email}
        passwordAutoComplete="new-password"
        errorId={state.error ? 'sign-up-message' : undefined}
      />
      <p className="text-xs text-slate-600">At least 6 characters.</p>
      <AuthMessage id="sign-up-message" state={state} />
      <SubmitButton pendingLabel="Creating account…" variant="secondary" className="w-full">
        Sign up
      </SubmitButton>
    </form>
  );
}
