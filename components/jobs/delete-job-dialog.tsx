'use client';

import { useState } from 'react';
import type { GenerationJob } from '@/lib/db/job-types';
import { buttonClass } from '@/components/ui/button-styles';
import { ModalDialog } from '@/components/ui/modal-dialog';
import { shortId } from './format';

interface DeleteJobDialogProps {
  job: GenerationJob;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

export function DeleteJobDialog({ job, onConfirm, onClose }: DeleteJobDialogProps) {
  const [pending, setPending] = useState(false);

  async function confirm() {
    setPending(true);
    await onConfirm();
    setPending(false);
    onClose();
  }

  return (
    <ModalDialog titleId={`delete-${job.id}-title`} title={`Delete job “${job.mode}”?`} onClose={onClose}>
      <p className="mb-4 text-sm text-slate-700">
        Job {shortId(job.id)} ({job.status}) will be removed for good, and its cost leaves the statistics.
      </p>
      <div className="flex justify-end gap-2">
        <button type="button" onClick={onClose} autoFocus className={buttonClass('secondary')}>
          Cancel
        </button>
        <button type="button" onClick={confirm} disabled={pending} className={buttonClass('danger')}>
          {pending ? 'Deleting…' : 'Delete job'}
        </button>
      </div>
    </ModalDialog>
  );
}
