import { inputClass, labelClass } from '@/components/ui/button-styles';
import { FieldError } from './field-error';

/** How a simulated job behaves: how long an attempt takes, and how it ends (worker/providers/simulated.ts). */
export interface SimulatedSettings {
  seconds: string;
  outcome: 'succeed' | 'fail-permanent' | 'fail-retryable';
}

const OUTCOMES: { value: SimulatedSettings['outcome']; label: string }[] = [
  { value: 'succeed', label: 'Succeed' },
  { value: 'fail-retryable', label: 'Fail, retried with backoff until attempts run out' },
  { value: 'fail-permanent', label: 'Fail at once (not retryable)' },
];

/** The job's params, or a message for the duration field. */
export function simulatedParams(settings: SimulatedSettings): { ok: true; value: Record<string, number | string> } | { ok: false; error: string } {
  const seconds = Number(settings.seconds.trim());
  if (settings.seconds.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    return { ok: false, error: 'Enter a duration between 0 and 3600 seconds' };
  }
  const value: Record<string, number | string> = { duration_ms: Math.round(seconds * 1000) };
  if (settings.outcome !== 'succeed') {
    value.failure_rate = 1;
    value.failure = settings.outcome === 'fail-permanent' ? 'permanent' : 'retryable';
  }
  return { ok: true, value };
}

interface SimulatedOptionsProps {
  value: SimulatedSettings;
  onChange: (value: SimulatedSettings) => void;
  error: string | undefined;
  disabled: boolean;
}

export function SimulatedOptions({ value, onChange, error, disabled }: SimulatedOptionsProps) {
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      <div className="space-y-1">
        <label htmlFor="job-duration" className={labelClass}>
          Duration (seconds)
        </label>
        <input
          id="job-duration"
          inputMode="decimal"
          value={value.seconds}
          onChange={(event) => onChange({ ...value, seconds: event.target.value })}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'job-duration-error' : undefined}
          className={inputClass}
          disabled={disabled}
        />
        <FieldError id="job-duration-error" message={error} />
      </div>
      <div className="space-y-1">
        <label htmlFor="job-outcome" className={labelClass}>
          Outcome
        </label>
        <select
          id="job-outcome"
          value={value.outcome}
          onChange={(event) => onChange({ ...value, outcome: event.target.value as SimulatedSettings['outcome'] })}
          className={inputClass}
          disabled={disabled}
        >
          {OUTCOMES.map((outcome) => (
            <option key={outcome.value} value={outcome.value}>
              {outcome.label}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
