import type { BudgetUsage } from '@/lib/db/budget-types';
import { formatCents } from '@/components/jobs/format';

/**
 * Spend against a monthly limit: settled (dark) and reserved (light) segments of one bar, with the figures
 * in words (never color alone). Without a limit the bar is empty and says so.
 */
export function UsageBar({ usage, label }: { usage: BudgetUsage; label: string }) {
  const spent = Number(usage.settled_cents);
  const reserved = Number(usage.reserved_cents);
  const limit = usage.limit_cents === null ? null : Number(usage.limit_cents);
  const total = spent + reserved;
  const share = (cents: number) => (limit && limit > 0 ? Math.min(100, (cents / limit) * 100) : limit === 0 && cents > 0 ? 100 : 0);
  const over = limit !== null && total > limit;
  const words =
    limit === null
      ? `${formatCents(spent)} spent and ${formatCents(reserved)} reserved; no limit`
      : `${formatCents(total)} of ${formatCents(limit)} used (${formatCents(spent)} spent, ${formatCents(reserved)} reserved)`;
  return (
    <div className="space-y-1" data-testid={`budget-usage-${usage.scope}`}>
      <div className="flex flex-wrap items-baseline justify-between gap-x-3 text-sm">
        <span className="font-medium text-slate-900">{label}</span>
        <span className={over ? 'font-medium text-red-800' : 'text-slate-700'}>{words}</span>
      </div>
      <div
        role="meter"
        aria-label={`${label}: monthly spend`}
        aria-valuemin={0}
        aria-valuemax={limit ?? Math.max(total, 1)}
        aria-valuenow={total}
        aria-valuetext={words}
        className="flex h-2.5 overflow-hidden rounded-full bg-slate-100 ring-1 ring-inset ring-slate-200"
      >
        <div className={over ? 'bg-red-700' : 'bg-indigo-600'} style={{ width: `${share(spent)}%` }} />
        <div className={over ? 'bg-red-300' : 'bg-indigo-300'} style={{ width: `${Math.max(0, share(total) - share(spent))}%` }} />
      </div>
    </div>
  );
}
