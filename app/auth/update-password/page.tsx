import type { Metadata } from 'next';
import { AuthCard } from '@/components/auth/auth-card';
import { UpdatePasswordForm } from '@/components/auth/update-password-form';
import { requireUser } from '@/lib/auth/require-user';

export const metadata: Metadata = { title: 'Set a new password' };

export default async function UpdatePasswordPage() {
  const user = await requireUser('/auth/update-password');
  return (
    <AuthCard title="Set a new password" intro={<>For {user.email}. Other devices signed in to this account are signed out.</>}>
      <UpdatePasswordForm />
    </AuthCard>
  );
}
