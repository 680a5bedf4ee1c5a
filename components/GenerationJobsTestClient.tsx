'use client';

import { AlertTriangle, RefreshCw } from 'lucide-react';
import { buttonClass } from '@/components/ui/button-styles';
import { BudgetPanel } from './budgets/budget-panel';
import { AssetPanel } from './jobs/asset-panel';
import type { DashboardData } from './jobs/dashboard-data';
import { JobForm } from './jobs/job-form';
import { JobList } from './jobs/job-list';
import { JobStatistics } from './jobs/job-statistics';
import { LiveStatus } from './jobs/live-status';
import { ProjectPicker } from './jobs/project-picker';
import { useJobsDashboard } from './jobs/use-jobs-dashboard';
import { WebhookPanel } from './webhooks/webhook-panel';

interface GenerationJobsTestClientProps {
  /** Loaded by the server component, so the first paint is complete. */
  initialData: DashboardData;
  /** Set when the server could not load it; the dashboard keeps retrying. */
  initialError?: string | null;
  /** The signed-in user: the live feed follows their changes. */
  userId?: string | null;
}

/** The interactive part of /jobs-test: projects, assets, jobs and statistics through the lib/db client helpers. */
export default function GenerationJobsTestClient({ initialData, initialError = null, userId = null }: GenerationJobsTestClientProps) {
  const dashboard = useJobsDashboard(initialData, initialError, userId);
  const { data } = dashboard;
  const project = data.projects.find((candidate) => candidate.id === data.selectedProjectId) ?? null;

  return (
    <div className="space-y-6">
      <LiveStatus status={dashboard.liveStatus} pollIntervalMs={dashboard.pollIntervalMs} />
      {dashboard.loadError && (
        <div role="alert" className="flex flex-wrap items-center gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900">
          <AlertTriangle aria-hidden="true" className="size-4 shrink-0" />
          <p className="flex-1">
            <span className="font-semibold">Could not load the latest data: </span>
            {dashboard.loadError}
          </p>
          <button type="button" onClick={() => void dashboard.refresh()} className={buttonClass('secondary', 'py-1.5')}>
            <RefreshCw aria-hidden="true" className="size-3.5" />
            Retry
          </button>
        </div>
      )}

      <div className="grid gap-6 lg:grid-cols-5">
        <div className="space-y-6 lg:col-span-2">
          <ProjectPicker
            projects={data.projects}
            selectedProjectId={data.selectedProjectId}
            switching={dashboard.switchingProject}
            onSelect={(id) => void dashboard.selectProject(id)}
            onCreate={dashboard.createProject}
          />
          <AssetPanel
            projectId={data.selectedProjectId}
            assets={data.assets}
            thumbnails={dashboard.thumbnails}
            onUpload={dashboard.uploadAsset}
            onDelete={dashboard.deleteAsset}
          />
          <JobForm projectId={data.selectedProjectId} assets={data.assets} modes={data.modes} onCreate={dashboard.createJob} />
          <BudgetPanel usage={data.budgetUsage} projectId={data.selectedProjectId} projectName={project?.name ?? null} onChanged={() => dashboard.refresh()} />
        </div>
        <div className="space-y-6 lg:col-span-3">
          <JobStatistics statistics={data.statistics} lastUpdated={dashboard.lastUpdated} />
          <JobList
            projectName={project?.name ?? null}
            jobs={data.jobs}
            assets={data.assets}
            thumbnails={dashboard.thumbnails}
            hasMore={data.nextCursor !== null}
            loading={dashboard.switchingProject}
            loadingMore={dashboard.loadingMore}
            onLoadMore={() => void dashboard.loadMore()}
            onTransition={dashboard.transition}
            onCancel={dashboard.cancelJob}
            onRetry={dashboard.retryJob}
            onDelete={dashboard.deleteJob}
          />
        </div>
      </div>

      <WebhookPanel projectId={data.selectedProjectId} projectName={project?.name ?? null} />
    </div>
  );
}
