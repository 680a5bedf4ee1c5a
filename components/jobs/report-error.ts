import { toast } from 'sonner';
import { GenerationJobError } from '@/lib/db/errors';

/** The message to show for a failed helper call: the typed error's (the database's own) message. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return 'Something went wrong';
}

/** A toast for a failed action: the message, plus the database's hint when it gave one. */
export function toastError(title: string, error: unknown): void {
  const hint = error instanceof GenerationJobError ? error.hint : null;
  const message = errorMessage(error);
  toast.error(`${title}: ${message}`, hint ? { description: hint } : undefined);
}
