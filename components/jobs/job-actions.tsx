'use client';

import { Ban, Play, RotateCcw, Trash2, type LucideIcon } from 'lucide-react';
import { useState, type ReactNode } from 'react';
import { ACTIVE_STATUSES, JOB_TRANSITIONS, TERMINAL_STATUSES, type GenerationJob, type JobStatus } from '@/lib/db/job-types';
import { buttonClass, type ButtonVariant } from '@/components/ui/button-styles';
import { DeleteJobDialog } from './delete-job-dialog';
import { FailJobDialog } from './fail-job-dialog';
import { shortId } from './format';

const TRANSITION_LABEL: Record<JobStatus, string> = {
  queued: 'Requeue',
  running: 'Start',
  succeeded: 'Mark succeeded',
  failed: 'Mark failed',
  canceled: 'Cancel',
};

interface JobActionsProps {
  job: GenerationJob;
  onTransition: (job: GenerationJob, status: JobStatus, error?: string) => Promise<unknown>;
  onCancel: (job: GenerationJob) => Promise<unknown>;
  onRetry: (job: GenerationJob) => Promise<unknown>;
  onDelete: (job: GenerationJob) => Promise<unknown>;
}

type Pending = JobStatus | 'cancel' | 'retry' | null;

interface ActionButtonProps {
  label: string;
  icon: LucideIcon;
  variant: ButtonVariant;
  disabled: boolean;
  onClick: () => void;
  children: ReactNode;
}

function ActionButton({ label, icon: Icon, variant, disabled, onClick, children }: ActionButtonProps) {
  return (
    <button type="button" disabled={disabled} onClick={onClick} aria-label={label} className={buttonClass(variant, 'px-2.5 py-1.5')}>
      <Icon aria-hidden="true" className="size-3.5" />
      {children}
    </button>
  );
}

/**
 * What the owner may do with the job: cancel it while it is active, retry it once it failed or was
 * canceled, delete it once finished (manual jobs: any time), and, for manual jobs only, move it by hand
 * along the workflow (cancel goes through cancel_generation_job for every provider).
 */
export function JobActions({ job, onTransition, onCancel, onRetry, onDelete }: JobActionsProps) {
  const [dialog, setDialog] = useState<'fail' | 'delete' | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const name = `job ${job.mode} ${shortId(job.id)}`;
  const handMoves = job.provider === 'manual' ? JOB_TRANSITIONS[job.status].filter((status) => status !== 'canceled') : [];
  const cancelable = ACTIVE_STATUSES.includes(job.status) && !(job.status === 'running' && job.cancel_requested_at);
  const finished = TERMINAL_STATUSES.includes(job.status);

  async function act(what: Exclude<Pending, null>, action: () => Promise<unknown>) {
    setPending(what);
    await action();
    setPending(null);
  }

  return (
    <div className="flex flex-wrap gap-2">
      {handMoves.map((status) => (
        <button
          key={status}
          type="button"
          disabled={pending !== null}
          onClick={() => (status === 'failed' ? setDialog('fail') : act(status, () => onTransition(job, status)))}
          aria-label={`${TRANSITION_LABEL[status]} ${name}`}
          className={buttonClass(status === 'failed' || status === 'queued' ? 'secondary' : 'primary', 'px-2.5 py-1.5')}
        >
          {status === 'running' && <Play aria-hidden="true" className="size-3.5" />}
          {pending === status ? 'Saving…' : TRANSITION_LABEL[status]}
        </button>
      ))}
      {cancelable && (
        <ActionButton label={`Cancel ${name}`} icon={Ban} variant="secondary" disabled={pending !== null} onClick={() => act('cancel', () => onCancel(job))}>
          {pending === 'cancel' ? 'Canceling…' : 'Cancel'}
        </ActionButton>
      )}
      {(job.status === 'failed' || job.status === 'canceled') && (
        <ActionButton label={`Retry ${name}`} icon={RotateCcw} variant="primary" disabled={pending !== null} onClick={() => act('retry', () => onRetry(job))}>
          {pending === 'retry' ? 'Retrying…' : 'Retry'}
        </ActionButton>
      )}
      {(finished || job.provider === 'manual') && (
        <button
          type="button"
          onClick={() => setDialog('delete')}
          aria-label={`Delete ${name}`}
          className={buttonClass('ghost', 'px-2.5 py-1.5 text-red-800 hover:bg-red-50')}
        >
          <Trash2 aria-hidden="true" className="size-3.5" />
          Delete
        </button>
      )}

      {dialog === 'fail' && (
        <FailJobDialog
          job={job}
          onConfirm={async (message) => {
            await onTransition(job, 'failed', message);
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === 'delete' && (
        <DeleteJobDialog
          job={job}
          onConfirm={async () => {
            await onDelete(job);
          }}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  );
}
