import type { ReactNode } from 'react';

/** A titled card; `titleId` labels the section for assistive technology. */
export function Panel({ titleId, title, actions, children }: { titleId: string; title: ReactNode; actions?: ReactNode; children: ReactNode }) {
  return (
    <section aria-labelledby={titleId} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:p-5">
      <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
        <h2 id={titleId} className="text-lg font-semibold">
          {title}
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
