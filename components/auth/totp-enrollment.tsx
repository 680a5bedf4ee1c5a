'use client';

import { useActionState } from 'react';
import { confirmTotpEnrollment, startTotpEnrollment, type TotpEnrollmentState } from '@/app/auth/mfa/actions';
import type { AuthFormState } from '@/app/login/actions';
import { SubmitButton } from '@/components/ui/submit-button';
import { AuthMessage } from './auth-message';
import { TotpCodeField } from './totp-code-field';

/** Set-up of an authenticator app: a QR code and its key, then a first code to prove the app has it. */
export function TotpEnrollment({ next }: { next: string }) {
  const [enrollment, start] = useActionState<TotpEnrollmentState>(startTotpEnrollment, {});
  const [verification, confirm] = useActionState<AuthFormState, FormData>(confirmTotpEnrollment, {});

  if (!enrollment.factorId) {
    return (
      <form action={start} className="space-y-4">
        <AuthMessage id="enroll-message" state={enrollment} />
        <SubmitButton pendingLabel="Preparing…" className="w-full">
          Set up an authenticator app
        </SubmitButton>
      </form>
    );
  }
  return (
    <div className="space-y-4">
      <ol className="list-decimal space-y-2 pl-5 text-sm text-slate-700">
        <li>Scan this QR code with your authenticator app (or enter the key by hand).</li>
        <li>Enter the 6-digit code the app shows.</li>
      </ol>
      {/* A data: URL of the SVG Supabase Auth generated for this key. */}
      {/* eslint-disable-next-line @next/next/no-img-element */}
      <img src={enrollment.qrCode} alt="QR code for your authenticator app" width={200} height={200} className="mx-auto border border-slate-200 bg-white" />
      <p className="text-sm">
        Key: <code data-testid="totp-secret" className="break-all font-mono text-slate-900">{enrollment.secret}</code>
      </p>
      <form action={confirm} aria-label="Confirm authenticator app" className="space-y-4" noValidate>
        <input type="hidden" name="factorId" value={enrollment.factorId} />
        <input type="hidden" name="next" value={next} />
        <TotpCodeField key={verification.error ?? ''} id="enroll-code" errorId={verification.error ? 'enroll-verify-message' : undefined} />
        <AuthMessage id="enroll-verify-message" state={verification} />
        <SubmitButton pendingLabel="Verifying…" className="w-full">
          Turn on two-factor authentication
        </SubmitButton>
      </form>
    </div>
  );
}
