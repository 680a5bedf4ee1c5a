-- Monitoring (issue 12): metrics per mode, a time series for charts, live workers and stuck jobs, for the
-- signed-in caller (docs/GENERATION_JOBS_SCHEMA.md, "Monitoring").
--
-- The metrics read the rollups (20261130120100_job_rollups.sql), so they cost the same for 10 jobs or 500,000,
-- and count archived jobs too. A finished job counts in the UTC hour of its finished_at; a window takes the
-- whole hours (or days) that overlap [since, until). Percentiles are nearest-rank over the latency histograms:
-- the value reported is the mean of the durations in the bin holding that rank (exact below 32 ms; above, the
-- bin is at most 6.25% wide, so the value is within 6.25% of the exact percentile, and exact when the bin's
-- durations are equal).

-- The caller's latency percentiles, set-based: histograms of width `p_width` in [p_from, p_to), of one mode
-- or all, summed per time step (`p_step`: 'hour', 'day', or null for the whole window) and per mode (or all
-- modes together), then the nearest-rank p50 and p95 of each: the mean duration of the bin holding the rank.
create function job_rollups.latency_percentiles(
  p_width text, p_from timestamptz, p_to timestamptz, p_mode text, p_by_mode boolean, p_step text
)
returns table (bucket timestamptz, mode text, kind text, p50 bigint, p95 bigint)
language sql
stable
security invoker
set search_path = ''
-- Hash the bins (thousands of rows) rather than sort them; only the grouped bins are sorted, for the ranks.
set enable_sort = off
as $$
  with bins as (
    select case when p_step is null then null else date_trunc(p_step, b.bucket, 'UTC') end as bucket,
           case when p_by_mode then b.mode end as mode,
           b.kind, b.bin, sum(b.jobs)::integer as n, sum(b.ms_sum::float8) as ms
    from job_rollups.latency_bins b
    where b.user_id = (select auth.uid()) and b.width = p_width and b.bucket >= p_from and b.bucket < p_to
      and (p_mode is null or b.mode = p_mode)
    group by 1, 2, 3, 4
    having sum(b.jobs) > 0
  ),
  ranked as (
    select bins.*,
           sum(bins.n) over (partition by bins.bucket, bins.mode, bins.kind order by bins.bin) as cum,
           sum(bins.n) over (partition by bins.bucket, bins.mode, bins.kind) as total
    from bins
  )
  -- Nearest rank: the bin whose cumulative count first reaches ceil(p * total), that is the one bin where
  -- cum >= p * total > cum - n (in integers: no ordering needed to find it).
  select r.bucket, r.mode, r.kind,
         max(round((r.ms / r.n)::numeric)::bigint) filter (where r.cum * 2 >= r.total and (r.cum - r.n) * 2 < r.total),
         max(round((r.ms / r.n)::numeric)::bigint) filter (where r.cum * 20 >= r.total * 19 and (r.cum - r.n) * 20 < r.total * 19)
  from ranked r
  group by r.bucket, r.mode, r.kind;
$$;

comment on function job_rollups.latency_percentiles(text, timestamptz, timestamptz, text, boolean, text) is
  'Nearest-rank p50 and p95 of the caller''s latency histograms (queue_wait, run_time), per time step and mode.';

revoke execute on function job_rollups.latency_percentiles(text, timestamptz, timestamptz, text, boolean, text) from public, anon;
grant execute on function job_rollups.latency_percentiles(text, timestamptz, timestamptz, text, boolean, text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------
-- get_job_metrics(since, until): per mode
-- ---------------------------------------------------------------------------------------------------

create function public.get_job_metrics(
  since timestamptz default now() - interval '24 hours',
  until timestamptz default now()
)
returns table (
  mode text,
  jobs bigint,
  succeeded bigint,
  failed bigint,
  canceled bigint,
  failure_rate numeric,
  queue_wait_p50_ms bigint,
  queue_wait_p95_ms bigint,
  run_time_p50_ms bigint,
  run_time_p95_ms bigint,
  cost_cents bigint
)
language sql
stable
security invoker
set search_path = ''
as $$
  with bounds as (
    select date_trunc('hour', coalesce(since, now() - interval '24 hours'), 'UTC') as first_hour,
           coalesce(until, now()) as stop
  ),
  counts as (
    select h.mode, sum(h.succeeded) as succeeded, sum(h.failed) as failed, sum(h.canceled) as canceled, sum(h.cost_cents) as cost_cents
    from job_rollups.mode_hours h, bounds
    where h.user_id = (select auth.uid()) and h.hour >= bounds.first_hour and h.hour < bounds.stop
    group by h.mode
  ),
  latency as (
    select l.* from bounds cross join lateral job_rollups.latency_percentiles('hour', bounds.first_hour, bounds.stop, null, true, null) l
  )
  select c.mode,
         (c.succeeded + c.failed + c.canceled)::bigint,
         c.succeeded::bigint, c.failed::bigint, c.canceled::bigint,
         round(c.failed::numeric / nullif(c.succeeded + c.failed, 0), 4),
         w.p50, w.p95, r.p50, r.p95,
         c.cost_cents::bigint
  from counts c
  left join latency w on w.mode = c.mode and w.kind = 'queue_wait'
  left join latency r on r.mode = c.mode and r.kind = 'run_time'
  where c.succeeded + c.failed + c.canceled <> 0 or c.cost_cents <> 0
  order by c.mode;
$$;

comment on function public.get_job_metrics(timestamptz, timestamptz) is
  'Caller''s finished jobs per mode in the UTC hours overlapping [since, until) (default: the last 24 hours), '
  'live and archived: outcomes, failure rate (failed / (succeeded + failed)), queue wait and run time p50/p95 '
  '(ms, from histograms), cost.';

-- ---------------------------------------------------------------------------------------------------
-- get_job_timeseries(since, until, granularity, job_mode): one row per hour or day, empty ones included
-- ---------------------------------------------------------------------------------------------------

create function public.get_job_timeseries(
  since timestamptz default now() - interval '24 hours',
  until timestamptz default now(),
  granularity text default 'hour',
  job_mode text default null
)
returns table (
  bucket_start timestamptz,
  jobs bigint,
  succeeded bigint,
  failed bigint,
  canceled bigint,
  failure_rate numeric,
  queue_wait_p50_ms bigint,
  queue_wait_p95_ms bigint,
  run_time_p50_ms bigint,
  run_time_p95_ms bigint,
  cost_cents bigint
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
#variable_conflict use_column
declare
  step interval;
  first_bucket timestamptz;
  stop timestamptz := coalesce(until, now());
begin
  if granularity is null or granularity not in ('hour', 'day') then
    raise exception 'granularity must be hour or day, not %', coalesce(granularity, 'null')
      using errcode = '22023';
  end if;
  step := case granularity when 'hour' then interval '1 hour' else interval '1 day' end;
  first_bucket := date_trunc(granularity, coalesce(since, now() - interval '24 hours'), 'UTC');
  if first_bucket >= stop then
    return;
  end if;
  if first_bucket + step * 1000 < stop then
    raise exception 'at most 1000 buckets per series (% to % by %)', first_bucket, stop, granularity
      using errcode = '22023', hint = 'Use a shorter window or granularity day.';
  end if;

  return query
  with buckets as (
    select g as start from generate_series(first_bucket, stop - interval '1 microsecond', step) g
  ),
  counts as (
    select date_trunc(granularity, h.hour, 'UTC') as start, sum(h.succeeded) as succeeded, sum(h.failed) as failed,
           sum(h.canceled) as canceled, sum(h.cost_cents) as cost_cents
    from job_rollups.mode_hours h
    where h.user_id = (select auth.uid()) and h.hour >= first_bucket and h.hour < stop
      and (job_mode is null or h.mode = job_mode)
    group by 1
  ),
  -- Days over all modes come from the daily histograms; a day of one mode, from its hours.
  latency as (
    select l.bucket as start, l.kind, l.p50, l.p95
    from job_rollups.latency_percentiles(
      case when granularity = 'day' and job_mode is null then 'day' else 'hour' end,
      first_bucket, stop, job_mode, false, granularity) l
  )
  select k.start,
         coalesce(c.succeeded + c.failed + c.canceled, 0)::bigint,
         coalesce(c.succeeded, 0)::bigint, coalesce(c.failed, 0)::bigint, coalesce(c.canceled, 0)::bigint,
         round(c.failed::numeric / nullif(c.succeeded + c.failed, 0), 4),
         w.p50, w.p95, r.p50, r.p95,
         coalesce(c.cost_cents, 0)::bigint
  from buckets k
  left join counts c on c.start = k.start
  left join latency w on w.start = k.start and w.kind = 'queue_wait'
  left join latency r on r.start = k.start and r.kind = 'run_time'
  order by k.start;
end;
$$;

comment on function public.get_job_timeseries(timestamptz, timestamptz, text, text) is
  'Caller''s finished jobs per UTC hour or day (granularity) overlapping [since, until), every bucket included '
  '(at most 1000), optionally of one mode: the same figures as get_job_metrics, per bucket.';

-- ---------------------------------------------------------------------------------------------------
-- get_live_workers(): what the worker processes are doing, without anyone else's jobs
-- ---------------------------------------------------------------------------------------------------

-- Security definer: job_queue.workers is not readable through the API. It exposes an opaque label per
-- worker (not its host, pid or id), its providers, concurrency and load, and only the caller's job ids.
create function public.get_live_workers(stale_after interval default interval '1 minute')
returns table (
  worker text,
  state text,
  providers text[],
  concurrency integer,
  running_jobs integer,
  started_at timestamptz,
  last_seen_at timestamptz,
  my_job_ids uuid[]
)
language sql
stable
security definer
set search_path = ''
as $$
  select 'worker-' || left(md5(w.id), 8),
         case
           when w.stopped_at is not null then 'stopped'
           when w.last_seen_at >= now() - coalesce(stale_after, interval '1 minute') then 'alive'
           else 'stale'
         end,
         w.providers,
         w.concurrency,
         coalesce(cardinality(w.running_job_ids), 0),
         w.started_at,
         w.last_seen_at,
         array(
           select j.id
           from unnest(w.running_job_ids) as r(id)
           join public.generation_jobs j on j.id = r.id
           where j.user_id = (select auth.uid())
           order by j.id)
  from job_queue.workers w
  where coalesce(w.stopped_at, w.last_seen_at) >= now() - interval '1 hour'
  order by w.started_at, w.id;
$$;

comment on function public.get_live_workers(interval) is
  'Worker processes seen in the last hour: an opaque label, state (alive: a heartbeat within stale_after; stale; '
  'stopped), providers, concurrency, jobs running, and which of them are the caller''s.';

-- ---------------------------------------------------------------------------------------------------
-- get_stuck_jobs(): the caller's jobs that need attention
-- ---------------------------------------------------------------------------------------------------

create function public.get_stuck_jobs(waiting_after interval default interval '5 minutes', max_rows integer default 50)
returns table (
  id uuid,
  project_id uuid,
  mode text,
  provider text,
  status text,
  reason text,
  since timestamptz,
  attempts integer,
  max_attempts integer
)
language sql
stable
security invoker
set search_path = ''
as $$
  select s.id, s.project_id, s.mode, s.provider, s.status, s.reason, s.since, s.attempts, s.max_attempts
  from (
    select j.id, j.project_id, j.mode, j.provider, j.status,
           case when j.locked_until < now() then 'lease_expired' else 'over_timeout' end as reason,
           case when j.locked_until < now() then j.locked_until else j.started_at end as since,
           j.attempts, j.max_attempts
    from public.generation_jobs j
    left join public.generation_modes m on m.mode = j.mode and m.provider = j.provider
    where j.user_id = (select auth.uid()) and j.status = 'running' and j.provider <> 'manual'
      and (j.locked_until < now() or j.started_at + make_interval(secs => coalesce(m.timeout_seconds, 60)) < now())
    union all
    select j.id, j.project_id, j.mode, j.provider, j.status, 'waiting', j.run_at, j.attempts, j.max_attempts
    from public.generation_jobs j
    where j.user_id = (select auth.uid()) and j.status = 'queued' and j.provider <> 'manual'
      and j.run_at < now() - coalesce(waiting_after, interval '5 minutes')
  ) s
  order by s.since, s.id
  limit least(greatest(coalesce(max_rows, 50), 1), 500);
$$;

comment on function public.get_stuck_jobs(interval, integer) is
  'Caller''s jobs that need attention: running with an expired lease (lease_expired: its worker is gone), running '
  'past its mode''s timeout (over_timeout), or due for longer than waiting_after (waiting: no worker takes it). '
  'Oldest first, at most max_rows (1-500).';

revoke execute on function public.get_job_metrics(timestamptz, timestamptz) from public, anon;
revoke execute on function public.get_job_timeseries(timestamptz, timestamptz, text, text) from public, anon;
revoke execute on function public.get_live_workers(interval) from public, anon;
revoke execute on function public.get_stuck_jobs(interval, integer) from public, anon;
grant execute on function public.get_job_metrics(timestamptz, timestamptz) to authenticated, service_role;
grant execute on function public.get_job_timeseries(timestamptz, timestamptz, text, text) to authenticated, service_role;
grant execute on function public.get_live_workers(interval) to authenticated, service_role;
grant execute on function public.get_stuck_jobs(interval, integer) to authenticated, service_role;
