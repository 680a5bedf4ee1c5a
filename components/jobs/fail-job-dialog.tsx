'use client';

import { useState, type FormEvent } from 'react';
import { errorMessageSchema, type GenerationJob } from '@/lib/db/job-types';
import { buttonClass, inputClass, labelClass } from '@/components/ui/button-styles';
import { ModalDialog } from '@/components/ui/modal-dialog';
import { FieldError } from './field-error';

interface FailJobDialogProps {
  job: GenerationJob;
  onConfirm: (message: string) => Promise<void>;
  onClose: () => void;
}

/** Failing a job needs a reason (the database refuses a failed job without one). */
export function FailJobDialog({ job, onConfirm, onClose }: FailJobDialogProps) {
  const [message, setMessage] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = errorMessageSchema.safeParse(message);
    if (!parsed.success) {
      setError('Enter an error message: it is required to fail a job.');
      return;
    }
    setPending(true);
    await onConfirm(parsed.data);
    setPending(false);
    onClose();
  }

  return (
    <ModalDialog titleId={`fail-${job.id}-title`} title={`Mark job “${job.mode}” as failed`} onClose={onClose}>
      <form onSubmit={handleSubmit} className="space-y-3" noValidate>
        <div className="space-y-1">
          <label htmlFor={`fail-${job.id}-message`} className={labelClass}>
            Error message
          </label>
          <textarea
            id={`fail-${job.id}-message`}
            value={message}
            onChange={(event) => setMessage(event.target.value)}
            required
            autoFocus
            rows={3}
            maxLength={2000}
            placeholder="Provider timed out after 120 s"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `fail-${job.id}-error` : undefined}
            className={inputClass}
          />
          <FieldError id={`fail-${job.id}-error`} message={error} />
        </div>
        <div className="flex justify-end gap-2">
          <button type="button" onClick={onClose} className={buttonClass('secondary')}>
            Cancel
          </button>
          <button type="submit" disabled={pending} className={buttonClass('danger')}>
            {pending ? 'Failing…' : 'Mark failed'}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}
