import { Home } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { LogoutButton } from '@/components/auth/logout-button';
import GenerationJobsTestClient from '@/components/GenerationJobsTestClient';
import { requireUser } from '@/lib/auth/require-user';
import { loadDashboard } from './load-dashboard';
import { TechnicalDocs } from './technical-docs';

export const metadata: Metadata = { title: 'Generation jobs dashboard' };

export default async function JobsTestPage() {
  const user = await requireUser('/jobs-test');
  const { data, error } = await loadDashboard();

  return (
    <>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-3 px-4 py-3 sm:px-6">
          <nav aria-label="Main" className="flex items-center gap-4 text-sm">
            <Link href="/" className="inline-flex items-center gap-1.5 rounded font-semibold text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
              <Home aria-hidden="true" className="size-4" />
              commerce-pix
            </Link>
            <Link href="/jobs-test" aria-current="page" className="rounded font-medium text-slate-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
              Jobs dashboard
            </Link>
            <Link href="/auth/mfa/enroll" className="rounded font-medium text-slate-700 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
              Two-factor authentication
            </Link>
          </nav>
          <div className="flex items-center gap-3 text-sm">
            <span className="text-slate-600">
              Signed in as <strong className="font-medium text-slate-900" data-testid="user-email">{user.email}</strong>
            </span>
            <LogoutButton />
          </div>
        </div>
      </header>

      <main className="mx-auto max-w-7xl space-y-6 px-4 py-8 sm:px-6">
        <div className="space-y-2">
          <h1 className="text-3xl font-bold tracking-tight">Generation jobs</h1>
          <p className="max-w-3xl text-slate-600">
            Create projects, upload product photos, queue generation jobs and watch them run: the worker (
            <code>npm run worker</code>) claims <code>simulated</code> jobs, retries failures with backoff and honours
            cancel requests; <code>manual</code> jobs are the test bench you move by hand through{' '}
            <code>queued → running → succeeded | failed</code>. Everything goes through the <code>lib/db</code> helpers
            and row-level security, so you only ever see your own data. Changes show up live (Supabase Realtime); while
            the live connection is down, the page polls instead.
          </p>
        </div>

        <GenerationJobsTestClient initialData={data} initialError={error} userId={user.id} />

        <TechnicalDocs />
      </main>
    </>
  );
}
