'use client';

import { RotateCcw } from 'lucide-react';
import { useState } from 'react';
import type { WebhookDelivery } from '@/lib/db/webhook-types';
import { buttonClass } from '@/components/ui/button-styles';
import { shortId } from '@/components/jobs/format';
import { JobTime } from '@/components/jobs/job-time';
import { DeliveryStatusBadge } from './delivery-status-badge';

interface DeliveryLogProps {
  endpointUrl: string;
  deliveries: WebhookDelivery[];
  onReplay: (delivery: WebhookDelivery) => Promise<boolean>;
}

function outcome(delivery: WebhookDelivery): string {
  if (delivery.status === 'succeeded') return `HTTP ${delivery.last_status_code}`;
  if (delivery.last_error) return delivery.last_error;
  return delivery.attempts === 0 ? 'Waiting to be sent' : 'Waiting for the next attempt';
}

/** The latest messages to one endpoint: type, status, attempts, the last answer; each attempt on demand. */
export function DeliveryLog({ endpointUrl, deliveries, onReplay }: DeliveryLogProps) {
  const [replaying, setReplaying] = useState<string | null>(null);
  if (deliveries.length === 0) {
    return <p className="py-2 text-sm text-slate-600">No deliveries yet: send a test event, or queue a job this endpoint subscribes to.</p>;
  }
  return (
    <ul aria-label={`Deliveries to ${endpointUrl}`} className="divide-y divide-slate-100 text-sm">
      {deliveries.map((delivery) => (
        <li key={delivery.id} className="space-y-1 py-2" data-testid="webhook-delivery" data-status={delivery.status} data-event-type={delivery.event_type}>
          <div className="flex flex-wrap items-center gap-2">
            <code className="font-medium">{delivery.event_type}</code>
            <DeliveryStatusBadge status={delivery.status} />
            <span className="text-slate-700" data-testid="webhook-delivery-attempts">
              {delivery.attempts} {delivery.attempts === 1 ? 'attempt' : 'attempts'}
            </span>
            <span className="min-w-0 flex-1 truncate text-slate-700">{outcome(delivery)}</span>
            {delivery.replay_of && <span className="text-xs text-slate-600">replay of #{shortId(delivery.replay_of)}</span>}
            <span className="text-xs text-slate-600">
              <JobTime iso={delivery.created_at} />
            </span>
            <button
              type="button"
              onClick={async () => {
                setReplaying(delivery.id);
                await onReplay(delivery);
                setReplaying(null);
              }}
              disabled={replaying !== null}
              aria-label={`Replay ${delivery.event_type} delivery ${shortId(delivery.id)}`}
              className={buttonClass('ghost', 'px-2 py-1')}
            >
              <RotateCcw aria-hidden="true" className="size-3.5" />
              Replay
            </button>
          </div>
          {delivery.webhook_attempts.length > 0 && (
            <details className="rounded bg-slate-50 px-2 py-1">
              <summary className="cursor-pointer text-xs text-slate-700">Attempts of #{shortId(delivery.id)}</summary>
              <ol className="mt-1 space-y-1 text-xs">
                {delivery.webhook_attempts.map((attempt) => (
                  <li key={attempt.id} className="space-y-0.5">
                    <p>
                      <span className="font-medium">#{attempt.attempt}</span> <JobTime iso={attempt.started_at} /> ·{' '}
                      {attempt.status_code !== null ? `HTTP ${attempt.status_code}` : (attempt.error ?? 'in progress')}
                      {attempt.duration_ms !== null && ` · ${attempt.duration_ms} ms`}
                    </p>
                    {attempt.status_code !== null && attempt.error && <p className="text-red-800">{attempt.error}</p>}
                    {attempt.response_excerpt && <pre className="max-h-24 overflow-auto whitespace-pre-wrap break-all rounded bg-white p-1 text-slate-700">{attempt.response_excerpt}</pre>}
                  </li>
                ))}
              </ol>
            </details>
          )}
        </li>
      ))}
    </ul>
  );
}
