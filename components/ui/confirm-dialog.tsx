'use client';

import { useState, type ReactNode } from 'react';
import { buttonClass, type ButtonVariant } from './button-styles';
import { ModalDialog } from './modal-dialog';

interface ConfirmDialogProps {
  titleId: string;
  title: string;
  children: ReactNode;
  /** The confirming button's label, and while it runs. */
  confirmLabel: string;
  pendingLabel: string;
  variant?: ButtonVariant;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}

/** "Are you sure?": Cancel (focused first) or the action; the dialog closes once the action is done. */
export function ConfirmDialog({ titleId, title, children, confirmLabel, pendingLabel, variant = 'primary', onConfirm, onClose }: ConfirmDialogProps) {
  const [pending, setPending] = useState(false);

  async function confirm() {
    setPending(true);
    await onConfirm();
    setPending(false);
    onClose();
  }

  return (
    <ModalDialog titleId={titleId} title={title} onClose={onClose}>
      <div className="mb-4 text-sm text-slate-700">{children}</div>
      <div className="flex justify-end gap-2">
        <button type="button" onClick={onClose} autoFocus className={buttonClass('secondary')}>
          Cancel
        </button>
        <button type="button" onClick={confirm} disabled={pending} className={buttonClass(variant)}>
          {pending ? pendingLabel : confirmLabel}
        </button>
      </div>
    </ModalDialog>
  );
}
