import type { BudgetUsage } from '@/lib/db/budget-types';
import { ACTIVE_STATUSES, type Asset, type GenerationJob, type GenerationMode, type JobStatistic, type Project } from '@/lib/db/job-types';

/** Everything the dashboard shows; loaded on the server first, then kept current in the browser. */
export interface DashboardData {
  projects: Project[];
  selectedProjectId: string | null;
  assets: Asset[];
  jobs: GenerationJob[];
  nextCursor: string | null;
  statistics: JobStatistic[];
  /** Enabled modes per provider, with prices (reference data: loaded with the page). */
  modes: GenerationMode[];
  /** This month's budgets against spend: the account's, then projects' (from the spend rollup). */
  budgetUsage: BudgetUsage[];
}

export const JOB_PAGE_SIZE = 10;

/** While the live feed (Realtime) is not connected, how often the dashboard re-reads (tab visible)... */
export const POLL_INTERVAL_MS = 5_000;
/** ...and while a job on screen is queued or running, so it moves without a reload. */
export const ACTIVE_POLL_INTERVAL_MS = 1_000;
/** Live: statistics are re-read at most this often while changes arrive. */
export const STATISTICS_REFRESH_MS = 300;

export function hasActiveJobs(data: DashboardData): boolean {
  return data.jobs.some((job) => ACTIVE_STATUSES.includes(job.status));
}

/** The helpers the dashboard reads with: the server flavour for the first render, the Client one after. */
export interface DashboardQueries {
  getProjects(): Promise<Project[]>;
  getJobStatistics(): Promise<JobStatistic[]>;
  getProjectAssets(projectId: string): Promise<Asset[]>;
  getProjectJobs(projectId: string, page: { limit: number }): Promise<{ items: GenerationJob[]; nextCursor: string | null }>;
  getGenerationModes(): Promise<GenerationMode[]>;
  getBudgetUsage(): Promise<BudgetUsage[]>;
}

/**
 * Projects and statistics, then the chosen project's assets and first jobs (the first project if it is
 * gone). Modes are reference data: passed in when already known, read otherwise.
 */
export async function loadDashboardData(
  queries: DashboardQueries,
  projectId: string | null,
  jobLimit: number,
  knownModes?: GenerationMode[],
): Promise<DashboardData> {
  const [projects, statistics, modes, budgetUsage] = await Promise.all([
    queries.getProjects(),
    queries.getJobStatistics(),
    knownModes ?? queries.getGenerationModes(),
    queries.getBudgetUsage(),
  ]);
  const selectedProjectId = projects.some((p) => p.id === projectId) ? projectId : (projects[0]?.id ?? null);
  if (!selectedProjectId) return { projects, selectedProjectId, assets: [], jobs: [], nextCursor: null, statistics, modes, budgetUsage };
  // Jobs first: a job read as succeeded has its output asset committed with it, so the assets read next
  // include it and its image appears in the same refresh.
  const page = await queries.getProjectJobs(selectedProjectId, { limit: jobLimit });
  const assets = await queries.getProjectAssets(selectedProjectId);
  return { projects, selectedProjectId, assets, jobs: page.items, nextCursor: page.nextCursor, statistics, modes, budgetUsage };
}
