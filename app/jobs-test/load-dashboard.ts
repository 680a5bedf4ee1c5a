import 'server-only';
import type { DashboardData } from '@/components/jobs/dashboard-data';
import { JOB_PAGE_SIZE } from '@/components/jobs/dashboard-data';
import { getJobStatistics, getProjectAssets, getProjectJobs, getProjects } from '@/lib/db/generation-jobs';

const EMPTY: DashboardData = { projects: [], selectedProjectId: null, assets: [], jobs: [], nextCursor: null, statistics: [] };

/** The dashboard's first screen, read on the server with the request's session (RLS: the user's rows only). */
export async function loadDashboard(): Promise<{ data: DashboardData; error: string | null }> {
  try {
    const [projects, statistics] = await Promise.all([getProjects(), getJobStatistics()]);
    const selectedProjectId = projects[0]?.id ?? null;
    if (!selectedProjectId) return { data: { ...EMPTY, projects, statistics }, error: null };
    const [assets, page] = await Promise.all([
      getProjectAssets(selectedProjectId),
      getProjectJobs(selectedProjectId, { limit: JOB_PAGE_SIZE }),
    ]);
    return { data: { projects, selectedProjectId, assets, jobs: page.items, nextCursor: page.nextCursor, statistics }, error: null };
  } catch (error) {
    // Render the page anyway: the client shows the error and keeps retrying.
    return { data: EMPTY, error: error instanceof Error ? error.message : 'Could not load the dashboard' };
  }
}
