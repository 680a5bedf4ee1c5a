'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobChange } from '@/lib/db/job-changes';
import { toast } from 'sonner';
import {
  cancelGenerationJobClient,
  createGenerationJobClient,
  createProjectClient,
  deleteAssetClient,
  deleteGenerationJobClient,
  getBudgetUsageClient,
  getGenerationModesClient,
  getJobStatisticsClient,
  getProjectAssetsClient,
  getProjectJobsClient,
  getProjectsClient,
  retryGenerationJobClient,
  transitionJobStatusClient,
  uploadAssetClient,
} from '@/lib/db/generation-jobs-client';
import type { Asset, GenerationJob, JobStatus, NewGenerationJob } from '@/lib/db/job-types';
import { applyJobChange } from './apply-job-change';
import { ACTIVE_POLL_INTERVAL_MS, hasActiveJobs, JOB_PAGE_SIZE, loadDashboardData, POLL_INTERVAL_MS, STATISTICS_REFRESH_MS, type DashboardData } from './dashboard-data';
import { errorMessage, toastError } from './report-error';
import { useAssetThumbnails } from './use-asset-thumbnails';
import { useLiveChanges } from './use-live-changes';

/** An action's outcome for the form that started it (the toast is already shown). */
export type ActionResult = { ok: true } | { ok: false; error: unknown };

const clientQueries = {
  getProjects: getProjectsClient,
  getJobStatistics: getJobStatisticsClient,
  getProjectAssets: getProjectAssetsClient,
  getProjectJobs: getProjectJobsClient,
  getGenerationModes: getGenerationModesClient,
  getBudgetUsage: () => getBudgetUsageClient(),
};

/**
 * The dashboard's data and actions. Changes arrive live over Supabase Realtime (the user's jobs applied in
 * place, statistics re-read); while the live feed is not connected, a poll re-reads instead while the tab
 * is visible (every second while a job on screen is queued or running). Every action refreshes everything
 * afterwards.
 */
export function useJobsDashboard(initialData: DashboardData, initialError: string | null, userId: string | null = null) {
  const [data, setData] = useState(initialData);
  const [loadError, setLoadError] = useState(initialError);
  const [switchingProject, setSwitchingProject] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [lastUpdated, setLastUpdated] = useState<Date | null>(null);
  // Thumbnails of the project's photos and of the outputs the worker adds (signed once per asset).
  const thumbnails = useAssetThumbnails(data.assets);

  // The latest data for callbacks that outlive a render (poll, actions); only the newest load may land.
  const dataRef = useRef(initialData);
  const loadSeq = useRef(0);
  const inFlight = useRef(false);
  /** How many jobs "Load more" asked for, in which project. */
  const wanted = useRef<{ projectId: string | null; count: number }>({ projectId: null, count: 0 });
  /** Live changes that arrived while a refresh was reading: replayed onto what it read. */
  const changesDuringRefresh = useRef<JobChange[] | null>(null);
  useEffect(() => {
    dataRef.current = data;
  }, [data]);

  const refresh = useCallback(async (projectId?: string | null): Promise<void> => {
    const seq = ++loadSeq.current;
    const current = dataRef.current;
    const target = projectId === undefined ? current.selectedProjectId : projectId;
    // Keep as many jobs on screen as "Load more" has shown or is loading (up to the helper's 100 per page): a
    // refresh that starts while a page loads supersedes it, so it must bring that page too.
    if (target !== current.selectedProjectId) wanted.current = { projectId: null, count: 0 };
    const requested = wanted.current.projectId === target ? wanted.current.count : 0;
    const limit = target === current.selectedProjectId ? Math.min(100, Math.max(JOB_PAGE_SIZE, current.jobs.length, requested)) : JOB_PAGE_SIZE;
    inFlight.current = true;
    changesDuringRefresh.current = [];
    try {
      let next = await loadDashboardData(clientQueries, target, limit, current.modes.length > 0 ? current.modes : undefined);
      if (seq !== loadSeq.current) return;
      for (const change of changesDuringRefresh.current ?? []) next = applyJobChange(next, change);
      changesDuringRefresh.current = null;
      dataRef.current = next;
      setData(next);
      setLoadError(null);
      setLastUpdated(new Date());
    } catch (error) {
      if (seq === loadSeq.current) setLoadError(errorMessage(error));
    } finally {
      if (seq === loadSeq.current) {
        inFlight.current = false;
        changesDuringRefresh.current = null;
      }
    }
  }, []);

  // Statistics and budget usage cover every project: re-read (cheap, from the rollups) at most every
  // STATISTICS_REFRESH_MS.
  const statisticsTimer = useRef<number | null>(null);
  const refreshStatistics = useCallback(() => {
    if (statisticsTimer.current !== null) return;
    statisticsTimer.current = window.setTimeout(async () => {
      statisticsTimer.current = null;
      try {
        const [statistics, budgetUsage] = await Promise.all([getJobStatisticsClient(), clientQueries.getBudgetUsage()]);
        dataRef.current = { ...dataRef.current, statistics, budgetUsage };
        setData(dataRef.current);
        setLastUpdated(new Date());
      } catch {
        // The next change or refresh tries again.
      }
    }, STATISTICS_REFRESH_MS);
  }, []);
  useEffect(() => () => {
    if (statisticsTimer.current !== null) window.clearTimeout(statisticsTimer.current);
  }, []);

  const liveStatus = useLiveChanges(userId, {
    onJob: (change) => {
      if (change.type === 'incomplete') {
        void refresh();
        return;
      }
      // Hosted Realtime sends deletes unfiltered (a primary key, no RLS check): only ours on screen count.
      if (change.type === 'delete' && !dataRef.current.jobs.some((job) => job.id === change.id)) return;
      changesDuringRefresh.current?.push(change);
      dataRef.current = applyJobChange(dataRef.current, change);
      setData(dataRef.current);
      refreshStatistics();
    },
    onProjectOrAsset: () => void refresh(),
    // Joined (again): whatever changed while the feed was down is read once.
    onStatus: (status) => {
      if (status === 'live') void refresh();
    },
  });

  const active = hasActiveJobs(data);
  const pollIntervalMs = active ? ACTIVE_POLL_INTERVAL_MS : POLL_INTERVAL_MS;
  const polling = liveStatus !== 'live';
  useEffect(() => {
    if (!polling) return;
    const tick = () => {
      if (document.visibilityState === 'visible' && !inFlight.current) void refresh();
    };
    const timer = window.setInterval(tick, pollIntervalMs);
    document.addEventListener('visibilitychange', tick);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [refresh, polling, pollIntervalMs]);

  const run = useCallback(
    async (failure: string, action: () => Promise<string>): Promise<ActionResult> => {
      try {
        toast.success(await action());
        return { ok: true };
      } catch (error) {
        toastError(failure, error);
        return { ok: false, error };
      } finally {
        await refresh();
      }
    },
    [refresh],
  );

  const selectProject = useCallback(
    async (projectId: string) => {
      setSwitchingProject(true);
      setData((previous) => ({ ...previous, selectedProjectId: projectId }));
      await refresh(projectId);
      setSwitchingProject(false);
    },
    [refresh],
  );

  const createProject = useCallback(
    (name: string) =>
      run('Could not create the project', async () => {
        const project = await createProjectClient({ name });
        // Select the new project before the refresh that follows.
        dataRef.current = { ...dataRef.current, selectedProjectId: project.id, jobs: [] };
        return `Project “${project.name}” created`;
      }),
    [run],
  );

  const uploadAsset = useCallback(
    (file: File) =>
      run('Could not upload the photo', async () => {
        const projectId = dataRef.current.selectedProjectId;
        if (!projectId) throw new Error('Select a project first');
        const created = await uploadAssetClient({ project_id: projectId, file });
        return `Photo “${created.name}” uploaded`;
      }),
    [run],
  );

  const deleteAsset = useCallback(
    (asset: Asset) =>
      run(`Could not delete “${asset.name}”`, async () => {
        await deleteAssetClient(asset.id);
        return `Asset “${asset.name}” deleted`;
      }),
    [run],
  );

  const createJob = useCallback(
    (job: NewGenerationJob) =>
      run('Could not create the job', async () => {
        const created = await createGenerationJobClient(job);
        return `Job “${created.mode}” queued`;
      }),
    [run],
  );

  const transition = useCallback(
    (job: GenerationJob, status: JobStatus, error?: string) =>
      run(`Could not move job “${job.mode}” to ${status}`, async () => {
        const updated = await transitionJobStatusClient(job.id, status, error);
        return `Job “${updated.mode}” is now ${updated.status}`;
      }),
    [run],
  );

  const cancelJob = useCallback(
    (job: GenerationJob) =>
      run(`Could not cancel job “${job.mode}”`, async () => {
        const updated = await cancelGenerationJobClient(job.id);
        return updated.status === 'canceled' ? `Job “${updated.mode}” canceled` : `Cancel of job “${updated.mode}” requested: the worker stops it`;
      }),
    [run],
  );

  const retryJob = useCallback(
    (job: GenerationJob) =>
      run(`Could not retry job “${job.mode}”`, async () => {
        const retry = await retryGenerationJobClient(job.id);
        return `Job “${retry.mode}” queued again`;
      }),
    [run],
  );

  const deleteJob = useCallback(
    (job: GenerationJob) =>
      run(`Could not delete job “${job.mode}”`, async () => {
        await deleteGenerationJobClient(job.id);
        return `Job “${job.mode}” deleted`;
      }),
    [run],
  );

  const loadMore = useCallback(async () => {
    const { selectedProjectId, nextCursor, jobs } = dataRef.current;
    if (!selectedProjectId || !nextCursor) return;
    setLoadingMore(true);
    wanted.current = { projectId: selectedProjectId, count: jobs.length + JOB_PAGE_SIZE };
    const seq = ++loadSeq.current; // a refresh in flight would drop the new page: let it lose
    try {
      const page = await getProjectJobsClient(selectedProjectId, { limit: JOB_PAGE_SIZE, cursor: nextCursor });
      if (seq !== loadSeq.current) return;
      const seen = new Set(jobs.map((job) => job.id));
      const next = { ...dataRef.current, jobs: [...jobs, ...page.items.filter((job) => !seen.has(job.id))], nextCursor: page.nextCursor };
      dataRef.current = next;
      setData(next);
    } catch (error) {
      toastError('Could not load more jobs', error);
    } finally {
      // A refresh this superseded will not clear its flag itself; without this, polling would stop.
      inFlight.current = false;
      setLoadingMore(false);
    }
  }, []);

  return {
    data,
    thumbnails,
    loadError,
    /** `live`: changes arrive over Realtime; otherwise the dashboard polls every `pollIntervalMs`. */
    liveStatus,
    pollIntervalMs,
    switchingProject,
    loadingMore,
    lastUpdated,
    refresh,
    selectProject,
    createProject,
    uploadAsset,
    deleteAsset,
    createJob,
    transition,
    cancelJob,
    retryJob,
    deleteJob,
    loadMore,
  };
}

export type JobsDashboard = ReturnType<typeof useJobsDashboard>;
