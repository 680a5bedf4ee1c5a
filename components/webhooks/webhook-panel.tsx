'use client';

import { Loader2 } from 'lucide-react';
import { Panel } from '@/components/jobs/panel';
import { EndpointCard } from './endpoint-card';
import { EndpointForm } from './endpoint-form';
import { useWebhooks } from './use-webhooks';

/**
 * Webhooks of the selected project: endpoints receive its job events as signed POSTs (Standard Webhooks,
 * docs/WEBHOOKS.md), retried with backoff; the log shows every delivery and attempt.
 */
export function WebhookPanel({ projectId, projectName }: { projectId: string | null; projectName: string | null }) {
  const webhooks = useWebhooks(projectId);
  return (
    <Panel titleId="webhooks-heading" title={projectName ? `Webhooks of ${projectName}` : 'Webhooks'}>
      {!projectId ? (
        <p className="text-sm text-slate-600">Create a project to send its job events to your systems.</p>
      ) : (
        <div className="space-y-4">
          <EndpointForm projectId={projectId} onCreate={webhooks.create} />
          {webhooks.loadError && (
            <p role="alert" className="text-sm text-red-800">
              Could not load the endpoints: {webhooks.loadError}
            </p>
          )}
          {!webhooks.loaded ? (
            <p className="flex items-center gap-2 text-sm text-slate-600">
              <Loader2 aria-hidden="true" className="size-4 motion-safe:animate-spin" />
              Loading endpoints…
            </p>
          ) : webhooks.endpoints.length === 0 ? (
            <p className="text-sm text-slate-600">No endpoints yet.</p>
          ) : (
            <ul aria-label="Webhook endpoints" className="divide-y divide-slate-100">
              {webhooks.endpoints.map((endpoint) => (
                <li key={endpoint.id}>
                  <EndpointCard endpoint={endpoint} webhooks={webhooks} />
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Panel>
  );
}
