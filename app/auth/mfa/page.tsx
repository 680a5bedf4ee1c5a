import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { AuthCard } from '@/components/auth/auth-card';
import { MfaChallengeForm } from '@/components/auth/mfa-challenge-form';
import { safeNextPath } from '@/lib/auth/redirects';
import { requireUser } from '@/lib/auth/require-user';

export const metadata: Metadata = { title: 'Two-factor verification' };

interface MfaPageProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** The second step of signing in for users with a verified factor: the session goes from AAL1 to AAL2. */
export default async function MfaChallengePage({ searchParams }: MfaPageProps) {
  const { next } = await searchParams;
  const nextPath = safeNextPath(typeof next === 'string' ? next : null);
  const user = await requireUser(`/auth/mfa?next=${encodeURIComponent(nextPath)}`, { aal: 'aal1' });
  const factor = (user.factors ?? []).find((candidate) => candidate.status === 'verified' && candidate.factor_type === 'totp');
  if (!factor) redirect(nextPath);
  return (
    <AuthCard title="Two-factor verification" intro="Enter the code from your authenticator app to finish signing in.">
      <MfaChallengeForm factorId={factor.id} next={nextPath} />
    </AuthCard>
  );
}
