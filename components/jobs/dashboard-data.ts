import type { Asset, GenerationJob, JobStatistic, Project } from '@/lib/db/job-types';

/** Everything the dashboard shows; loaded on the server first, then kept current in the browser. */
export interface DashboardData {
  projects: Project[];
  selectedProjectId: string | null;
  assets: Asset[];
  jobs: GenerationJob[];
  nextCursor: string | null;
  statistics: JobStatistic[];
}

export const JOB_PAGE_SIZE = 10;

/** How often the dashboard re-reads while the tab is visible (Realtime is not part of the local stack). */
export const POLL_INTERVAL_MS = 5_000;
