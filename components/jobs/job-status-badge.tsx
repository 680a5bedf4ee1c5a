import { Ban, CheckCircle2, CircleDashed, Clock, XCircle, type LucideIcon } from 'lucide-react';
import type { JobStatus } from '@/lib/db/job-types';

const LOOK: Record<JobStatus, { label: string; icon: LucideIcon; className: string }> = {
  queued: { label: 'Queued', icon: Clock, className: 'bg-amber-50 text-amber-900 ring-amber-300' },
  running: { label: 'Running', icon: CircleDashed, className: 'bg-sky-50 text-sky-900 ring-sky-300' },
  succeeded: { label: 'Succeeded', icon: CheckCircle2, className: 'bg-emerald-50 text-emerald-900 ring-emerald-300' },
  failed: { label: 'Failed', icon: XCircle, className: 'bg-red-50 text-red-900 ring-red-300' },
  canceled: { label: 'Canceled', icon: Ban, className: 'bg-slate-100 text-slate-800 ring-slate-300' },
};

/** Status as icon + word (never color alone). */
export function JobStatusBadge({ status }: { status: JobStatus }) {
  const { label, icon: Icon, className } = LOOK[status];
  return (
    <span
      data-status={status}
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${className}`}
    >
      <Icon aria-hidden="true" className="size-3.5" />
      {label}
    </span>
  );
}
