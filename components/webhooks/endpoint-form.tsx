'use client';

import { Plus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { DEFAULT_WEBHOOK_EVENT_TYPES, newWebhookEndpointSchema, WEBHOOK_EVENT_TYPES, type NewWebhookEndpoint, type WebhookEventType } from '@/lib/db/webhook-types';
import { buttonClass, inputClass, labelClass } from '@/components/ui/button-styles';
import { FieldError } from '@/components/jobs/field-error';

interface EndpointFormProps {
  projectId: string;
  onCreate: (endpoint: NewWebhookEndpoint) => Promise<boolean>;
}

/** Adds an endpoint: its URL, an optional description, and the job events it wants. */
export function EndpointForm({ projectId, onCreate }: EndpointFormProps) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<WebhookEventType[]>([...DEFAULT_WEBHOOK_EVENT_TYPES]);
  const [errors, setErrors] = useState<Partial<Record<'url' | 'event_types' | 'description', string>>>({});
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = newWebhookEndpointSchema.safeParse({ project_id: projectId, url, event_types: types, description: description.trim() || null });
    if (!parsed.success) {
      const next: typeof errors = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0];
        if ((field === 'url' || field === 'event_types' || field === 'description') && !next[field]) next[field] = issue.message;
      }
      setErrors(next);
      return;
    }
    setErrors({});
    setPending(true);
    const ok = await onCreate(parsed.data);
    setPending(false);
    if (ok) {
      setUrl('');
      setDescription('');
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-3 rounded-md border border-slate-200 p-3" aria-label="Add a webhook endpoint">
      <div className="grid gap-3 sm:grid-cols-2">
        <div className="space-y-1">
          <label htmlFor="webhook-url" className={labelClass}>
            Endpoint URL
          </label>
          <input
            id="webhook-url"
            type="url"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
            placeholder="https://example.com/webhooks"
            aria-invalid={errors.url ? true : undefined}
            aria-describedby={errors.url ? 'webhook-url-error' : undefined}
            className={inputClass}
          />
          <FieldError id="webhook-url-error" message={errors.url} />
        </div>
        <div className="space-y-1">
          <label htmlFor="webhook-description" className={labelClass}>
            Description (optional)
          </label>
          <input
            id="webhook-description"
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            maxLength={200}
            placeholder="Order system"
            aria-invalid={errors.description ? true : undefined}
            aria-describedby={errors.description ? 'webhook-description-error' : undefined}
            className={inputClass}
          />
          <FieldError id="webhook-description-error" message={errors.description} />
        </div>
      </div>
      <fieldset aria-describedby={errors.event_types ? 'webhook-events-error' : undefined}>
        <legend className={labelClass}>Events</legend>
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label key={type} className="inline-flex items-center gap-1.5 text-sm">
              <input
                type="checkbox"
                checked={types.includes(type)}
                onChange={(event) => setTypes((current) => (event.target.checked ? [...current, type] : current.filter((t) => t !== type)))}
                className="size-4 rounded border-slate-300 accent-indigo-600"
              />
              <code>{type}</code>
            </label>
          ))}
        </div>
        <FieldError id="webhook-events-error" message={errors.event_types} />
      </fieldset>
      <button type="submit" disabled={pending} className={buttonClass('secondary')}>
        <Plus aria-hidden="true" className="size-4" />
        {pending ? 'Adding…' : 'Add endpoint'}
      </button>
    </form>
  );
}
