import type { AuthFormState } from '@/app/login/actions';

/** The inline result of an auth form: Supabase Auth's error, or a notice such as "check your email". */
export function AuthMessage({ id, state }: { id: string; state: AuthFormState }) {
  if (state.error) {
    return (
      <p id={id} role="alert" data-code={state.code} className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
        {state.error}
      </p>
    );
  }
  if (state.message) {
    return (
      <p id={id} role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
        {state.message}
      </p>
    );
  }
  return null;
}
