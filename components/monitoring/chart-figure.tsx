import type { ReactNode } from 'react';

/**
 * A chart with its text equivalents: a caption that says what it shows and what stands out, and the same
 * data as a table (behind a disclosure, keyboard-operable). The drawing itself is hidden from assistive
 * technology, which gets the caption and the table instead.
 */
export function ChartFigure({ id, title, summary, table, children }: { id: string; title: string; summary: string; table: ReactNode; children: ReactNode }) {
  return (
    <figure aria-labelledby={`${id}-title`} aria-describedby={`${id}-summary`} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid={`chart-${id}`}>
      <figcaption className="mb-3 space-y-1">
        <h3 id={`${id}-title`} className="text-base font-semibold">
          {title}
        </h3>
        <p id={`${id}-summary`} className="text-sm text-slate-600">
          {summary}
        </p>
      </figcaption>
      <div aria-hidden="true" className="h-56 w-full">
        {children}
      </div>
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer rounded font-medium text-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
          Data table: {title.toLowerCase()}
        </summary>
        {/* Scrollable, so reachable by keyboard (and named for screen readers). */}
        <div className="mt-2 max-h-72 overflow-auto rounded focus-visible:outline-2 focus-visible:outline-indigo-600" tabIndex={0} role="region" aria-label={`${title}: data`}>
          {table}
        </div>
      </details>
    </figure>
  );
}

/** A compact table for a chart's data; the first column heads each row. */
export function DataTable({ caption, columns, rows }: { caption: string; columns: string[]; rows: (string | number)[][] }) {
  return (
    <table className="w-full text-left text-sm">
      <caption className="sr-only">{caption}</caption>
      <thead className="text-slate-600">
        <tr>
          {columns.map((column, i) => (
            <th key={column} scope="col" className={`py-1 pr-3 font-medium ${i > 0 ? 'text-right' : ''}`}>
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map(([head, ...cells], row) => (
          <tr key={row}>
            <th scope="row" className="py-1 pr-3 font-normal">
              {head}
            </th>
            {cells.map((cell, i) => (
              <td key={i} className="py-1 pr-3 text-right tabular-nums">
                {cell}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
