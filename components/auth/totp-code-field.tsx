import { inputClass, labelClass } from '@/components/ui/button-styles';

/** The 6-digit code input of the TOTP forms (one-time-code autofill, digits only). */
export function TotpCodeField({ id, errorId }: { id: string; errorId?: string }) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className={labelClass}>
        6-digit code
      </label>
      <input
        id={id}
        name="code"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]{6}"
        maxLength={6}
        required
        aria-invalid={errorId ? true : undefined}
        aria-describedby={errorId}
        className={`${inputClass} font-mono tracking-widest`}
      />
    </div>
  );
}
