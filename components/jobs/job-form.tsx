'use client';

import { Plus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { BudgetExceededError } from '@/lib/db/errors';
import { costCentsSchema, modeSchema, type Asset, type GenerationMode, type NewGenerationJob } from '@/lib/db/job-types';
import { isImageProvider } from '@/lib/images/image-params';
import { BudgetRefusal } from '@/components/budgets/budget-refusal';
import { buttonClass, inputClass, labelClass } from '@/components/ui/button-styles';
import { FieldError } from './field-error';
import { dollarsToCents, formatCents } from './format';
import { Panel } from './panel';
import { ImageOptions, imageParams, type ImageSettings } from './image-options';
import { SimulatedOptions, simulatedParams, type SimulatedSettings } from './simulated-options';
import type { ActionResult } from './use-jobs-dashboard';

/**
 * Providers offered here: the worker turns photos into images (`local`, and `http` once a worker has a hosted
 * model for a mode), runs `simulated` jobs for demos; `manual` ones move by hand.
 */
const FORM_PROVIDERS = [
  { value: 'local', label: 'Local image processing (sharp)' },
  { value: 'http', label: 'Hosted model (http)' },
  { value: 'simulated', label: 'Simulated (run by the worker)' },
  { value: 'manual', label: 'Manual (move it by hand)' },
] as const;
type FormProvider = (typeof FORM_PROVIDERS)[number]['value'];

/** Manual jobs take any slug; "custom" lets one through (the database's rule: ^[a-z][a-z0-9_-]*$). */
const MANUAL_MODES = ['studio-white', 'lifestyle', 'background-removal', 'upscale', 'shadow', 'lifecycle-test'] as const;
const CUSTOM = '__custom__';

interface JobFormProps {
  projectId: string | null;
  assets: Asset[];
  /** Enabled modes per provider, with their prices. */
  modes: GenerationMode[];
  onCreate: (job: NewGenerationJob) => Promise<ActionResult>;
}

type FieldErrors = Partial<Record<'mode' | 'cost' | 'duration' | 'asset', string>>;

export function JobForm({ projectId, assets, modes, onCreate }: JobFormProps) {
  const [provider, setProvider] = useState<FormProvider>('local');
  const [preset, setPreset] = useState<string>(MANUAL_MODES[0]);
  const [customMode, setCustomMode] = useState('');
  const [cost, setCost] = useState('1.00');
  const [simulated, setSimulated] = useState<SimulatedSettings>({ seconds: '2', outcome: 'succeed' });
  const [imageSettings, setImageSettings] = useState<ImageSettings>({});
  const [paramErrors, setParamErrors] = useState<Record<string, string>>({});
  const [assetId, setAssetId] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [pending, setPending] = useState(false);
  const [refusal, setRefusal] = useState<BudgetExceededError | null>(null);

  // The hosted model is offered once a worker enabled one of its modes.
  const providers = FORM_PROVIDERS.filter((option) => option.value !== 'http' || modes.some((mode) => mode.provider === 'http'));
  const providerModes = modes.filter((mode) => mode.provider === provider);
  const manual = provider === 'manual';
  const image = isImageProvider(provider);
  // An image job needs a photo with a file (the seed's typed-in rows have none).
  const assetChoices = image ? assets.filter((asset) => asset.bucket !== null) : assets;
  // The chosen mode or asset may vanish (provider or project switched): fall back without an effect.
  const choices = manual ? [...MANUAL_MODES] : providerModes.map((mode) => mode.mode);
  const selectedPreset = preset === CUSTOM && manual ? CUSTOM : choices.includes(preset) ? preset : (choices[0] ?? '');
  // Image jobs start from a photo: an uploaded input first (outputs can be inputs too, e.g. to upscale one).
  const firstPhoto = assetChoices.find((asset) => asset.kind === 'input') ?? assetChoices[0];
  const selectedAssetId = assetChoices.some((asset) => asset.id === assetId) ? assetId : image ? (firstPhoto?.id ?? '') : '';
  const price = providerModes.find((mode) => mode.mode === selectedPreset)?.price_cents;

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!projectId) return;
    const mode = modeSchema.safeParse(selectedPreset === CUSTOM ? customMode : selectedPreset);
    const cents = manual ? costCentsSchema.safeParse(dollarsToCents(cost)) : null;
    const params = manual ? null : image ? imageParams(selectedPreset, imageSettings) : simulatedParams(simulated);
    const next: FieldErrors = {};
    if (!mode.success) next.mode = mode.error.issues[0].message;
    if (cents && !cents.success) next.cost = 'Enter an amount in dollars with at most 2 decimals, e.g. 2.50';
    if (params && !params.ok && 'error' in params) next.duration = params.error;
    if (image && !selectedAssetId) next.asset = 'Upload a product photo first: image jobs start from one';
    setParamErrors(params && !params.ok && 'errors' in params ? params.errors : {});
    setErrors(next);
    if (Object.keys(next).length > 0 || !mode.success || (params && !params.ok)) return;

    setPending(true);
    setRefusal(null);
    const result = await onCreate({
      project_id: projectId,
      mode: mode.data,
      provider,
      input_asset_id: selectedAssetId || null,
      ...(cents?.success ? { cost_cents: cents.data } : {}),
      ...(params?.ok ? { params: params.value } : {}),
    });
    setPending(false);
    if (!result.ok && result.error instanceof BudgetExceededError) setRefusal(result.error);
  }

  return (
    <Panel titleId="new-job-heading" title="New job">
      <form onSubmit={handleSubmit} className="space-y-3" noValidate>
        <div className="space-y-1">
          <label htmlFor="job-provider" className={labelClass}>
            Provider
          </label>
          <select id="job-provider" value={provider} onChange={(event) => setProvider(event.target.value as FormProvider)} className={inputClass} disabled={!projectId}>
            {providers.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        <div className="space-y-1">
          <label htmlFor="job-mode" className={labelClass}>
            Mode
          </label>
          <select id="job-mode" value={selectedPreset} onChange={(event) => setPreset(event.target.value)} className={inputClass} disabled={!projectId}>
            {choices.map((mode) => (
              <option key={mode} value={mode}>
                {mode}
              </option>
            ))}
            {manual && <option value={CUSTOM}>Custom…</option>}
          </select>
          {!manual && price !== undefined && (
            <p className="text-xs text-slate-600" data-testid="job-price">
              Price {formatCents(price)}: the worker reports the final cost.
            </p>
          )}
        </div>
        {selectedPreset === CUSTOM && (
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
        {manual ? (
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
        ) : image ? (
          <ImageOptions mode={selectedPreset} value={imageSettings} onChange={setImageSettings} errors={paramErrors} disabled={!projectId} />
        ) : (
          <SimulatedOptions value={simulated} onChange={setSimulated} error={errors.duration} disabled={!projectId} />
        )}
        <div className="space-y-1">
          <label htmlFor="job-asset" className={labelClass}>
            {image ? 'Input photo' : 'Input asset (optional)'}
          </label>
          <select
            id="job-asset"
            value={selectedAssetId}
            onChange={(event) => setAssetId(event.target.value)}
            aria-invalid={errors.asset ? true : undefined}
            aria-describedby={errors.asset ? 'job-asset-error' : undefined}
            className={inputClass}
            disabled={!projectId}
          >
            {!image && <option value="">None</option>}
            {image && assetChoices.length === 0 && <option value="">No uploaded photo yet</option>}
            {assetChoices.map((asset) => (
              <option key={asset.id} value={asset.id}>
                {asset.name}
              </option>
            ))}
          </select>
          <FieldError id="job-asset-error" message={errors.asset} />
        </div>
        {refusal && <BudgetRefusal error={refusal} />}
        <button type="submit" disabled={!projectId || pending || choices.length === 0} className={buttonClass('primary', 'w-full')}>
          <Plus aria-hidden="true" className="size-4" />
          {pending ? 'Queueing…' : 'Queue job'}
        </button>
      </form>
    </Panel>
  );
}
