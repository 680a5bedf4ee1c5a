import type { JobMetric, JobTimeseriesPoint, LiveWorker, MetricsWindow, StuckJob, TimeseriesOptions } from '@/lib/db/monitoring-types';

/** The windows the monitoring view offers, and the buckets its charts use for each. */
export const MONITORING_RANGES = {
  '24h': { label: 'Last 24 hours', hours: 24, granularity: 'hour' },
  '7d': { label: 'Last 7 days', hours: 7 * 24, granularity: 'day' },
  '30d': { label: 'Last 30 days', hours: 30 * 24, granularity: 'day' },
} as const;
export type MonitoringRange = keyof typeof MONITORING_RANGES;
export const DEFAULT_RANGE: MonitoringRange = '24h';

/** Everything the monitoring view shows; read on the server first, then kept current in the browser. */
export interface MonitoringData {
  range: MonitoringRange;
  metrics: JobMetric[];
  series: JobTimeseriesPoint[];
  workers: LiveWorker[];
  stuck: StuckJob[];
}

/** The helpers it reads with: the server flavour for the first render, the Client one after. */
export interface MonitoringQueries {
  getJobMetrics(window?: MetricsWindow): Promise<JobMetric[]>;
  getJobTimeseries(options?: TimeseriesOptions): Promise<JobTimeseriesPoint[]>;
  getLiveWorkers(): Promise<LiveWorker[]>;
  getStuckJobs(): Promise<StuckJob[]>;
}

/** How often the view re-reads: workers' heartbeats change without any job changing. */
export const MONITORING_REFRESH_MS = 15_000;
/** While the user's jobs change (live feed), at most this often. */
export const MONITORING_LIVE_REFRESH_MS = 3_000;

export async function loadMonitoringData(queries: MonitoringQueries, range: MonitoringRange, now = new Date()): Promise<MonitoringData> {
  const { hours, granularity } = MONITORING_RANGES[range];
  const since = new Date(now.getTime() - hours * 3_600_000);
  const [metrics, series, workers, stuck] = await Promise.all([
    queries.getJobMetrics({ since, until: now }),
    queries.getJobTimeseries({ since, until: now, granularity }),
    queries.getLiveWorkers(),
    queries.getStuckJobs(),
  ]);
  return { range, metrics, series, workers, stuck };
}
