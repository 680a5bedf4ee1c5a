import { inputClass, labelClass } from '@/components/ui/button-styles';

interface CredentialFieldsProps {
  idPrefix: string;
  defaultEmail?: string;
  passwordAutoComplete: 'current-password' | 'new-password';
  /** id of the message that describes a failure, when there is one. */
  errorId?: string;
}

/** Email + password inputs with their labels; shared by the sign-in and sign-up forms. */
export function CredentialFields({ idPrefix, defaultEmail, passwordAutoComplete, errorId }: CredentialFieldsProps) {
  const invalid = errorId !== undefined;
  return (
    <>
      <div className="space-y-1">
        <label htmlFor={`${idPrefix}-email`} className={labelClass}>
          Email
        </label>
        <input
          id={`${idPrefix}-email`}
          name="email"
          type="email"
          autoComplete="email"
          required
          defaultValue={defaultEmail}
          aria-invalid={invalid || undefined}
          aria-describedby={errorId}
          className={inputClass}
        />
      </div>
      <div className="space-y-1">
        <label htmlFor={`${idPrefix}-password`} className={labelClass}>
          Password
        </label>
        <input
          id={`${idPrefix}-password`}
          name="password"
          type="password"
          autoComplete={passwordAutoComplete}
          required
          aria-invalid={invalid || undefined}
          aria-describedby={errorId}
          className={inputClass}
        />
      </div>
    </>
  );
}
