'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { getJobMetricsClient, getJobTimeseriesClient, getLiveWorkersClient, getStuckJobsClient } from '@/lib/db/generation-jobs-client';
import { errorMessage } from '@/components/jobs/report-error';
import { useLiveChanges } from '@/components/jobs/use-live-changes';
import { loadMonitoringData, MONITORING_LIVE_REFRESH_MS, MONITORING_REFRESH_MS, type MonitoringData, type MonitoringRange } from './monitoring-data';

const clientQueries = {
  getJobMetrics: getJobMetricsClient,
  getJobTimeseries: getJobTimeseriesClient,
  getLiveWorkers: getLiveWorkersClient,
  getStuckJobs: getStuckJobsClient,
};

/**
 * The monitoring view's data: re-read every MONITORING_REFRESH_MS while the tab is visible (workers'
 * heartbeats move on their own), and soon after the user's jobs change (live feed, throttled).
 */
export function useMonitoring(initialData: MonitoringData, initialError: string | null, userId: string | null) {
  const [data, setData] = useState(initialData);
  const [error, setError] = useState(initialError);
  const [loading, setLoading] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const rangeRef = useRef(initialData.range);
  const seq = useRef(0);

  const refresh = useCallback(async (range: MonitoringRange = rangeRef.current) => {
    const mine = ++seq.current;
    rangeRef.current = range;
    setLoading(true);
    try {
      const next = await loadMonitoringData(clientQueries, range);
      if (mine !== seq.current) return;
      setData(next);
      setError(null);
      setUpdatedAt(new Date());
    } catch (failure) {
      if (mine === seq.current) setError(errorMessage(failure));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    const tick = () => {
      if (document.visibilityState === 'visible') void refresh();
    };
    const timer = window.setInterval(tick, MONITORING_REFRESH_MS);
    document.addEventListener('visibilitychange', tick);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [refresh]);

  const pending = useRef<number | null>(null);
  useEffect(() => () => {
    if (pending.current !== null) window.clearTimeout(pending.current);
  }, []);
  const liveStatus = useLiveChanges(userId, {
    onJob: () => {
      if (pending.current !== null) return;
      pending.current = window.setTimeout(() => {
        pending.current = null;
        void refresh();
      }, MONITORING_LIVE_REFRESH_MS);
    },
    onProjectOrAsset: () => {},
    onStatus: () => {},
  });

  return { data, error, loading, updatedAt, liveStatus, selectRange: (range: MonitoringRange) => void refresh(range), refresh: () => void refresh() };
}
