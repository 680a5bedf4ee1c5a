'use client';

import { Plus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { costCentsSchema, modeSchema, type Asset, type NewGenerationJob } from '@/lib/db/job-types';
import { buttonClass, inputClass, labelClass } from '@/components/ui/button-styles';
import { FieldError } from './field-error';
import { dollarsToCents } from './format';
import { Panel } from './panel';
import type { ActionResult } from './use-jobs-dashboard';

/** Common generation modes; "custom" lets any slug through (the database's rule: ^[a-z][a-z0-9_-]*$). */
const PRESET_MODES = ['studio-white', 'lifestyle', 'background-removal', 'upscale', 'shadow', 'lifecycle-test'] as const;
const CUSTOM = '__custom__';

interface JobFormProps {
  projectId: string | null;
  assets: Asset[];
  onCreate: (job: NewGenerationJob) => Promise<ActionResult>;
}

type FieldErrors = Partial<Record<'mode' | 'cost', string>>;

export function JobForm({ projectId, assets, onCreate }: JobFormProps) {
  const [preset, setPreset] = useState<string>(PRESET_MODES[0]);
  const [customMode, setCustomMode] = useState('');
  const [cost, setCost] = useState('1.00');
  const [assetId, setAssetId] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [pending, setPending] = useState(false);

  // The chosen asset may vanish (project switched): fall back to "none" without an effect.
  const selectedAssetId = assets.some((asset) => asset.id === assetId) ? assetId : '';

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!projectId) return;
    const mode = modeSchema.safeParse(preset === CUSTOM ? customMode : preset);
    const cents = costCentsSchema.safeParse(dollarsToCents(cost));
    const next: FieldErrors = {};
    if (!mode.success) next.mode = mode.error.issues[0].message;
    if (!cents.success) next.cost = 'Enter an amount in dollars with at most 2 decimals, e.g. 2.50';
    setErrors(next);
    if (!mode.success || !cents.success) return;

    setPending(true);
    await onCreate({ project_id: projectId, mode: mode.data, cost_cents: cents.data, input_asset_id: selectedAssetId || null });
    setPending(false);
  }

  return (
    <Panel titleId="new-job-heading" title="New job">
      <form onSubmit={handleSubmit} className="space-y-3" noValidate>
        <div className="space-y-1">
          <label htmlFor="job-mode" className={labelClass}>
            Mode
          </label>
          <select id="job-mode" value={preset} onChange={(event) => setPreset(event.target.value)} className={inputClass} disabled={!projectId}>
            {PRESET_MODES.map((mode) => (
              <option key={mode} value={mode}>
                {mode}
              </option>
            ))}
            <option value={CUSTOM}>Custom…</option>
          </select>
        </div>
        {preset === CUSTOM && (
          <div className="space-y-1">
            <label htmlFor="job-custom-mode" className={labelClass}>
              Custom mode
            </label>
            <input
              id="job-custom-mode"
              value={customMode}
              onChange={(event) => setCustomMode(event.target.value)}
              placeholder="hero-banner"
              maxLength={40}
              aria-invalid={errors.mode ? true : undefined}
              aria-describedby={`job-mode-hint${errors.mode ? ' job-mode-error' : ''}`}
              className={inputClass}
            />
            <p id="job-mode-hint" className="text-xs text-slate-600">
              Lowercase: a letter, then letters, digits, - or _.
            </p>
            <FieldError id="job-mode-error" message={errors.mode} />
          </div>
        )}
        <div className="space-y-1">
          <label htmlFor="job-cost" className={labelClass}>
            Cost (USD)
          </label>
          <input
            id="job-cost"
            inputMode="decimal"
            value={cost}
            onChange={(event) => setCost(event.target.value)}
            aria-invalid={errors.cost ? true : undefined}
            aria-describedby={`job-cost-hint${errors.cost ? ' job-cost-error' : ''}`}
            className={inputClass}
            disabled={!projectId}
          />
          <p id="job-cost-hint" className="text-xs text-slate-600">
            Stored in cents: 2.50 is saved as 250.
          </p>
          <FieldError id="job-cost-error" message={errors.cost} />
        </div>
        <div className="space-y-1">
          <label htmlFor="job-asset" className={labelClass}>
            Input asset (optional)
          </label>
          <select id="job-asset" value={selectedAssetId} onChange={(event) => setAssetId(event.target.value)} className={inputClass} disabled={!projectId}>
            <option value="">None</option>
            {assets.map((asset) => (
              <option key={asset.id} value={asset.id}>
                {asset.name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={!projectId || pending} className={buttonClass('primary', 'w-full')}>
          <Plus aria-hidden="true" className="size-4" />
          {pending ? 'Queueing…' : 'Queue job'}
        </button>
      </form>
    </Panel>
  );
}
