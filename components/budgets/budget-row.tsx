'use client';

import { useId, useState, type FormEvent } from 'react';
import type { BudgetUsage } from '@/lib/db/budget-types';
import { monthlyLimitCentsSchema } from '@/lib/db/budget-types';
import { buttonClass, inputClass, labelClass } from '@/components/ui/button-styles';
import { FieldError } from '@/components/jobs/field-error';
import { dollarsToCents } from '@/components/jobs/format';
import { UsageBar } from './usage-bar';

interface BudgetRowProps {
  /** "Account" or the project's name. */
  label: string;
  usage: BudgetUsage;
  onSave: (cents: number) => Promise<boolean>;
  onRemove: () => Promise<boolean>;
}

/** One budget: its usage bar and a small form to set, change or remove its monthly limit. */
export function BudgetRow({ label, usage, onSave, onRemove }: BudgetRowProps) {
  const id = useId();
  const current = usage.limit_cents === null ? '' : (Number(usage.limit_cents) / 100).toFixed(2);
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<'save' | 'remove' | null>(null);
  const value = draft ?? current;

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const cents = monthlyLimitCentsSchema.safeParse(dollarsToCents(value));
    if (value.trim() === '' || !cents.success) {
      setError('Enter a monthly limit in dollars, e.g. 50 or 12.50');
      return;
    }
    setError(null);
    setPending('save');
    if (await onSave(cents.data)) setDraft(null);
    setPending(null);
  }

  async function remove() {
    setPending('remove');
    if (await onRemove()) setDraft(null);
    setPending(null);
  }

  return (
    <div className="space-y-2">
      <UsageBar usage={usage} label={label} />
      <form onSubmit={save} className="flex flex-wrap items-end gap-2" noValidate aria-label={`${label} budget`}>
        <div className="min-w-32 flex-1 space-y-1">
          <label htmlFor={`${id}-limit`} className={labelClass}>
            {label} monthly limit (USD)
          </label>
          <input
            id={`${id}-limit`}
            inputMode="decimal"
            value={value}
            onChange={(event) => setDraft(event.target.value)}
            placeholder="No limit"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            className={inputClass}
          />
        </div>
        <button type="submit" disabled={pending !== null} className={buttonClass('secondary')}>
          {pending === 'save' ? 'Saving…' : usage.limit_cents === null ? 'Set limit' : 'Save limit'}
        </button>
        {usage.limit_cents !== null && (
          <button type="button" onClick={remove} disabled={pending !== null} className={buttonClass('ghost')} aria-label={`Remove the ${label} budget`}>
            {pending === 'remove' ? 'Removing…' : 'Remove'}
          </button>
        )}
      </form>
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}
