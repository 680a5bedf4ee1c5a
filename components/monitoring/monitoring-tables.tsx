import type { JobMetric, LiveWorker, StuckJob, StuckReason } from '@/lib/db/monitoring-types';
import { formatCents, formatDateTime, formatDuration, formatPercent, isoDateTime, shortId } from '@/components/jobs/format';
import { JobStatusBadge } from '@/components/jobs/job-status-badge';
import { Panel } from '@/components/jobs/panel';

const th = 'py-1.5 pr-3 font-medium';
const num = 'py-1.5 pr-3 text-right tabular-nums';

/** get_job_metrics as a table: one row per mode. */
export function ModeMetricsTable({ metrics, rangeLabel }: { metrics: JobMetric[]; rangeLabel: string }) {
  return (
    <Panel titleId="metrics-heading" title="Per mode">
      {metrics.length === 0 ? (
        <p className="text-sm text-slate-600">No job finished in this window ({rangeLabel.toLowerCase()}).</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm" data-testid="mode-metrics">
            <caption className="sr-only">Finished jobs per mode, {rangeLabel.toLowerCase()}</caption>
            <thead className="text-slate-600">
              <tr>
                <th scope="col" className={th}>Mode</th>
                <th scope="col" className={`${th} text-right`}>Jobs</th>
                <th scope="col" className={`${th} text-right`}>Succeeded</th>
                <th scope="col" className={`${th} text-right`}>Failed</th>
                <th scope="col" className={`${th} text-right`}>Canceled</th>
                <th scope="col" className={`${th} text-right`}>Failure rate</th>
                <th scope="col" className={`${th} text-right`}>Wait p50 / p95</th>
                <th scope="col" className={`${th} text-right`}>Run p50 / p95</th>
                <th scope="col" className={`${th} text-right`}>Cost</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {metrics.map((m) => (
                <tr key={m.mode} data-testid={`metrics-${m.mode}`}>
                  <th scope="row" className="py-1.5 pr-3 font-normal">{m.mode}</th>
                  <td className={num}>{m.jobs}</td>
                  <td className={num}>{m.succeeded}</td>
                  <td className={num}>{m.failed}</td>
                  <td className={num}>{m.canceled}</td>
                  <td className={num}>{formatPercent(m.failure_rate)}</td>
                  <td className={num}>{formatDuration(m.queue_wait_p50_ms)} / {formatDuration(m.queue_wait_p95_ms)}</td>
                  <td className={num}>{formatDuration(m.run_time_p50_ms)} / {formatDuration(m.run_time_p95_ms)}</td>
                  <td className={num}>{formatCents(m.cost_cents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

const REASONS: Record<StuckReason, string> = {
  lease_expired: 'Its worker stopped renewing the lease',
  over_timeout: 'Running past its mode’s timeout',
  waiting: 'Due, but no worker has taken it',
};

/** get_stuck_jobs as a table. */
export function StuckJobsTable({ jobs }: { jobs: StuckJob[] }) {
  return (
    <Panel titleId="stuck-heading" title="Stuck or slow jobs">
      {jobs.length === 0 ? (
        <p className="text-sm text-slate-600">None: every job is moving.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm" data-testid="stuck-jobs">
            <caption className="sr-only">Your jobs that need attention, oldest first</caption>
            <thead className="text-slate-600">
              <tr>
                <th scope="col" className={th}>Job</th>
                <th scope="col" className={th}>Mode</th>
                <th scope="col" className={th}>Status</th>
                <th scope="col" className={th}>Why</th>
                <th scope="col" className={th}>Since</th>
                <th scope="col" className={`${th} text-right`}>Attempts</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {jobs.map((job) => (
                <tr key={job.id} data-testid={`stuck-${job.reason}`}>
                  <th scope="row" className="py-1.5 pr-3 font-mono text-xs font-normal">#{shortId(job.id)}</th>
                  <td className="py-1.5 pr-3">{job.mode}</td>
                  <td className="py-1.5 pr-3"><JobStatusBadge status={job.status} /></td>
                  <td className="py-1.5 pr-3">{REASONS[job.reason]}</td>
                  <td className="py-1.5 pr-3">
                    <time dateTime={isoDateTime(job.since)} suppressHydrationWarning>{formatDateTime(job.since)}</time>
                  </td>
                  <td className={num}>{job.attempts} of {job.max_attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

const STATES: Record<LiveWorker['state'], string> = { alive: 'Alive', stale: 'Silent', stopped: 'Stopped' };

/** get_live_workers as a table: which workers run, how loaded, and which of your jobs they hold. */
export function WorkersTable({ workers }: { workers: LiveWorker[] }) {
  return (
    <Panel titleId="workers-heading" title="Workers">
      {workers.length === 0 ? (
        <p className="text-sm text-slate-600">No worker has reported in the last hour. Start one with <code>npm run worker</code>.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm" data-testid="workers">
            <caption className="sr-only">Worker processes seen in the last hour</caption>
            <thead className="text-slate-600">
              <tr>
                <th scope="col" className={th}>Worker</th>
                <th scope="col" className={th}>State</th>
                <th scope="col" className={th}>Providers</th>
                <th scope="col" className={`${th} text-right`}>Load</th>
                <th scope="col" className={th}>Your jobs on it</th>
                <th scope="col" className={th}>Last heartbeat</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {workers.map((w) => (
                <tr key={w.worker} data-testid="worker-row" data-state={w.state}>
                  <th scope="row" className="py-1.5 pr-3 font-mono text-xs font-normal">{w.worker}</th>
                  <td className="py-1.5 pr-3">{STATES[w.state]}</td>
                  <td className="py-1.5 pr-3">{w.providers.join(', ')}</td>
                  <td className={num}>{w.running_jobs} of {w.concurrency}</td>
                  <td className="py-1.5 pr-3 font-mono text-xs">{w.my_job_ids.length === 0 ? '—' : w.my_job_ids.map((id) => `#${shortId(id)}`).join(', ')}</td>
                  <td className="py-1.5 pr-3">
                    <time dateTime={isoDateTime(w.last_seen_at)} suppressHydrationWarning>{formatDateTime(w.last_seen_at)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
