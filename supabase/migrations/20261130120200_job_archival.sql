-- Archival of finished jobs and upkeep of the rollups: two periodic tasks of the worker (docs/WORKER.md).
--
-- * job_queue.settings: one row of settings for the job system; archive_retention (default 90 days) and
--   archive_batch_size (default 1000).
-- * job_queue.archive_finished_jobs(limit, retention): moves one batch of jobs that finished before
--   now() - retention from generation_jobs to generation_jobs_archive. Batches are taken with
--   FOR UPDATE SKIP LOCKED, so workers running it at once move disjoint batches and each job moves once.
--   A job that a foreign key still points at (retry_of of a live job, or a row of any other table with a
--   foreign key to generation_jobs) is held back until nothing does: deleting it would cascade or set the
--   link to null. The references are looked up after the batch is locked, with a fresh snapshot (a retry
--   being created needs a key-share lock on the job, which the batch lock excludes).
--   While it deletes, the transaction-local setting job_queue.archiving is 'on': triggers that must not treat
--   archival as a deletion (a spend rollup, say) can test current_setting('job_queue.archiving', true).
-- * job_queue.compact_job_rollups(): folds the rollups' shards into shard 0 and drops rows that sum to zero.

create table job_queue.settings (
  singleton boolean primary key default true,
  archive_retention interval not null default interval '90 days',
  archive_batch_size integer not null default 1000,
  constraint settings_singleton_check check (singleton),
  constraint settings_archive_retention_check check (archive_retention >= interval '0'),
  constraint settings_archive_batch_size_check check (archive_batch_size between 1 and 10000)
);

comment on table job_queue.settings is 'Settings of the job system (one row). Change them as the database owner.';
comment on column job_queue.settings.archive_retention is 'Finished jobs older than this (by finished_at) move to generation_jobs_archive.';
comment on column job_queue.settings.archive_batch_size is 'Jobs moved per archival statement.';

insert into job_queue.settings default values;
revoke all on job_queue.settings from public;

create function job_queue.archive_finished_jobs(p_limit integer default null, p_retention interval default null)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  retention interval;
  batch integer;
  cutoff timestamptz;
  missing text;
  columns text;
  unreferenced text;
  candidates uuid[];
  moved integer;
begin
  select coalesce(p_retention, s.archive_retention), coalesce(p_limit, s.archive_batch_size)
    into retention, batch
  from job_queue.settings s;
  retention := coalesce(retention, p_retention, interval '90 days');
  batch := least(greatest(coalesce(batch, p_limit, 1000), 1), 10000);
  if retention < interval '0' then
    raise exception 'the archive retention must not be negative (got %)', retention using errcode = '22023';
  end if;
  cutoff := now() - retention;

  -- Every column of generation_jobs needs its place in the archive: refuse rather than lose data.
  select string_agg(format('%I', l.attname), ', ' order by l.attnum) filter (where a.attname is null),
         string_agg(format('%I', l.attname), ', ' order by l.attnum)
    into missing, columns
  from pg_catalog.pg_attribute l
  left join pg_catalog.pg_attribute a
    on a.attrelid = 'public.generation_jobs_archive'::regclass and a.attname = l.attname and a.attnum > 0 and not a.attisdropped
  where l.attrelid = 'public.generation_jobs'::regclass and l.attnum > 0 and not l.attisdropped;
  if missing is not null then
    raise exception 'generation_jobs_archive has no column % of generation_jobs', missing
      using errcode = '55000',
            hint = 'Add the column to public.generation_jobs_archive (same type) in the migration that adds it to generation_jobs.';
  end if;

  -- A batch of finished jobs, oldest first (created_at <= finished_at: the created_at index bounds the scan).
  -- Rows another transaction holds (a worker, a user deleting, another archiver) are skipped.
  select array_agg(j.id) into candidates
  from (
    select j.id
    from public.generation_jobs j
    where j.created_at < cutoff
      and j.status in ('succeeded', 'failed', 'canceled')
      and coalesce(j.finished_at, j.updated_at) < cutoff
    order by j.created_at
    limit batch
    for update skip locked
  ) j;
  if candidates is null then
    return 0;
  end if;

  -- Held back: jobs a foreign key points at (generation_jobs.retry_of, and whatever other tables reference it).
  select coalesce(string_agg(format(' and not exists (select 1 from %s r where %s)', k.conrelid::regclass, k.matches), ''), '')
    into unreferenced
  from (
    select c.conrelid,
           string_agg(format('r.%I = j.%I', fa.attname, ta.attname), ' and ' order by u.ord) as matches
    from pg_catalog.pg_constraint c
    cross join lateral unnest(c.conkey, c.confkey) with ordinality as u(fk_col, pk_col, ord)
    join pg_catalog.pg_attribute fa on fa.attrelid = c.conrelid and fa.attnum = u.fk_col
    join pg_catalog.pg_attribute ta on ta.attrelid = c.confrelid and ta.attnum = u.pk_col
    where c.contype = 'f' and c.confrelid = 'public.generation_jobs'::regclass
    group by c.oid, c.conrelid
  ) k;

  perform pg_catalog.set_config('job_queue.archiving', 'on', true);
  execute format(
    'with moved as (delete from public.generation_jobs j where j.id = any ($1)%s returning j.*) '
    'insert into public.generation_jobs_archive (%s) select %s from moved',
    unreferenced, columns, columns)
  using candidates;
  get diagnostics moved = row_count;
  perform pg_catalog.set_config('job_queue.archiving', '', true);
  return moved;
end;
$$;

comment on function job_queue.archive_finished_jobs(integer, interval) is
  'Moves one batch (p_limit, default job_queue.settings.archive_batch_size) of jobs that finished more than '
  'p_retention (default job_queue.settings.archive_retention) ago to generation_jobs_archive; returns how many moved. '
  'Safe to run from several workers at once (SKIP LOCKED); jobs a foreign key points at are held back.';

-- Folds every shard into shard 0 and drops rows that sum to zero. A writer racing with it either waits for
-- its row lock (and its addition is folded in) or finds the row gone and inserts a new one.
create function job_queue.compact_job_rollups()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  folded integer;
  total integer := 0;
begin
  with moved as (
    delete from job_rollups.status_totals t where t.shard <> 0 returning t.*
  )
  insert into job_rollups.status_totals as t (user_id, project_id, status, shard, job_count, cost_cents, last_created_at)
  select m.user_id, m.project_id, m.status, 0, sum(m.job_count), sum(m.cost_cents), max(m.last_created_at)
  from moved m group by 1, 2, 3 order by 1, 2, 3
  on conflict (user_id, project_id, status, shard) do update
    set job_count = t.job_count + excluded.job_count, cost_cents = t.cost_cents + excluded.cost_cents,
        last_created_at = greatest(t.last_created_at, excluded.last_created_at);
  get diagnostics folded = row_count;
  total := total + folded;
  delete from job_rollups.status_totals t where t.shard = 0 and t.job_count = 0 and t.cost_cents = 0;

  with moved as (
    delete from job_rollups.mode_hours t where t.shard <> 0 returning t.*
  )
  insert into job_rollups.mode_hours as t (user_id, hour, mode, shard, succeeded, failed, canceled, cost_cents)
  select m.user_id, m.hour, m.mode, 0, sum(m.succeeded), sum(m.failed), sum(m.canceled), sum(m.cost_cents)
  from moved m group by 1, 2, 3 order by 1, 2, 3
  on conflict (user_id, hour, mode, shard) do update
    set succeeded = t.succeeded + excluded.succeeded, failed = t.failed + excluded.failed,
        canceled = t.canceled + excluded.canceled, cost_cents = t.cost_cents + excluded.cost_cents;
  get diagnostics folded = row_count;
  total := total + folded;
  delete from job_rollups.mode_hours t
  where t.shard = 0 and t.succeeded = 0 and t.failed = 0 and t.canceled = 0 and t.cost_cents = 0;

  with moved as (
    delete from job_rollups.latency_bins t where t.shard <> 0 returning t.*
  )
  insert into job_rollups.latency_bins as t (user_id, width, bucket, kind, mode, bin, shard, jobs, ms_sum)
  select m.user_id, m.width, m.bucket, m.kind, m.mode, m.bin, 0, sum(m.jobs), sum(m.ms_sum)
  from moved m group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6
  on conflict (user_id, width, bucket, kind, mode, bin, shard) do update
    set jobs = t.jobs + excluded.jobs, ms_sum = t.ms_sum + excluded.ms_sum;
  get diagnostics folded = row_count;
  total := total + folded;
  delete from job_rollups.latency_bins t where t.shard = 0 and t.jobs = 0 and t.ms_sum = 0;

  return total;
end;
$$;

comment on function job_queue.compact_job_rollups() is
  'Folds the shards of the job_rollups tables into shard 0 and drops rows that sum to zero; returns the rows folded.';

revoke execute on function job_queue.archive_finished_jobs(integer, interval), job_queue.compact_job_rollups()
  from public, anon, authenticated, service_role;
grant execute on function job_queue.archive_finished_jobs(integer, interval), job_queue.compact_job_rollups() to job_worker;
