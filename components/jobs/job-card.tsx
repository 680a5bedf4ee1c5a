import type { Asset, GenerationJob, JobStatus } from '@/lib/db/job-types';
import { JobActions } from './job-actions';
import { JobStatusBadge } from './job-status-badge';
import { formatCents, formatDateTime, isoDateTime, shortId } from './format';

interface JobCardProps {
  job: GenerationJob;
  assets: Asset[];
  onTransition: (job: GenerationJob, status: JobStatus, error?: string) => Promise<unknown>;
  onDelete: (job: GenerationJob) => Promise<unknown>;
}

function Time({ iso }: { iso: string }) {
  return (
    <time dateTime={isoDateTime(iso)} suppressHydrationWarning>
      {formatDateTime(iso)}
    </time>
  );
}

export function JobCard({ job, assets, onTransition, onDelete }: JobCardProps) {
  const asset = job.input_asset_id ? assets.find((candidate) => candidate.id === job.input_asset_id) : undefined;
  return (
    <article aria-labelledby={`job-${job.id}-title`} data-job-id={job.id} data-status={job.status} className="space-y-3 py-4">
      <div className="flex flex-wrap items-center gap-2">
        <h3 id={`job-${job.id}-title`} className="font-semibold">
          {job.mode}
        </h3>
        <JobStatusBadge status={job.status} />
        <span className="font-mono text-xs text-slate-600">#{shortId(job.id)}</span>
      </div>
      <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
        <div>
          <dt className="text-slate-600">Cost</dt>
          <dd className="font-medium">{formatCents(job.cost_cents)}</dd>
        </div>
        <div>
          <dt className="text-slate-600">Input asset</dt>
          <dd className="truncate">{asset ? asset.name : job.input_asset_id ? shortId(job.input_asset_id) : 'None'}</dd>
        </div>
        <div>
          <dt className="text-slate-600">Created</dt>
          <dd>
            <Time iso={job.created_at} />
          </dd>
        </div>
        <div>
          <dt className="text-slate-600">Updated</dt>
          <dd>
            <Time iso={job.updated_at} />
          </dd>
        </div>
      </dl>
      {job.error_message && (
        <p className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          <span className="font-semibold">Error: </span>
          {job.error_message}
        </p>
      )}
      <JobActions job={job} onTransition={onTransition} onDelete={onDelete} />
    </article>
  );
}
