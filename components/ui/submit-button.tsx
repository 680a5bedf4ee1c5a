'use client';

import { Loader2 } from 'lucide-react';
import type { ReactNode } from 'react';
import { useFormStatus } from 'react-dom';
import { buttonClass, type ButtonVariant } from './button-styles';

interface SubmitButtonProps {
  children: ReactNode;
  /** Shown while the form's action runs. */
  pendingLabel: string;
  variant?: ButtonVariant;
  className?: string;
  'aria-label'?: string;
}

/** A form's submit button that disables itself and says so while the form's action is pending. */
export function SubmitButton({ children, pendingLabel, variant = 'primary', className = '', ...rest }: SubmitButtonProps) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending} aria-disabled={pending} className={buttonClass(variant, className)} {...rest}>
      {pending ? (
        <>
          <Loader2 aria-hidden="true" className="size-4 animate-spin" />
          {pendingLabel}
        </>
      ) : (
        children
      )}
    </button>
  );
}
