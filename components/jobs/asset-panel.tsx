'use client';

import { useState, type FormEvent } from 'react';
import { newAssetSchema, type Asset } from '@/lib/db/job-types';
import { buttonClass, inputClass, labelClass } from '@/components/ui/button-styles';
import { FieldError } from './field-error';
import { Panel } from './panel';
import type { ActionResult } from './use-jobs-dashboard';

const MIME_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;

interface AssetPanelProps {
  projectId: string | null;
  assets: Asset[];
  onCreate: (asset: { project_id: string; name: string; storage_path: string; mime_type: string }) => Promise<ActionResult>;
}

type FieldErrors = Partial<Record<'name' | 'storage_path' | 'mime_type', string>>;

/** The selected project's assets, and a form to register one (metadata only: files live in Storage). */
export function AssetPanel({ projectId, assets, onCreate }: AssetPanelProps) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [pending, setPending] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!projectId) return;
    const form = event.currentTarget;
    const values = Object.fromEntries(new FormData(form));
    const parsed = newAssetSchema.safeParse({ ...values, project_id: projectId });
    if (!parsed.success) {
      const next: FieldErrors = {};
      for (const issue of parsed.error.issues) {
        const key = issue.path[0] as keyof FieldErrors;
        next[key] ??= issue.message;
      }
      setErrors(next);
      return;
    }
    setErrors({});
    setPending(true);
    const result = await onCreate(parsed.data);
    setPending(false);
    if (result.ok) form.reset();
  }

  const disabled = !projectId || pending;
  const described = (field: keyof FieldErrors) => (errors[field] ? `asset-${field}-error` : undefined);

  return (
    <Panel titleId="assets-heading" title="Input assets">
      {assets.length === 0 ? (
        <p className="mb-4 text-sm text-slate-600">{projectId ? 'This project has no assets yet.' : 'Select or create a project first.'}</p>
      ) : (
        <ul className="mb-4 divide-y divide-slate-100 text-sm" aria-label="Assets of the selected project">
          {assets.map((asset) => (
            <li key={asset.id} className="py-1.5">
              <span className="font-medium">{asset.name}</span>{' '}
              <span className="text-slate-600">
                · {asset.mime_type} · {asset.kind}
              </span>
            </li>
          ))}
        </ul>
      )}

      <form onSubmit={handleSubmit} className="space-y-3" noValidate aria-labelledby="add-asset-heading">
        <h3 id="add-asset-heading" className="text-sm font-semibold text-slate-800">
          Add asset
        </h3>
        <div className="space-y-1">
          <label htmlFor="asset-name" className={labelClass}>
            Asset name
          </label>
          <input id="asset-name" name="name" required placeholder="Sneaker, side view" maxLength={200} aria-invalid={errors.name ? true : undefined} aria-describedby={described('name')} className={inputClass} disabled={!projectId} />
          <FieldError id="asset-name-error" message={errors.name} />
        </div>
        <div className="space-y-1">
          <label htmlFor="asset-path" className={labelClass}>
            Storage path
          </label>
          <input
            id="asset-path"
            name="storage_path"
            required
            placeholder="products/sneaker-side.jpg"
            maxLength={1024}
            aria-invalid={errors.storage_path ? true : undefined}
            aria-describedby={['asset-path-hint', described('storage_path')].filter(Boolean).join(' ')}
            className={inputClass}
            disabled={!projectId}
          />
          <p id="asset-path-hint" className="text-xs text-slate-600">
            Bucket-relative, no leading slash.
          </p>
          <FieldError id="asset-storage_path-error" message={errors.storage_path} />
        </div>
        <div className="space-y-1">
          <label htmlFor="asset-mime" className={labelClass}>
            MIME type
          </label>
          <select id="asset-mime" name="mime_type" defaultValue="image/png" className={inputClass} disabled={!projectId} aria-describedby={described('mime_type')}>
            {MIME_TYPES.map((type) => (
              <option key={type}>{type}</option>
            ))}
          </select>
          <FieldError id="asset-mime_type-error" message={errors.mime_type} />
        </div>
        <button type="submit" disabled={disabled} className={buttonClass('secondary')}>
          {pending ? 'Adding…' : 'Add asset'}
        </button>
      </form>
    </Panel>
  );
}
