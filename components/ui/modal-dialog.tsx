'use client';

import { useEffect, useRef, type ReactNode, type SyntheticEvent } from 'react';

interface ModalDialogProps {
  titleId: string;
  title: string;
  onClose: () => void;
  /** Room for an image instead of a short message. */
  wide?: boolean;
  children: ReactNode;
}

/**
 * A native modal <dialog>: the browser traps focus, closes on Escape and restores focus to the opener.
 * Mount it to open it, unmount to close.
 */
export function ModalDialog({ titleId, title, onClose, wide = false, children }: ModalDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    // close() restores focus to the opener when the dialog unmounts; the `close` event it queues then finds
    // the component gone, so onClose is not called for it.
    return () => dialog?.close();
  }, []);

  // In development React StrictMode runs the effect, its cleanup and the effect again on mount: the `close`
  // event of that cleanup arrives after the second showModal(). Only a close that left the dialog closed is
  // the user's (Escape, a form with method="dialog"); reporting the other would unmount the dialog at once.
  function handleClose(event: SyntheticEvent<HTMLDialogElement>) {
    if (!event.currentTarget.open) onClose();
  }

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onClose={handleClose}
      className={`m-auto ${wide ? 'w-[min(56rem,calc(100vw-2rem))]' : 'w-[min(28rem,calc(100vw-2rem))]'} rounded-lg border border-slate-200 bg-white p-5 text-slate-900 shadow-xl backdrop:bg-slate-900/40`}
    >
      <h2 id={titleId} className="mb-3 text-lg font-semibold">
        {title}
      </h2>
      {children}
    </dialog>
  );
}
