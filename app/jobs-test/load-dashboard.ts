import 'server-only';
import { JOB_PAGE_SIZE, loadDashboardData, type DashboardData } from '@/components/jobs/dashboard-data';
import { getBudgetUsage, getGenerationModes, getJobStatistics, getProjectAssets, getProjectJobs, getProjects } from '@/lib/db/generation-jobs';

const EMPTY: DashboardData = { projects: [], selectedProjectId: null, assets: [], jobs: [], nextCursor: null, statistics: [], modes: [], budgetUsage: [] };

/** The dashboard's first screen, read on the server with the request's session (RLS: the user's rows only). */
export async function loadDashboard(): Promise<{ data: DashboardData; error: string | null }> {
  try {
    const data = await loadDashboardData(
      { getProjects, getJobStatistics, getProjectAssets, getProjectJobs, getGenerationModes, getBudgetUsage: () => getBudgetUsage() },
      null,
      JOB_PAGE_SIZE,
    );
    return { data, error: null };
  } catch (error) {
    // Render the page anyway: the client shows the error and keeps retrying.
    return { data: EMPTY, error: error instanceof Error ? error.message : 'Could not load the dashboard' };
  }
}
