import type { Metadata } from 'next';
import Link from 'next/link';
import { AuthCard } from '@/components/auth/auth-card';
import { TotpEnrollment } from '@/components/auth/totp-enrollment';
import { requireUser } from '@/lib/auth/require-user';

export const metadata: Metadata = { title: 'Two-factor authentication' };

/** Turns on TOTP two-factor authentication for the signed-in user. */
export default async function MfaEnrollPage() {
  const user = await requireUser('/auth/mfa/enroll');
  const verified = (user.factors ?? []).filter((factor) => factor.status === 'verified');
  return (
    <AuthCard
      title="Two-factor authentication"
      intro={
        verified.length > 0
          ? `Two-factor authentication is on for ${user.email} (${verified.length} authenticator app${verified.length > 1 ? 's' : ''}). You can add another.`
          : `Protect ${user.email} with a code from an authenticator app each time you sign in.`
      }
    >
      <TotpEnrollment next="/jobs-test" />
      <p className="text-sm">
        <Link href="/jobs-test" className="font-medium text-indigo-700 hover:underline">
          Back to the dashboard
        </Link>
      </p>
    </AuthCard>
  );
}
