import type { JobStatistic } from '@/lib/db/job-types';
import { JobStatusBadge } from './job-status-badge';
import { formatCents, formatTime, isoDateTime } from './format';
import { Panel } from './panel';

/** Per-status count, total and average cost (all projects), with totals; announced politely when they change. */
export function JobStatistics({ statistics, lastUpdated }: { statistics: JobStatistic[]; lastUpdated: Date | null }) {
  const jobCount = statistics.reduce((sum, row) => sum + Number(row.job_count), 0);
  const totalCents = statistics.reduce((sum, row) => sum + Number(row.total_cost_cents), 0);
  const averageCents = jobCount > 0 ? totalCents / jobCount : 0;

  return (
    <Panel
      titleId="statistics-heading"
      title="Statistics"
      actions={
        <p className="text-xs text-slate-600">
          All your projects
          {lastUpdated && (
            <>
              {' · updated '}
              <time dateTime={isoDateTime(lastUpdated)}>{formatTime(lastUpdated)}</time>
            </>
          )}
        </p>
      }
    >
      <dl aria-live="polite" aria-atomic="true" className="mb-4 grid grid-cols-3 gap-3" data-testid="statistics-summary">
        {[
          { label: 'Jobs', value: String(jobCount), testId: 'total-jobs' },
          { label: 'Total cost', value: formatCents(totalCents), testId: 'total-cost' },
          { label: 'Average cost', value: formatCents(averageCents), testId: 'average-cost' },
        ].map(({ label, value, testId }) => (
          <div key={testId} className="rounded-md bg-slate-50 p-3">
            <dt className="text-xs text-slate-600">{label}</dt>
            <dd className="text-xl font-semibold" data-testid={testId}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Jobs and costs per status</caption>
          <thead className="text-slate-600">
            <tr>
              <th scope="col" className="py-1 pr-3 font-medium">Status</th>
              <th scope="col" className="py-1 pr-3 text-right font-medium">Jobs</th>
              <th scope="col" className="py-1 pr-3 text-right font-medium">Total</th>
              <th scope="col" className="py-1 text-right font-medium">Average</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {statistics.map((row) => (
              <tr key={row.status} data-testid={`statistics-${row.status}`}>
                <th scope="row" className="py-1.5 pr-3 font-normal">
                  <JobStatusBadge status={row.status} />
                </th>
                <td className="py-1.5 pr-3 text-right tabular-nums">{Number(row.job_count)}</td>
                <td className="py-1.5 pr-3 text-right tabular-nums">{formatCents(row.total_cost_cents)}</td>
                <td className="py-1.5 text-right tabular-nums">{formatCents(row.avg_cost_cents)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}
