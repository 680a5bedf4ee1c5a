import { describe, expect, it } from 'vitest';
import { applyJobChange, compareJobs, instantMicros, type JobListState } from '../../components/jobs/apply-job-change.ts';
import type { GenerationJob } from '../../lib/db/job-types.ts';

const P = 'project-a';
function job(id: string, createdAt: string, overrides: Partial<GenerationJob> = {}): GenerationJob {
  return { id, project_id: P, created_at: createdAt, updated_at: createdAt, status: 'queued', mode: 'upscale', ...overrides } as GenerationJob;
}
const state = (jobs: GenerationJob[], nextCursor: string | null = null): JobListState => ({ selectedProjectId: P, jobs, nextCursor });
const ids = (s: JobListState) => s.jobs.map((j) => j.id);

describe('instantMicros / compareJobs', () => {
  it('keeps PostgreSQL\'s microseconds, whatever the number of digits', () => {
    expect(instantMicros('2026-01-01T00:00:00.000002+00:00') - instantMicros('2026-01-01T00:00:00.000001+00:00')).toBe(1);
    expect(instantMicros('2026-01-01T00:00:00.5+00:00')).toBe(instantMicros('2026-01-01T00:00:00.500000+00:00'));
    expect(instantMicros('2026-01-01T01:00:00+01:00')).toBe(instantMicros('2026-01-01T00:00:00+00:00'));
  });
  it('orders newest first, then by id descending', () => {
    const list = [job('a', '2026-01-01T00:00:00.1+00:00'), job('c', '2026-01-01T00:00:00.2+00:00'), job('b', '2026-01-01T00:00:00.2+00:00')];
    expect(list.sort(compareJobs).map((j) => j.id)).toEqual(['c', 'b', 'a']);
  });
});

describe('applyJobChange', () => {
  const older = job('1', '2026-01-01T00:00:00.000001+00:00');
  const newer = job('2', '2026-01-01T00:00:00.000002+00:00');

  it('inserts a new job of the project in its place', () => {
    const next = applyJobChange(state([older]), { type: 'upsert', job: newer });
    expect(ids(next)).toEqual(['2', '1']);
  });

  it('leaves out a job older than the loaded pages, and jobs of other projects', () => {
    const ancient = job('0', '2025-01-01T00:00:00+00:00');
    expect(ids(applyJobChange(state([newer], 'cursor'), { type: 'upsert', job: ancient }))).toEqual(['2']);
    expect(ids(applyJobChange(state([newer], null), { type: 'upsert', job: ancient }))).toEqual(['2', '0']);
    expect(ids(applyJobChange(state([newer]), { type: 'upsert', job: { ...older, project_id: 'project-b' } }))).toEqual(['2']);
  });

  it('replaces a job with a newer version only (a reload may have raced the change)', () => {
    const running = { ...older, status: 'running' as const, updated_at: '2026-01-01T00:00:01.000001+00:00' };
    const stale = { ...older, status: 'queued' as const, updated_at: '2026-01-01T00:00:00.500000+00:00' };
    const after = applyJobChange(state([newer, older]), { type: 'upsert', job: running });
    expect(after.jobs[1].status).toBe('running');
    expect(applyJobChange(after, { type: 'upsert', job: stale })).toBe(after);
  });

  it('removes deleted jobs and jobs moved to another project; ignores what it does not show', () => {
    expect(ids(applyJobChange(state([newer, older]), { type: 'delete', id: '1' }))).toEqual(['2']);
    const moved = { ...older, project_id: 'project-b', updated_at: '2026-01-02T00:00:00+00:00' };
    expect(ids(applyJobChange(state([newer, older]), { type: 'upsert', job: moved }))).toEqual(['2']);
    const s = state([newer]);
    expect(applyJobChange(s, { type: 'delete', id: 'unknown' })).toBe(s);
    expect(applyJobChange(s, { type: 'incomplete', id: null })).toBe(s);
  });
});
