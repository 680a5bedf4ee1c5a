import type { Metadata } from 'next';
import Link from 'next/link';
import { LoginForm } from '@/components/auth/login-form';
import { SignUpForm } from '@/components/auth/sign-up-form';
import { loginErrorText, loginMessageText } from '@/lib/auth/login-messages';
import { safeNextPath } from '@/lib/auth/redirects';

export const metadata: Metadata = { title: 'Sign in' };

interface LoginPageProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function LoginPage({ searchParams }: LoginPageProps) {
  const { next, error, message } = await searchParams;
  const nextPath = safeNextPath(typeof next === 'string' ? next : null);
  // Only known codes become text: the query string is the attacker's, the words are ours.
  const errorText = loginErrorText(error);
  const messageText = loginMessageText(message);

  return (
    <main className="mx-auto flex min-h-screen max-w-4xl flex-col justify-center gap-8 px-6 py-12">
      <div className="space-y-2">
        <Link href="/" className="text-sm font-semibold uppercase tracking-wide text-indigo-700 hover:underline">
          commerce-pix
        </Link>
        <h1 className="text-3xl font-bold tracking-tight">Sign in to the jobs dashboard</h1>
        <p className="text-slate-600">Your projects, assets and generation jobs are private to your account (row-level security).</p>
      </div>

      {errorText && (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
          {errorText}
        </p>
      )}
      {messageText && (
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900">
          {messageText}
        </p>
      )}

      <div className="grid gap-6 md:grid-cols-2">
        <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
          <LoginForm next={nextPath} />
          <p className="text-sm">
            <Link href="/auth/forgot-password" className="font-medium text-indigo-700 hover:underline">
              Forgot your password?
            </Link>
          </p>
        </section>
        <section className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
          <SignUpForm next={nextPath} />
        </section>
      </div>

      <aside aria-label="Demo account" className="rounded-md border border-dashed border-slate-300 px-4 py-3 text-sm text-slate-600">
        Trying it locally? The seeded demo account is <code className="font-mono text-slate-800">demo@example.com</code> /{' '}
        <code className="font-mono text-slate-800">demo-password</code>, with jobs in every status.
      </aside>
    </main>
  );
}
