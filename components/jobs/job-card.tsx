import type { Asset, GenerationJob, JobStatus } from '@/lib/db/job-types';
import { isImageProvider } from '@/lib/images/image-params';
import { JobActions } from './job-actions';
import { JobImages } from './job-images';
import { JobStatusBadge } from './job-status-badge';
import { JobTime } from './job-time';
import { formatCents, shortId } from './format';

interface JobCardProps {
  job: GenerationJob;
  assets: Asset[];
  /** Signed thumbnail URLs by asset id. */
  thumbnails: Record<string, string>;
  onTransition: (job: GenerationJob, status: JobStatus, error?: string) => Promise<unknown>;
  onCancel: (job: GenerationJob) => Promise<unknown>;
  onRetry: (job: GenerationJob) => Promise<unknown>;
  onDelete: (job: GenerationJob) => Promise<unknown>;
}

function Field({ label, testId, children }: { label: string; testId?: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-slate-600">{label}</dt>
      <dd className="truncate" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

export function JobCard({ job, assets, thumbnails, onTransition, onCancel, onRetry, onDelete }: JobCardProps) {
  const asset = job.input_asset_id ? assets.find((candidate) => candidate.id === job.input_asset_id) : undefined;
  const cancelPending = job.status === 'running' && job.cancel_requested_at !== null;
  // The latest attempt's error while a retry waits; a failed job shows its final message below instead.
  const retryError = job.status !== 'failed' ? job.last_error : null;
  return (
    <article aria-labelledby={`job-${job.id}-title`} data-job-id={job.id} data-status={job.status} data-provider={job.provider} className="space-y-3 py-4">
      <div className="flex flex-wrap items-center gap-2">
        <h3 id={`job-${job.id}-title`} className="font-semibold">
          {job.mode}
        </h3>
        <JobStatusBadge status={job.status} />
        {cancelPending && <span className="text-xs font-medium text-slate-700">Cancel requested</span>}
        <span className="font-mono text-xs text-slate-600">#{shortId(job.id)}</span>
        {job.retry_of && <span className="text-xs text-slate-600">retry of #{shortId(job.retry_of)}</span>}
      </div>
      <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
        <Field label="Provider" testId="job-provider">{job.provider}</Field>
        <Field label="Cost">
          <span className="font-medium">{formatCents(job.cost_cents)}</span>
        </Field>
        <Field label="Attempts" testId="job-attempts">
          {job.provider === 'manual' ? job.attempts : `${job.attempts} of ${job.max_attempts}`}
        </Field>
        <Field label="Input asset">{asset ? asset.name : job.input_asset_id ? shortId(job.input_asset_id) : 'None'}</Field>
        <Field label="Created">
          <JobTime iso={job.created_at} />
        </Field>
        <Field label="Started">{job.started_at ? <JobTime iso={job.started_at} /> : '—'}</Field>
        <Field label="Finished">{job.finished_at ? <JobTime iso={job.finished_at} /> : '—'}</Field>
        <Field label="Updated">
          <JobTime iso={job.updated_at} />
        </Field>
      </dl>
      {(isImageProvider(job.provider) || job.output_asset_id) && <JobImages job={job} assets={assets} thumbnails={thumbnails} />}
      {job.error_message && (
        <p className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          <span className="font-semibold">Error: </span>
          {job.error_message}
        </p>
      )}
      {retryError && (
        <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="job-last-error">
          <span className="font-semibold">Last attempt failed: </span>
          {retryError}
        </p>
      )}
      <JobActions job={job} onTransition={onTransition} onCancel={onCancel} onRetry={onRetry} onDelete={onDelete} />
    </article>
  );
}
