import type { Metadata } from 'next';
import GenerationJobsTestClient from '@/components/GenerationJobsTestClient';
import { DashboardHeader } from '@/components/jobs/dashboard-header';
import { requireUser } from '@/lib/auth/require-user';
import { loadDashboard } from './load-dashboard';
import { TechnicalDocs } from './technical-docs';

export const metadata: Metadata = { title: 'Generation jobs dashboard' };

export default async function JobsTestPage() {
  const user = await requireUser('/jobs-test');
  const { data, error } = await loadDashboard();

  return (
    <>
      <DashboardHeader current="/jobs-test" email={user.email} />

      <main className="mx-auto max-w-7xl space-y-6 px-4 py-8 sm:px-6">
        <div className="space-y-2">
          <h1 className="text-3xl font-bold tracking-tight">Generation jobs</h1>
          <p className="max-w-3xl text-slate-600">
            Create projects, upload product photos, queue generation jobs and watch them run: the worker (
            <code>npm run worker</code>) turns photos into images (<code>local</code> processing, or a hosted model
            through <code>http</code>), runs <code>simulated</code> jobs, retries failures with backoff and honours
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
