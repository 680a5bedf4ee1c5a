import { Loader2 } from 'lucide-react';
import type { Asset, GenerationJob, JobStatus } from '@/lib/db/job-types';
import { buttonClass } from '@/components/ui/button-styles';
import { JobCard } from './job-card';
import { Panel } from './panel';

interface JobListProps {
  projectName: string | null;
  jobs: GenerationJob[];
  assets: Asset[];
  /** Signed thumbnail URLs by asset id. */
  thumbnails: Record<string, string>;
  hasMore: boolean;
  loading: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  onTransition: (job: GenerationJob, status: JobStatus, error?: string) => Promise<unknown>;
  onCancel: (job: GenerationJob) => Promise<unknown>;
  onRetry: (job: GenerationJob) => Promise<unknown>;
  onDelete: (job: GenerationJob) => Promise<unknown>;
}

export function JobList({ projectName, jobs, assets, hasMore, loading, loadingMore, onLoadMore, ...actions }: JobListProps) {
  return (
    <Panel titleId="jobs-heading" title={projectName ? `Jobs in ${projectName}` : 'Jobs'}>
      <div aria-busy={loading}>
        {loading ? (
          <p className="flex items-center gap-2 py-6 text-sm text-slate-600">
            <Loader2 aria-hidden="true" className="size-4 motion-safe:animate-spin" />
            Loading jobs…
          </p>
        ) : jobs.length === 0 ? (
          <p className="py-6 text-sm text-slate-600">
            {projectName ? 'No jobs in this project yet. Queue one with the form.' : 'Create a project to see its jobs here.'}
          </p>
        ) : (
          <ul aria-label="Generation jobs" className="divide-y divide-slate-100">
            {jobs.map((job) => (
              <li key={job.id}>
                <JobCard job={job} assets={assets} {...actions} />
              </li>
            ))}
          </ul>
        )}
        {hasMore && !loading && (
          <button type="button" onClick={onLoadMore} disabled={loadingMore} className={buttonClass('secondary', 'mt-2 w-full')}>
            {loadingMore ? 'Loading…' : 'Load more jobs'}
          </button>
        )}
      </div>
    </Panel>
  );
}
