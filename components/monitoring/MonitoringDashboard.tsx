'use client';

import { AlertTriangle, RefreshCw } from 'lucide-react';
import { buttonClass, inputClass, labelClass } from '@/components/ui/button-styles';
import { formatTime, isoDateTime } from '@/components/jobs/format';
import { JobCharts } from './job-charts';
import { MONITORING_RANGES, type MonitoringData, type MonitoringRange } from './monitoring-data';
import { ModeMetricsTable, StuckJobsTable, WorkersTable } from './monitoring-tables';
import { useMonitoring } from './use-monitoring';

interface MonitoringDashboardProps {
  initialData: MonitoringData;
  initialError?: string | null;
  userId: string | null;
}

/** /jobs-test/monitoring: the user's job metrics, charts with their tables, stuck jobs and live workers. */
export function MonitoringDashboard({ initialData, initialError = null, userId }: MonitoringDashboardProps) {
  const monitoring = useMonitoring(initialData, initialError, userId);
  const { data } = monitoring;
  const range = MONITORING_RANGES[data.range];

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="w-56">
          <label htmlFor="monitoring-range" className={labelClass}>
            Time range
          </label>
          <select
            id="monitoring-range"
            className={`${inputClass} mt-1`}
            value={data.range}
            onChange={(event) => monitoring.selectRange(event.target.value as MonitoringRange)}
          >
            {Object.entries(MONITORING_RANGES).map(([key, option]) => (
              <option key={key} value={key}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        <div className="flex items-center gap-3 text-xs text-slate-600">
          <p role="status">
            {monitoring.loading ? 'Updating…' : monitoring.updatedAt ? (
              <>
                Updated <time dateTime={isoDateTime(monitoring.updatedAt)}>{formatTime(monitoring.updatedAt)}</time>
              </>
            ) : (
              'Updates every 15 s and when your jobs change'
            )}
          </p>
          <button type="button" onClick={monitoring.refresh} className={buttonClass('secondary', 'py-1.5')}>
            <RefreshCw aria-hidden="true" className="size-3.5" />
            Refresh
          </button>
        </div>
      </div>

      {monitoring.error && (
        <div role="alert" className="flex items-center gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900">
          <AlertTriangle aria-hidden="true" className="size-4 shrink-0" />
          <p>
            <span className="font-semibold">Could not load the latest figures: </span>
            {monitoring.error}
          </p>
        </div>
      )}

      <section aria-labelledby="charts-heading" aria-busy={monitoring.loading} className="space-y-4">
        <h2 id="charts-heading" className="text-lg font-semibold">
          {range.label}
        </h2>
        <JobCharts series={data.series} granularity={range.granularity} />
      </section>

      <ModeMetricsTable metrics={data.metrics} rangeLabel={range.label} />
      <div className="grid gap-6 lg:grid-cols-2">
        <StuckJobsTable jobs={data.stuck} />
        <WorkersTable workers={data.workers} />
      </div>
    </div>
  );
}
