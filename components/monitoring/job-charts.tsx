'use client';

import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Granularity, JobTimeseriesPoint } from '@/lib/db/monitoring-types';
import { formatCents, formatDuration, formatPercent } from '@/components/jobs/format';
import { ChartFigure, DataTable } from './chart-figure';

// Colours with at least 3:1 contrast against white (WCAG 1.4.11 for graphical objects).
const COLORS = { succeeded: '#047857', failed: '#b91c1c', canceled: '#6b7280', waitP50: '#4338ca', waitP95: '#6366f1', runP50: '#92400e', runP95: '#b45309', rate: '#b91c1c', cost: '#4338ca' };
const INITIAL = { width: 480, height: 224 };
const hourLabel = new Intl.DateTimeFormat('en-US', { weekday: 'short', hour: 'numeric' });
const dayLabel = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric' });

interface Point {
  label: string;
  succeeded: number;
  failed: number;
  canceled: number;
  jobs: number;
  failureRate: number | null;
  waitP50: number | null;
  waitP95: number | null;
  runP50: number | null;
  runP95: number | null;
  costCents: number;
}

function points(series: JobTimeseriesPoint[], granularity: Granularity): Point[] {
  const format = granularity === 'hour' ? hourLabel : dayLabel;
  return series.map((p) => ({
    label: format.format(new Date(p.bucket_start)),
    succeeded: Number(p.succeeded),
    failed: Number(p.failed),
    canceled: Number(p.canceled),
    jobs: Number(p.jobs),
    failureRate: p.failure_rate === null ? null : Number(p.failure_rate),
    waitP50: p.queue_wait_p50_ms,
    waitP95: p.queue_wait_p95_ms,
    runP50: p.run_time_p50_ms,
    runP95: p.run_time_p95_ms,
    costCents: Number(p.cost_cents),
  }));
}

/** Legend labels in the page's text colour (the icons carry the series colour). */
const legendText = (value: string) => <span className="text-slate-800">{value}</span>;

const busiest = (data: Point[], value: (p: Point) => number) => data.reduce<Point | null>((best, p) => (value(p) > (best ? value(best) : 0) ? p : best), null);

/** Throughput, latency percentiles, failure rate and cost over the chosen window, each with its table. */
export function JobCharts({ series, granularity }: { series: JobTimeseriesPoint[]; granularity: Granularity }) {
  const data = points(series, granularity);
  const per = granularity === 'hour' ? 'hour' : 'day';
  const unit = granularity === 'hour' ? 'Hour' : 'Day';
  const totals = data.reduce((t, p) => ({ jobs: t.jobs + p.jobs, succeeded: t.succeeded + p.succeeded, failed: t.failed + p.failed, canceled: t.canceled + p.canceled, cost: t.cost + p.costCents }), { jobs: 0, succeeded: 0, failed: 0, canceled: 0, cost: 0 });
  const top = busiest(data, (p) => p.jobs);
  const slowest = busiest(data, (p) => p.runP95 ?? 0);
  const worst = busiest(data, (p) => p.failureRate ?? 0);
  const priciest = busiest(data, (p) => p.costCents);
  const axis = { tick: { fontSize: 12, fill: '#334155' }, stroke: '#94a3b8' };

  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <ChartFigure
        id="throughput"
        title={`Finished jobs per ${per}`}
        summary={totals.jobs === 0 ? 'No job finished in this window.' : `${totals.jobs} jobs finished: ${totals.succeeded} succeeded, ${totals.failed} failed, ${totals.canceled} canceled. Busiest ${per}: ${top!.label} (${top!.jobs}).`}
        table={<DataTable caption={`Finished jobs per ${per}`} columns={[unit, 'Succeeded', 'Failed', 'Canceled']} rows={data.map((p) => [p.label, p.succeeded, p.failed, p.canceled])} />}
      >
        <ResponsiveContainer width="100%" height="100%" initialDimension={INITIAL}>
          <BarChart data={data} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="label" {...axis} minTickGap={16} />
            <YAxis allowDecimals={false} {...axis} width={40} />
            <Tooltip />
            <Legend formatter={legendText} />
            <Bar dataKey="succeeded" name="Succeeded" stackId="jobs" fill={COLORS.succeeded} isAnimationActive={false} />
            <Bar dataKey="failed" name="Failed" stackId="jobs" fill={COLORS.failed} isAnimationActive={false} />
            <Bar dataKey="canceled" name="Canceled" stackId="jobs" fill={COLORS.canceled} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </ChartFigure>

      <ChartFigure
        id="latency"
        title="Queue wait and run time"
        summary={slowest?.runP95 ? `p50 and p95 per ${per}. Slowest ${per}: ${slowest.label}, run time p95 ${formatDuration(slowest.runP95)}.` : `No timings in this window.`}
        table={
          <DataTable
            caption={`Queue wait and run time percentiles per ${per}`}
            columns={[unit, 'Wait p50', 'Wait p95', 'Run p50', 'Run p95']}
            rows={data.map((p) => [p.label, formatDuration(p.waitP50), formatDuration(p.waitP95), formatDuration(p.runP50), formatDuration(p.runP95)])}
          />
        }
      >
        <ResponsiveContainer width="100%" height="100%" initialDimension={INITIAL}>
          <LineChart data={data} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="label" {...axis} minTickGap={16} />
            <YAxis {...axis} width={72} tickFormatter={(ms: number) => formatDuration(ms)} />
            <Tooltip formatter={(value) => formatDuration(Number(value))} />
            <Legend formatter={legendText} />
            <Line dataKey="waitP50" name="Wait p50" stroke={COLORS.waitP50} dot={{ r: 2 }} connectNulls isAnimationActive={false} />
            <Line dataKey="waitP95" name="Wait p95" stroke={COLORS.waitP95} strokeDasharray="4 3" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
            <Line dataKey="runP50" name="Run p50" stroke={COLORS.runP50} dot={{ r: 2 }} connectNulls isAnimationActive={false} />
            <Line dataKey="runP95" name="Run p95" stroke={COLORS.runP95} strokeDasharray="4 3" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </ChartFigure>

      <ChartFigure
        id="failure-rate"
        title="Failure rate"
        summary={totals.succeeded + totals.failed === 0 ? 'No job ran to an outcome in this window.' : `${formatPercent(totals.failed / (totals.succeeded + totals.failed))} of the jobs that ran failed (failed ÷ succeeded + failed). Worst ${per}: ${worst?.label ?? '—'} (${formatPercent(worst?.failureRate)}).`}
        table={<DataTable caption={`Failure rate per ${per}`} columns={[unit, 'Failure rate']} rows={data.map((p) => [p.label, formatPercent(p.failureRate)])} />}
      >
        <ResponsiveContainer width="100%" height="100%" initialDimension={INITIAL}>
          <LineChart data={data.map((p) => ({ ...p, percent: p.failureRate === null ? null : p.failureRate * 100 }))} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="label" {...axis} minTickGap={16} />
            <YAxis {...axis} width={40} domain={[0, 100]} unit="%" />
            <Tooltip formatter={(value) => `${Number(value).toFixed(1)}%`} />
            <Line dataKey="percent" name="Failure rate" stroke={COLORS.rate} dot={{ r: 2 }} connectNulls isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </ChartFigure>

      <ChartFigure
        id="cost"
        title={`Cost per ${per}`}
        summary={totals.cost === 0 ? 'Nothing spent in this window.' : `${formatCents(totals.cost)} in this window. Most expensive ${per}: ${priciest!.label} (${formatCents(priciest!.costCents)}).`}
        table={<DataTable caption={`Cost per ${per}`} columns={[unit, 'Cost']} rows={data.map((p) => [p.label, formatCents(p.costCents)])} />}
      >
        <ResponsiveContainer width="100%" height="100%" initialDimension={INITIAL}>
          <BarChart data={data.map((p) => ({ ...p, dollars: p.costCents / 100 }))} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="label" {...axis} minTickGap={16} />
            <YAxis {...axis} width={64} tickFormatter={(dollars: number) => formatCents(dollars * 100)} />
            <Tooltip formatter={(value) => formatCents(Number(value) * 100)} />
            <Bar dataKey="dollars" name="Cost" fill={COLORS.cost} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </ChartFigure>
    </div>
  );
}
