-- The dashboard at a million jobs (issue 12, scale): indexes for every hot order, and rollups the database
-- maintains where a scan would grow with the account (docs/GENERATION_JOBS_SCHEMA.md, "Rollups").
--
-- * Indexes: (user_id, created_at desc, id desc) for recent jobs and the unfiltered list,
--   (project_id, user_id, created_at desc, id desc) for the project list (keyset on created_at, id), and
--   (user_id, status, created_at desc, id desc) include (project_id) for the status list and per-status
--   lookups (replaces the statistics index).
--   The foreign keys keep their indexes on exactly their columns (Supabase's unindexed_foreign_keys lint).
-- * Schema job_rollups (not exposed by the API): counters per (user, project, status) for statistics, total
--   costs and the summary view; per (user, hour, mode) finished jobs and cost, and latency histograms per
--   (user, hour, kind, mode, bin) and per (user, day, kind, bin) (all modes), for the metrics. Rows carry a `shard` (the writing backend's pid
--   modulo 8): concurrent workers rarely touch the same row, so they do not queue behind each other's
--   locks; readers sum the shards; the worker folds shards together periodically
--   (job_queue.compact_job_rollups, 20261130120200_job_archival.sql).
-- * Maintained by statement-level triggers with transition tables on generation_jobs and
--   generation_jobs_archive: every statement adds what its new rows contribute and subtracts what its old
--   rows contributed, one upsert per rollup table (one row per group touched). The rollups are therefore a
--   function of the rows of both tables, whoever writes, whatever the order: inserts, transitions, retries,
--   deletes, cascades, and archival (a move subtracts from one table and adds the same to the other).
--   After a bulk change with triggers disabled, run job_rollups.rebuild().
-- * get_job_statistics() and the view generation_job_summary read the rollups (same signatures and results,
--   archived jobs included). The summary's last_created_at starts from a per-group hint the rollup keeps
--   (the newest creation time ever added to the group, an upper bound) and reads the newest job at or
--   before it: one index entry when that job is still in the group.

-- ---------------------------------------------------------------------------------------------------
-- Indexes for the hot orders
-- ---------------------------------------------------------------------------------------------------

create index generation_jobs_user_created_idx on public.generation_jobs (user_id, created_at desc, id desc);
create index generation_jobs_project_created_idx on public.generation_jobs (project_id, user_id, created_at desc, id desc);
create index generation_jobs_user_status_created_idx on public.generation_jobs (user_id, status, created_at desc, id desc)
  include (project_id);
-- Statistics come from the rollups now; the status lookups use the index above.
drop index public.generation_jobs_user_id_status_idx;

-- ---------------------------------------------------------------------------------------------------
-- Rollup tables
-- ---------------------------------------------------------------------------------------------------

create schema job_rollups;
comment on schema job_rollups is
  'Aggregates of generation_jobs and generation_jobs_archive maintained by triggers (statistics, costs, metrics). '
  'Not exposed by the API; read through get_job_statistics(), generation_job_summary and the metrics functions.';
revoke all on schema job_rollups from public;
grant usage on schema job_rollups to authenticated, service_role;

-- Jobs and cost per (user, project, status).
create table job_rollups.status_totals (
  user_id uuid not null,
  project_id uuid not null,
  status text not null,
  shard smallint not null,
  job_count bigint not null default 0,
  cost_cents bigint not null default 0,
  -- The newest created_at ever added to the group through this shard: an upper bound of the group's newest.
  last_created_at timestamptz,
  constraint status_totals_pkey primary key (user_id, project_id, status, shard)
);

comment on table job_rollups.status_totals is
  'Jobs and their cost per user, project and status (live and archived). Sum over shard; last_created_at: max over '
  'shard is an upper bound of the newest job''s creation time (the summary view starts its lookup there).';

-- Finished jobs and their cost per (user, UTC hour of finished_at, mode).
create table job_rollups.mode_hours (
  user_id uuid not null,
  hour timestamptz not null,
  mode text not null,
  shard smallint not null,
  succeeded bigint not null default 0,
  failed bigint not null default 0,
  canceled bigint not null default 0,
  cost_cents bigint not null default 0,
  constraint mode_hours_pkey primary key (user_id, hour, mode, shard)
);

comment on table job_rollups.mode_hours is
  'Finished jobs per user, UTC hour of finished_at and mode: outcome counts and cost. Sum over shard.';

-- Latency histograms: per (user, bucket, kind, mode, bin) the number of jobs and the sum of their durations.
-- Buckets are UTC hours per mode (width 'hour') and UTC days over all modes (width 'day', mode '*': long
-- charts read 24 times fewer rows). Bins: exact below 32 ms; above, 16 bins per power of two (each at most
-- 1/16 = 6.25% wide). The primary key covers the counts, so reads are index-only.
create table job_rollups.latency_bins (
  user_id uuid not null,
  width text not null,
  bucket timestamptz not null,
  kind text not null,
  mode text not null,
  bin smallint not null,
  shard smallint not null,
  jobs integer not null default 0,
  ms_sum bigint not null default 0,
  constraint latency_bins_pkey primary key (user_id, width, bucket, kind, mode, bin, shard) include (jobs, ms_sum),
  constraint latency_bins_width_check check (width in ('hour', 'day')),
  constraint latency_bins_kind_check check (kind in ('queue_wait', 'run_time'))
);

comment on table job_rollups.latency_bins is
  'Histograms of queue wait (started_at - run_at of the final attempt) and run time (finished_at - started_at) of '
  'finished jobs, per user, UTC hour (per mode) or day (mode *) of finished_at, and kind. Sum over shard.';

alter table job_rollups.status_totals enable row level security;
alter table job_rollups.mode_hours enable row level security;
alter table job_rollups.latency_bins enable row level security;

create policy "Users can read their own job totals"
  on job_rollups.status_totals for select to authenticated
  using ((select auth.uid()) = user_id);
create policy "Users can read their own hourly job metrics"
  on job_rollups.mode_hours for select to authenticated
  using ((select auth.uid()) = user_id);
create policy "Users can read their own latency histograms"
  on job_rollups.latency_bins for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on job_rollups.status_totals, job_rollups.mode_hours, job_rollups.latency_bins from public, anon;
grant select on job_rollups.status_totals, job_rollups.mode_hours, job_rollups.latency_bins to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------
-- Maintenance: one function applies signed row contributions; the triggers feed it
-- ---------------------------------------------------------------------------------------------------

-- What a job row contributes: sign +1 for a row that appeared, -1 for one that went away.
create type job_rollups.job_change as (
  sign integer,
  user_id uuid,
  project_id uuid,
  status text,
  mode text,
  cost_cents bigint,
  created_at timestamptz,
  run_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz
);

-- One upsert per rollup table, rows in key order (concurrent writers lock them in the same order).
-- Metrics count finished jobs (finished_at set) in the UTC hour they finished. Queue wait: started_at - run_at
-- of the final attempt, for finished jobs whose final attempt started (started_at >= run_at: a job waiting for
-- a retry, or canceled while it waited, has an older started_at). Run time: finished_at - started_at of that
-- attempt, for succeeded and failed jobs.
create function job_rollups.apply_changes(changes job_rollups.job_change[])
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  my_shard constant smallint := (pg_catalog.pg_backend_pid() % 8)::smallint;
begin
  if coalesce(cardinality(changes), 0) = 0 then
    return;
  end if;

  insert into job_rollups.status_totals as t (user_id, project_id, status, shard, job_count, cost_cents, last_created_at)
  select c.user_id, c.project_id, c.status, my_shard, sum(c.sign), sum(c.sign * c.cost_cents),
         max(c.created_at) filter (where c.sign > 0)
  from unnest(changes) c
  group by c.user_id, c.project_id, c.status
  having sum(c.sign) <> 0 or sum(c.sign * c.cost_cents) <> 0 or bool_or(c.sign > 0)
  order by c.user_id, c.project_id, c.status
  on conflict (user_id, project_id, status, shard) do update
    set job_count = t.job_count + excluded.job_count,
        cost_cents = t.cost_cents + excluded.cost_cents,
        last_created_at = greatest(t.last_created_at, excluded.last_created_at);

  insert into job_rollups.mode_hours as t (user_id, hour, mode, shard, succeeded, failed, canceled, cost_cents)
  select c.user_id, date_trunc('hour', c.finished_at, 'UTC'), c.mode, my_shard,
         coalesce(sum(c.sign) filter (where c.status = 'succeeded'), 0),
         coalesce(sum(c.sign) filter (where c.status = 'failed'), 0),
         coalesce(sum(c.sign) filter (where c.status = 'canceled'), 0),
         sum(c.sign * c.cost_cents)
  from unnest(changes) c
  where c.status in ('succeeded', 'failed', 'canceled') and c.finished_at is not null
  group by c.user_id, date_trunc('hour', c.finished_at, 'UTC'), c.mode
  having sum(c.sign) <> 0 or sum(c.sign * c.cost_cents) <> 0
  order by 1, 2, 3
  on conflict (user_id, hour, mode, shard) do update
    set succeeded = t.succeeded + excluded.succeeded,
        failed = t.failed + excluded.failed,
        canceled = t.canceled + excluded.canceled,
        cost_cents = t.cost_cents + excluded.cost_cents;

  insert into job_rollups.latency_bins as t (user_id, width, bucket, kind, mode, bin, shard, jobs, ms_sum)
  select c.user_id, w.width, date_trunc(w.width, c.finished_at, 'UTC'), s.kind, case w.width when 'hour' then c.mode else '*' end,
         -- Exact below 32 ms; above, 16 bins per power of two. e = floor(log2(ms)), corrected for rounding.
         (case when s.ms < 32 then s.ms
               else 32 + (e.e - 5) * 16 + ((s.ms >> (e.e - 4)) - 16)
          end)::smallint as bin,
         my_shard, sum(c.sign), sum(c.sign * s.ms)
  from unnest(changes) c
  cross join lateral (
    select 'queue_wait' as kind,
           greatest(round(extract(epoch from c.started_at - c.run_at) * 1000), 0)::bigint as ms
    union all
    select 'run_time',
           greatest(round(extract(epoch from c.finished_at - c.started_at) * 1000), 0)::bigint
    where c.status in ('succeeded', 'failed')
  ) s
  cross join lateral (select floor(ln(greatest(s.ms, 1)::float8) / ln(2::float8))::integer as f) f
  cross join lateral (
    select case
             when s.ms >= (1::bigint << (f.f + 1)) then f.f + 1
             when s.ms < (1::bigint << f.f) then f.f - 1
             else f.f
           end as e
  ) e
  cross join (values ('hour'), ('day')) w(width)
  where c.status in ('succeeded', 'failed', 'canceled')
    and c.finished_at is not null
    and c.started_at is not null
    and c.started_at >= c.run_at
  group by 1, 2, 3, 4, 5, 6
  having sum(c.sign) <> 0 or sum(c.sign * s.ms) <> 0
  order by 1, 2, 3, 4, 5, 6
  on conflict (user_id, width, bucket, kind, mode, bin, shard) do update
    set jobs = t.jobs + excluded.jobs,
        ms_sum = t.ms_sum + excluded.ms_sum;
end;
$$;

comment on function job_rollups.apply_changes(job_rollups.job_change[]) is
  'Adds signed job contributions to the rollups (one upsert per table, in key order). Called by the triggers '
  'of generation_jobs and generation_jobs_archive, and by rebuild().';

-- AFTER INSERT / UPDATE / DELETE statement trigger of generation_jobs and generation_jobs_archive. Updates
-- that change nothing a rollup reads (heartbeats, leases, params) contribute nothing.
create function job_rollups.track_job_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform job_rollups.apply_changes(array(
      select row(1, n.user_id, n.project_id, n.status, n.mode, n.cost_cents, n.created_at, n.run_at, n.started_at, n.finished_at)::job_rollups.job_change
      from new_rows n));
  elsif tg_op = 'DELETE' then
    perform job_rollups.apply_changes(array(
      select row(-1, o.user_id, o.project_id, o.status, o.mode, o.cost_cents, o.created_at, o.run_at, o.started_at, o.finished_at)::job_rollups.job_change
      from old_rows o));
  else
    perform job_rollups.apply_changes(array(
      select c
      from old_rows o
      join new_rows n on n.id = o.id
      cross join lateral (values
        (row(-1, o.user_id, o.project_id, o.status, o.mode, o.cost_cents, o.created_at, o.run_at, o.started_at, o.finished_at)::job_rollups.job_change),
        (row(1, n.user_id, n.project_id, n.status, n.mode, n.cost_cents, n.created_at, n.run_at, n.started_at, n.finished_at)::job_rollups.job_change)
      ) as v(c)
      where (o.user_id, o.project_id, o.status, o.mode, o.cost_cents, o.created_at, o.run_at, o.started_at, o.finished_at)
            is distinct from (n.user_id, n.project_id, n.status, n.mode, n.cost_cents, n.created_at, n.run_at, n.started_at, n.finished_at)));
  end if;
  return null;
end;
$$;

comment on function job_rollups.track_job_changes() is
  'Statement trigger of generation_jobs and generation_jobs_archive: keeps the job_rollups tables equal to an '
  'aggregate of both tables (new rows added, old rows subtracted).';

-- Recomputes every rollup from both tables (after a bulk load or repair with triggers disabled). Locks both
-- tables against writes meanwhile; feeds apply_changes() in chunks, so there is one definition of the rollups.
create function job_rollups.rebuild()
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  last_id uuid := null;
  chunk job_rollups.job_change[];
  ids uuid[];
begin
  lock table public.generation_jobs, public.generation_jobs_archive in share mode;
  truncate job_rollups.status_totals, job_rollups.mode_hours, job_rollups.latency_bins;
  for pass in 1..2 loop
    last_id := null;
    loop
      if pass = 1 then
        select array_agg(c order by id), array_agg(id order by id) into chunk, ids from (
          select j.id, row(1, j.user_id, j.project_id, j.status, j.mode, j.cost_cents, j.created_at, j.run_at, j.started_at, j.finished_at)::job_rollups.job_change as c
          from public.generation_jobs j where last_id is null or j.id > last_id order by j.id limit 20000) x;
      else
        select array_agg(c order by id), array_agg(id order by id) into chunk, ids from (
          select j.id, row(1, j.user_id, j.project_id, j.status, j.mode, j.cost_cents, j.created_at, j.run_at, j.started_at, j.finished_at)::job_rollups.job_change as c
          from public.generation_jobs_archive j where last_id is null or j.id > last_id order by j.id limit 20000) x;
      end if;
      exit when chunk is null;
      perform job_rollups.apply_changes(chunk);
      last_id := ids[cardinality(ids)];
    end loop;
  end loop;
end;
$$;

comment on function job_rollups.rebuild() is
  'Recomputes the job_rollups tables from generation_jobs and generation_jobs_archive (run after bulk changes made with triggers disabled).';

-- TRUNCATE has no transition table: recompute.
create function job_rollups.rebuild_after_truncate()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform job_rollups.rebuild();
  return null;
end;
$$;

revoke execute on all functions in schema job_rollups from public, anon, authenticated, service_role;

create trigger generation_jobs_rollup_inserts
  after insert on public.generation_jobs
  referencing new table as new_rows
  for each statement execute function job_rollups.track_job_changes();
create trigger generation_jobs_rollup_updates
  after update on public.generation_jobs
  referencing old table as old_rows new table as new_rows
  for each statement execute function job_rollups.track_job_changes();
create trigger generation_jobs_rollup_deletes
  after delete on public.generation_jobs
  referencing old table as old_rows
  for each statement execute function job_rollups.track_job_changes();
create trigger generation_jobs_rollup_truncate
  after truncate on public.generation_jobs
  for each statement execute function job_rollups.rebuild_after_truncate();

create trigger generation_jobs_archive_rollup_inserts
  after insert on public.generation_jobs_archive
  referencing new table as new_rows
  for each statement execute function job_rollups.track_job_changes();
create trigger generation_jobs_archive_rollup_updates
  after update on public.generation_jobs_archive
  referencing old table as old_rows new table as new_rows
  for each statement execute function job_rollups.track_job_changes();
create trigger generation_jobs_archive_rollup_deletes
  after delete on public.generation_jobs_archive
  referencing old table as old_rows
  for each statement execute function job_rollups.track_job_changes();
create trigger generation_jobs_archive_rollup_truncate
  after truncate on public.generation_jobs_archive
  for each statement execute function job_rollups.rebuild_after_truncate();

-- The rows that exist now.
select job_rollups.rebuild();

-- ---------------------------------------------------------------------------------------------------
-- The seed's statistics function and summary view, from the rollups (same signatures and results)
-- ---------------------------------------------------------------------------------------------------

create or replace function public.get_job_statistics()
returns table (status text, job_count bigint, total_cost_cents bigint, avg_cost_cents numeric)
language sql
stable
security invoker
set search_path = ''
as $$
  -- One row per status (zeros included), in display order, over the caller's jobs (live and archived).
  with mine as (
    select t.status, sum(t.job_count) as job_count, sum(t.cost_cents) as total_cost_cents
    from job_rollups.status_totals t
    where t.user_id = (select auth.uid())
    group by t.status
  )
  select s.status,
         coalesce(m.job_count, 0)::bigint,
         coalesce(m.total_cost_cents, 0)::bigint,
         coalesce(round(m.total_cost_cents::numeric / nullif(m.job_count, 0), 2), 0)::numeric
  from public.job_statuses s
  left join mine m on m.status = s.status
  order by s.sort_order;
$$;

comment on function public.get_job_statistics() is
  'Caller''s jobs per status (every status, zeros included), live and archived: job_count, total_cost_cents, '
  'avg_cost_cents (2 decimals). Reads job_rollups.status_totals.';

create or replace view public.generation_job_summary
with (security_invoker = true)
as
select
  g.user_id,
  g.project_id,
  g.status,
  g.job_count,
  g.total_cost_cents,
  g.avg_cost_cents,
  greatest(live.created_at, archived.created_at) as last_created_at
from (
  select t.user_id, t.project_id, t.status,
         sum(t.job_count)::bigint as job_count,
         sum(t.cost_cents)::bigint as total_cost_cents,
         round(sum(t.cost_cents)::numeric / sum(t.job_count), 2) as avg_cost_cents,
         max(t.last_created_at) as newest_at_most
  from job_rollups.status_totals t
  group by t.user_id, t.project_id, t.status
  having sum(t.job_count) > 0
) g
-- The group's newest live job: the first entry at or before the hint (usually the hint's own job).
left join lateral (
  select j.created_at
  from public.generation_jobs j
  where j.user_id = g.user_id and j.status = g.status and j.project_id = g.project_id
    and (g.newest_at_most is null or j.created_at <= g.newest_at_most)
  order by j.created_at desc
  limit 1
) live on true
left join lateral (
  select max(a.created_at) as created_at
  from public.generation_jobs_archive a
  where a.user_id = g.user_id and a.status = g.status and a.project_id = g.project_id
) archived on true;

comment on view public.generation_job_summary is
  'Jobs per user, project and status (live and archived): count, total and average cost, newest creation time. '
  'RLS of generation_jobs and its archive applies.';
