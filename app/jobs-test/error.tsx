'use client';

import { buttonClass } from '@/components/ui/button-styles';

export default function JobsTestError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="mx-auto max-w-xl space-y-4 px-6 py-16">
      <h1 className="text-2xl font-bold">The dashboard could not load</h1>
      <p role="alert" className="text-slate-700">
        {error.message || 'Something went wrong.'}
      </p>
      <button type="button" onClick={reset} className={buttonClass('primary')}>
        Try again
      </button>
    </main>
  );
}
