import type { JobChange } from '@/lib/db/job-changes';
import type { GenerationJob } from '@/lib/db/job-types';

/**
 * A Realtime change applied to the jobs on screen (the selected project's first pages, newest first):
 * a job of the project appears in its place if it is newer than the last one loaded (older ones are on
 * pages not loaded yet), an update replaces the row unless what is shown is newer (a reload that raced
 * the change), a job that left the project or was deleted disappears.
 */

/** Microseconds since the epoch of a PostgreSQL timestamp in ISO form (Date.parse stops at milliseconds). */
export function instantMicros(iso: string): number {
  const ms = Date.parse(iso);
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? '';
  return Math.floor(ms / 1000) * 1_000_000 + Number(fraction.padEnd(6, '0').slice(0, 6));
}

/** Sort order of the list: created_at descending, then id descending. Negative when `a` comes first. */
export function compareJobs(a: Pick<GenerationJob, 'created_at' | 'id'>, b: Pick<GenerationJob, 'created_at' | 'id'>): number {
  const byTime = instantMicros(b.created_at) - instantMicros(a.created_at);
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export interface JobListState {
  selectedProjectId: string | null;
  jobs: GenerationJob[];
  /** Null when every job of the project is loaded. */
  nextCursor: string | null;
}

export function applyJobChange<T extends JobListState>(state: T, change: JobChange): T {
  if (change.type === 'incomplete') return state;
  const index = state.jobs.findIndex((job) => job.id === (change.type === 'delete' ? change.id : change.job.id));
  if (change.type === 'delete' || change.job.project_id !== state.selectedProjectId) {
    return index === -1 ? state : { ...state, jobs: state.jobs.filter((_, i) => i !== index) };
  }
  const { job } = change;
  if (index !== -1) {
    const shown = state.jobs[index];
    if (instantMicros(shown.updated_at) > instantMicros(job.updated_at)) return state;
    const jobs = [...state.jobs];
    jobs[index] = job;
    return { ...state, jobs };
  }
  const last = state.jobs.at(-1);
  if (state.nextCursor !== null && last && compareJobs(job, last) > 0) return state;
  const jobs = [...state.jobs, job].sort(compareJobs);
  return { ...state, jobs };
}
