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

/** The helpers the dashboard reads with: the server flavour for the first render, the Client one after. */
export interface DashboardQueries {
  getProjects(): Promise<Project[]>;
  getJobStatistics(): Promise<JobStatistic[]>;
  getProjectAssets(projectId: string): Promise<Asset[]>;
  getProjectJobs(projectId: string, page: { limit: number }): Promise<{ items: GenerationJob[]; nextCursor: string | null }>;
}

/** Projects and statistics, then the chosen project's assets and first jobs (the first project if it is gone). */
export async function loadDashboardData(queries: DashboardQueries, projectId: string | null, jobLimit: number): Promise<DashboardData> {
  const [projects, statistics] = await Promise.all([queries.getProjects(), queries.getJobStatistics()]);
  const selectedProjectId = projects.some((p) => p.id === projectId) ? projectId : (projects[0]?.id ?? null);
  if (!selectedProjectId) return { projects, selectedProjectId, assets: [], jobs: [], nextCursor: null, statistics };
  const [assets, page] = await Promise.all([
    queries.getProjectAssets(selectedProjectId),
    queries.getProjectJobs(selectedProjectId, { limit: jobLimit }),
  ]);
  return { projects, selectedProjectId, assets, jobs: page.items, nextCursor: page.nextCursor, statistics };
}
