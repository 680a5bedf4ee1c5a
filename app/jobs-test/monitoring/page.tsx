import type { Metadata } from 'next';
import { DashboardHeader } from '@/components/jobs/dashboard-header';
import { MonitoringDashboard } from '@/components/monitoring/MonitoringDashboard';
import { DEFAULT_RANGE, loadMonitoringData, type MonitoringData } from '@/components/monitoring/monitoring-data';
import { requireUser } from '@/lib/auth/require-user';
import { getJobMetrics, getJobTimeseries, getLiveWorkers, getStuckJobs } from '@/lib/db/generation-jobs';

export const metadata: Metadata = { title: 'Job monitoring' };

const EMPTY: MonitoringData = { range: DEFAULT_RANGE, metrics: [], series: [], workers: [], stuck: [] };

export default async function MonitoringPage() {
  const user = await requireUser('/jobs-test/monitoring');
  let data = EMPTY;
  let error: string | null = null;
  try {
    data = await loadMonitoringData({ getJobMetrics, getJobTimeseries, getLiveWorkers, getStuckJobs }, DEFAULT_RANGE);
  } catch (failure) {
    // Render anyway: the client shows the error and keeps retrying.
    error = failure instanceof Error ? failure.message : 'Could not load the figures';
  }

  return (
    <>
      <DashboardHeader current="/jobs-test/monitoring" email={user.email} />
      <main className="mx-auto max-w-7xl space-y-6 px-4 py-8 sm:px-6">
        <div className="space-y-2">
          <h1 className="text-3xl font-bold tracking-tight">Monitoring</h1>
          <p className="max-w-3xl text-slate-600">
            How your generation jobs are doing: throughput, queue wait and run time percentiles, failure rate and cost,
            from the database&apos;s rollups (archived jobs included); jobs that need attention; and the workers running
            them. Every chart has its numbers in a table below it.
          </p>
        </div>
        <MonitoringDashboard initialData={data} initialError={error} userId={user.id} />
      </main>
    </>
  );
}
