'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { toast } from 'sonner';
import {
  createWebhookEndpointClient,
  deleteWebhookEndpointClient,
  getWebhookDeliveriesClient,
  getWebhookEndpointsClient,
  replayWebhookDeliveryClient,
  revealWebhookSecretClient,
  rotateWebhookSecretClient,
  sendWebhookTestClient,
  updateWebhookEndpointClient,
} from '@/lib/db/generation-jobs-client';
import type { NewWebhookEndpoint, WebhookDelivery, WebhookEndpoint } from '@/lib/db/webhook-types';
import { errorMessage, toastError } from '@/components/jobs/report-error';

/** Poll while a message of the open log waits to be sent (the worker is quick), else now and then. */
const BUSY_POLL_MS = 1_500;
const IDLE_POLL_MS = 10_000;
const LOG_SIZE = 20;

/**
 * The selected project's webhook endpoints and the delivery log of the one whose log is open, kept current
 * while the tab is visible; every action toasts its outcome and re-reads. Secrets are read only when the
 * owner asks to see one.
 */
export function useWebhooks(projectId: string | null) {
  // What was loaded, and for which project and log: another project's endpoints are never shown.
  const [state, setState] = useState<{ projectId: string; endpoints: WebhookEndpoint[]; logEndpointId: string | null; deliveries: WebhookDelivery[] } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [logEndpointId, setLogEndpointId] = useState<string | null>(null);
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const seq = useRef(0);

  const refresh = useCallback(async () => {
    if (!projectId) return;
    const mine = ++seq.current;
    try {
      const [list, log] = await Promise.all([
        getWebhookEndpointsClient(projectId),
        logEndpointId ? getWebhookDeliveriesClient(logEndpointId, { limit: LOG_SIZE }) : null,
      ]);
      if (mine !== seq.current) return;
      setState({ projectId, endpoints: list, logEndpointId, deliveries: log?.items ?? [] });
      setLoadError(null);
    } catch (error) {
      if (mine === seq.current) setLoadError(errorMessage(error));
    }
  }, [projectId, logEndpointId]);

  const current = state && state.projectId === projectId ? state : null;
  const endpoints = current?.endpoints ?? [];
  const deliveries = current && current.logEndpointId === logEndpointId ? current.deliveries : [];
  const loaded = current !== null;

  // Load now (another project, the log opened or closed), then poll while the tab is visible.
  const busy = deliveries.some((delivery) => delivery.status === 'pending');
  useEffect(() => {
    const now = window.setTimeout(() => void refresh(), 0);
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, busy ? BUSY_POLL_MS : IDLE_POLL_MS);
    return () => {
      window.clearTimeout(now);
      window.clearInterval(timer);
    };
  }, [refresh, busy]);

  const run = useCallback(
    async (failure: string, action: () => Promise<string>): Promise<boolean> => {
      try {
        toast.success(await action());
        return true;
      } catch (error) {
        toastError(failure, error);
        return false;
      } finally {
        await refresh();
      }
    },
    [refresh],
  );

  return {
    endpoints,
    loaded,
    loadError,
    deliveries,
    logEndpointId,
    secrets,
    refresh,
    toggleLog: (endpointId: string) => setLogEndpointId((open) => (open === endpointId ? null : endpointId)),
    create: (endpoint: NewWebhookEndpoint) =>
      run('Could not add the endpoint', async () => {
        const created = await createWebhookEndpointClient(endpoint);
        setLogEndpointId(created.id);
        return `Endpoint ${created.url} added`;
      }),
    setEnabled: (endpoint: WebhookEndpoint, enabled: boolean) =>
      run(`Could not ${enabled ? 'enable' : 'disable'} the endpoint`, async () => {
        await updateWebhookEndpointClient(endpoint.id, { enabled });
        return `Endpoint ${enabled ? 'enabled' : 'disabled'}`;
      }),
    remove: (endpoint: WebhookEndpoint) =>
      run('Could not delete the endpoint', async () => {
        await deleteWebhookEndpointClient(endpoint.id);
        return `Endpoint ${endpoint.url} deleted`;
      }),
    reveal: async (endpoint: WebhookEndpoint) => {
      try {
        const secret = await revealWebhookSecretClient(endpoint.id);
        setSecrets((known) => ({ ...known, [endpoint.id]: secret }));
      } catch (error) {
        toastError('Could not read the secret', error);
      }
    },
    hide: (endpoint: WebhookEndpoint) =>
      setSecrets((known) => Object.fromEntries(Object.entries(known).filter(([id]) => id !== endpoint.id))),
    rotate: (endpoint: WebhookEndpoint) =>
      run('Could not rotate the secret', async () => {
        const secret = await rotateWebhookSecretClient(endpoint.id);
        setSecrets((known) => ({ ...known, [endpoint.id]: secret }));
        return 'New secret created: the previous one keeps signing for 24 hours';
      }),
    sendTest: (endpoint: WebhookEndpoint) =>
      run('Could not send a test event', async () => {
        await sendWebhookTestClient(endpoint.id);
        setLogEndpointId(endpoint.id);
        return 'Test event queued';
      }),
    replay: (delivery: WebhookDelivery) =>
      run('Could not replay the delivery', async () => {
        await replayWebhookDeliveryClient(delivery.id);
        return `Replay of ${delivery.event_type} queued`;
      }),
  };
}

export type Webhooks = ReturnType<typeof useWebhooks>;
