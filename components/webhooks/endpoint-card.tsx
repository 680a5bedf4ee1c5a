'use client';

import { Eye, EyeOff, KeyRound, ListTree, Power, Send, Trash2 } from 'lucide-react';
import { useState } from 'react';
import type { WebhookDelivery, WebhookEndpoint } from '@/lib/db/webhook-types';
import { buttonClass } from '@/components/ui/button-styles';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DeliveryLog } from './delivery-log';
import type { Webhooks } from './use-webhooks';

interface EndpointCardProps {
  endpoint: WebhookEndpoint;
  webhooks: Webhooks;
}

/** One endpoint: where it points, what it gets, its secret (on demand), its state, actions and log. */
export function EndpointCard({ endpoint, webhooks }: EndpointCardProps) {
  const [dialog, setDialog] = useState<'rotate' | 'delete' | null>(null);
  const [pending, setPending] = useState(false);
  const secret = webhooks.secrets[endpoint.id];
  const logOpen = webhooks.logEndpointId === endpoint.id;
  const small = buttonClass('secondary', 'px-2.5 py-1.5');

  async function act(action: () => Promise<unknown>) {
    setPending(true);
    await action();
    setPending(false);
  }

  return (
    <article aria-label={`Webhook endpoint ${endpoint.url}`} data-testid="webhook-endpoint" data-enabled={endpoint.enabled} className="space-y-2 py-3">
      <div className="flex flex-wrap items-center gap-2">
        <code className="min-w-0 break-all font-medium">{endpoint.url}</code>
        <span
          className={`rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${endpoint.enabled ? 'bg-emerald-50 text-emerald-900 ring-emerald-300' : 'bg-slate-100 text-slate-800 ring-slate-300'}`}
        >
          {endpoint.enabled ? 'Enabled' : 'Disabled'}
        </span>
        {endpoint.description && <span className="text-sm text-slate-700">{endpoint.description}</span>}
      </div>
      <p className="text-xs text-slate-700">
        Events: {endpoint.event_types.map((type) => <code key={type} className="mr-1.5">{type}</code>)}
        {endpoint.consecutive_failures > 0 && ` · ${endpoint.consecutive_failures} failed attempts in a row`}
      </p>
      {endpoint.disabled_reason && <p className="rounded-md bg-red-50 px-2 py-1 text-xs text-red-900">{endpoint.disabled_reason}</p>}
      <div className="flex flex-wrap items-center gap-2">
        <span className="text-xs text-slate-700">Signing secret:</span>
        {secret ? (
          <code className="break-all rounded bg-slate-100 px-1.5 py-0.5 text-xs" data-testid="webhook-secret">
            {secret}
          </code>
        ) : (
          <span className="text-xs text-slate-600" aria-hidden="true">
            ••••••••
          </span>
        )}
        <button type="button" onClick={() => (secret ? webhooks.hide(endpoint) : void webhooks.reveal(endpoint))} className={buttonClass('ghost', 'px-2 py-1')}>
          {secret ? <EyeOff aria-hidden="true" className="size-3.5" /> : <Eye aria-hidden="true" className="size-3.5" />}
          {secret ? 'Hide secret' : 'Reveal secret'}
        </button>
        <button type="button" onClick={() => setDialog('rotate')} className={buttonClass('ghost', 'px-2 py-1')}>
          <KeyRound aria-hidden="true" className="size-3.5" />
          Rotate secret
        </button>
      </div>
      <div className="flex flex-wrap gap-2">
        <button type="button" disabled={pending || !endpoint.enabled} onClick={() => act(() => webhooks.sendTest(endpoint))} className={small}>
          <Send aria-hidden="true" className="size-3.5" />
          Send test event
        </button>
        <button type="button" disabled={pending} onClick={() => act(() => webhooks.setEnabled(endpoint, !endpoint.enabled))} className={small}>
          <Power aria-hidden="true" className="size-3.5" />
          {endpoint.enabled ? 'Disable' : 'Enable'}
        </button>
        <button type="button" onClick={() => webhooks.toggleLog(endpoint.id)} aria-expanded={logOpen} className={small}>
          <ListTree aria-hidden="true" className="size-3.5" />
          {logOpen ? 'Hide deliveries' : 'Show deliveries'}
        </button>
        <button type="button" onClick={() => setDialog('delete')} className={buttonClass('ghost', 'px-2.5 py-1.5 text-red-800')}>
          <Trash2 aria-hidden="true" className="size-3.5" />
          Delete
        </button>
      </div>
      {logOpen && <DeliveryLog endpointUrl={endpoint.url} deliveries={webhooks.deliveries} onReplay={(delivery: WebhookDelivery) => webhooks.replay(delivery)} />}

      {dialog === 'rotate' && (
        <ConfirmDialog
          titleId={`rotate-${endpoint.id}-title`}
          title="Rotate the signing secret?"
          confirmLabel="Rotate secret"
          pendingLabel="Rotating…"
          onConfirm={() => webhooks.rotate(endpoint)}
          onClose={() => setDialog(null)}
        >
          Messages get signed with a new secret. The current one keeps signing too for 24 hours, so you can update your
          receiver without losing a message.
        </ConfirmDialog>
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          titleId={`delete-endpoint-${endpoint.id}-title`}
          title="Delete this endpoint?"
          confirmLabel="Delete endpoint"
          pendingLabel="Deleting…"
          variant="danger"
          onConfirm={() => webhooks.remove(endpoint)}
          onClose={() => setDialog(null)}
        >
          {endpoint.url} stops receiving events, and its delivery log is deleted with it.
        </ConfirmDialog>
      )}
    </article>
  );
}
