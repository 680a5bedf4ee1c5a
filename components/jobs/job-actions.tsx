'use client';

import { Play, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { JOB_TRANSITIONS, type GenerationJob, type JobStatus } from '@/lib/db/job-types';
import { buttonClass } from '@/components/ui/button-styles';
import { DeleteJobDialog } from './delete-job-dialog';
import { FailJobDialog } from './fail-job-dialog';
import { shortId } from './format';

const TRANSITION_LABEL: Record<JobStatus, string> = {
  queued: 'Requeue',
  running: 'Start',
  succeeded: 'Mark succeeded',
  failed: 'Mark failed',
};

interface JobActionsProps {
  job: GenerationJob;
  onTransition: (job: GenerationJob, status: JobStatus, error?: string) => Promise<unknown>;
  onDelete: (job: GenerationJob) => Promise<unknown>;
}

/** Exactly the transitions the workflow allows from the job's status, plus delete. */
export function JobActions({ job, onTransition, onDelete }: JobActionsProps) {
  const [dialog, setDialog] = useState<'fail' | 'delete' | null>(null);
  const [pending, setPending] = useState<JobStatus | null>(null);
  const name = `job ${job.mode} ${shortId(job.id)}`;

  async function move(status: JobStatus) {
    setPending(status);
    await onTransition(job, status);
    setPending(null);
  }

  return (
    <div className="flex flex-wrap gap-2">
      {JOB_TRANSITIONS[job.status].map((status) => (
        <button
          key={status}
          type="button"
          disabled={pending !== null}
          onClick={() => (status === 'failed' ? setDialog('fail') : move(status))}
          aria-label={`${TRANSITION_LABEL[status]} ${name}`}
          className={buttonClass(status === 'failed' ? 'secondary' : 'primary', 'px-2.5 py-1.5')}
        >
          {status === 'running' && <Play aria-hidden="true" className="size-3.5" />}
          {pending === status ? 'Saving…' : TRANSITION_LABEL[status]}
        </button>
      ))}
      <button
        type="button"
        onClick={() => setDialog('delete')}
        aria-label={`Delete ${name}`}
        className={buttonClass('ghost', 'px-2.5 py-1.5 text-red-800 hover:bg-red-50')}
      >
        <Trash2 aria-hidden="true" className="size-3.5" />
        Delete
      </button>

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
