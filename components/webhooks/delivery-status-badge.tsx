import { CheckCircle2, Clock, XCircle, type LucideIcon } from 'lucide-react';
import type { WebhookDeliveryStatus } from '@/lib/db/webhook-types';

const LOOK: Record<WebhookDeliveryStatus, { label: string; icon: LucideIcon; className: string }> = {
  pending: { label: 'Pending', icon: Clock, className: 'bg-amber-50 text-amber-900 ring-amber-300' },
  succeeded: { label: 'Delivered', icon: CheckCircle2, className: 'bg-emerald-50 text-emerald-900 ring-emerald-300' },
  failed: { label: 'Failed', icon: XCircle, className: 'bg-red-50 text-red-900 ring-red-300' },
};

/** A delivery's status as icon + word (never color alone). */
export function DeliveryStatusBadge({ status }: { status: WebhookDeliveryStatus }) {
  const { label, icon: Icon, className } = LOOK[status];
  return (
    <span className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${className}`}>
      <Icon aria-hidden="true" className="size-3.5" />
      {label}
    </span>
  );
}
