'use client';

import { useActionState } from 'react';
import { signIn, type AuthFormState } from '@/app/login/actions';
import { SubmitButton } from '@/components/ui/submit-button';
import { AuthMessage } from './auth-message';
import { CredentialFields } from './credential-fields';

export function LoginForm({ next }: { next: string }) {
  const [state, formAction] = useActionState<AuthFormState, FormData>(signIn, {});
  return (
    <form action={formAction} aria-labelledby="sign-in-heading" className="space-y-4" noValidate>
      <h2 id="sign-in-heading" className="text-lg font-semibold">
        Sign in
      </h2>
      <input type="hidden" name="next" value={next} />
      {/* key: a new result remounts the inputs with the email typed before (React resets forms after actions). */}
      <CredentialFields
        key={`${state.email ?? ''}-${state.error ?? ''}`}
        idPrefix="sign-in"
        defaultEmail={state.email}
        passwordAutoComplete="current-password"
        errorId={state.error ? 'sign-in-message' : undefined}
      />
      <AuthMessage id="sign-in-message" state={state} />
      <SubmitButton pendingLabel="Signing in…" className="w-full">
        Sign in
      </SubmitButton>
    </form>
  );
}
