import { WalletCards } from 'lucide-react';
import type { BudgetExceededError } from '@/lib/db/errors';
import { formatCents } from '@/components/jobs/format';

/** Why the database refused a job (PJ008): its message, then the figures it gave, and what to do. */
export function BudgetRefusal({ error }: { error: BudgetExceededError }) {
  const figures = error.refusal;
  return (
    <div role="alert" className="space-y-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900" data-testid="budget-refusal">
      <p className="flex items-center gap-1.5 font-semibold">
        <WalletCards aria-hidden="true" className="size-4 shrink-0" />
        Over budget: the job was not queued
      </p>
      <p>{error.message}</p>
      {figures && (
        <dl className="grid grid-cols-2 gap-x-3 gap-y-0.5 sm:grid-cols-4">
          {[
            ['Limit', figures.limit_cents],
            ['Spent', figures.settled_cents],
            ['Reserved', figures.reserved_cents],
            ['Needed', figures.requested_cents],
          ].map(([label, cents]) => (
            <div key={label}>
              <dt className="text-xs text-red-800">{label}</dt>
              <dd className="font-medium tabular-nums">{formatCents(cents)}</dd>
            </div>
          ))}
        </dl>
      )}
      {error.hint && <p className="text-xs">{error.hint}</p>}
    </div>
  );
}
