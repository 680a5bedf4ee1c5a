import { inputClass, labelClass } from '@/components/ui/button-styles';
import {
  ALPHA_FORMATS,
  IMAGE_PARAM_DEFAULTS,
  imageParamsSchemas,
  isImageMode,
  LIFESTYLE_SCENES,
  OUTPUT_FORMATS,
  type ImageMode,
} from '@/lib/images/image-params';
import { FieldError } from './field-error';

/** What the form holds per option: text of number fields and selects, the checkbox's state. */
export type ImageSettings = Record<string, string | boolean>;

interface Field {
  key: string;
  label: string;
  kind: 'number' | 'select' | 'checkbox';
  /** Select choices; '' is "the provider's default". */
  choices?: readonly string[];
  defaultLabel?: string;
  placeholder?: string;
}

const format = (choices: readonly string[], defaultLabel: string): Field => ({ key: 'format', label: 'Output format', kind: 'select', choices, defaultLabel });
const size: Field = { key: 'size', label: 'Size in pixels (64–4096)', kind: 'number', placeholder: 'the product’s own size' };
const margin = (fallback: number): Field => ({ key: 'margin', label: 'Margin (0–0.4 of the side)', kind: 'number', placeholder: String(fallback) });

/** The options the form offers per mode (the API takes every option of lib/images/image-params.ts). */
const FIELDS: Record<ImageMode, Field[]> = {
  'studio-white': [margin(IMAGE_PARAM_DEFAULTS.margin), size, format(OUTPUT_FORMATS, 'JPEG')],
  upscale: [
    { key: 'scale', label: 'Scale', kind: 'select', choices: ['2', '4'], defaultLabel: `${IMAGE_PARAM_DEFAULTS.scale}×` },
    { key: 'sharpen', label: 'Sharpen after enlarging', kind: 'checkbox' },
    format(OUTPUT_FORMATS, 'same as the photo'),
  ],
  'background-removal': [
    { key: 'tolerance', label: 'Background tolerance (0–128)', kind: 'number', placeholder: String(IMAGE_PARAM_DEFAULTS.tolerance) },
    { key: 'feather', label: 'Edge feather in pixels (0–20)', kind: 'number', placeholder: String(IMAGE_PARAM_DEFAULTS.feather) },
    format(ALPHA_FORMATS, 'PNG'),
  ],
  shadow: [
    { key: 'opacity', label: 'Shadow opacity (0–1)', kind: 'number', placeholder: String(IMAGE_PARAM_DEFAULTS.opacity) },
    { key: 'softness', label: 'Shadow softness (0.005–0.2)', kind: 'number', placeholder: String(IMAGE_PARAM_DEFAULTS.softness) },
    size,
    format(OUTPUT_FORMATS, 'JPEG'),
  ],
  lifestyle: [
    { key: 'scene', label: 'Scene', kind: 'select', choices: LIFESTYLE_SCENES, defaultLabel: IMAGE_PARAM_DEFAULTS.scene },
    size,
    format(OUTPUT_FORMATS, 'JPEG'),
  ],
};

const fieldId = (key: string) => `job-param-${key}`;

/**
 * The job's params from the form, checked with the mode's schema (the rules the database repeats):
 * empty fields are left out, so the provider's defaults apply. Errors come back per option.
 */
type Param = number | string | boolean;

export function imageParams(mode: string, settings: ImageSettings): { ok: true; value: Record<string, Param> } | { ok: false; errors: Record<string, string> } {
  if (!isImageMode(mode)) return { ok: true, value: {} };
  const value: Record<string, Param> = {};
  for (const field of FIELDS[mode]) {
    const raw = settings[field.key];
    if (field.kind === 'checkbox') {
      if (raw === false) value[field.key] = false;
    } else if (typeof raw === 'string' && raw.trim() !== '') {
      value[field.key] = field.kind === 'number' || field.key === 'scale' ? Number(raw.trim()) : raw;
    }
  }
  const parsed = imageParamsSchemas[mode].safeParse(value);
  if (parsed.success) return { ok: true, value };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'format')] ??= issue.message;
  return { ok: false, errors };
}

interface ImageOptionsProps {
  mode: string;
  value: ImageSettings;
  onChange: (value: ImageSettings) => void;
  errors: Record<string, string>;
  disabled: boolean;
}

/** The selected mode's options; empty fields keep the provider's defaults (shown as placeholders). */
export function ImageOptions({ mode, value, onChange, errors, disabled }: ImageOptionsProps) {
  if (!isImageMode(mode)) return null;
  return (
    <fieldset className="grid gap-3 sm:grid-cols-2" data-testid="image-options">
      <legend className="sr-only">Options of {mode}</legend>
      {FIELDS[mode].map((field) => {
        const id = fieldId(field.key);
        const error = errors[field.key];
        const describedBy = error ? `${id}-error` : undefined;
        if (field.kind === 'checkbox') {
          return (
            <label key={field.key} htmlFor={id} className="flex items-center gap-2 self-end text-sm font-medium text-slate-800">
              <input
                id={id}
                type="checkbox"
                checked={value[field.key] !== false}
                onChange={(event) => onChange({ ...value, [field.key]: event.target.checked })}
                disabled={disabled}
                className="size-4 rounded border-slate-300 accent-indigo-600"
              />
              {field.label}
            </label>
          );
        }
        const text = typeof value[field.key] === 'string' ? (value[field.key] as string) : '';
        return (
          <div key={field.key} className="space-y-1">
            <label htmlFor={id} className={labelClass}>
              {field.label}
            </label>
            {field.kind === 'select' ? (
              <select id={id} value={text} onChange={(event) => onChange({ ...value, [field.key]: event.target.value })} className={inputClass} disabled={disabled}>
                <option value="">Default ({field.defaultLabel})</option>
                {field.choices!.map((choice) => (
                  <option key={choice} value={choice}>
                    {field.key === 'scale' ? `${choice}×` : choice}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                inputMode="decimal"
                value={text}
                placeholder={field.placeholder}
                onChange={(event) => onChange({ ...value, [field.key]: event.target.value })}
                aria-invalid={error ? true : undefined}
                aria-describedby={describedBy}
                className={inputClass}
                disabled={disabled}
              />
            )}
            <FieldError id={`${id}-error`} message={error} />
          </div>
        );
      })}
    </fieldset>
  );
}
