-- Archive of finished generation jobs (issue 11, archival). Jobs that finished longer ago than the retention
-- period (job_queue.settings.archive_retention, default 90 days) move here in batches
-- (job_queue.archive_finished_jobs, run by the worker's scheduler: 20261130120200_job_archival.sql).
--
-- * Same columns as generation_jobs (plus archived_at), same owner-only RLS, read and delete by the owner
--   through the API; nobody inserts or updates through the API (the service role included).
-- * Links survive the move: the project, owner and assets keep their composite foreign keys (cascades and
--   set-null behave as on the live table); retry_of stays a plain uuid (it may point at a live or an archived
--   job); job_events keep their rows (no foreign key).
-- * Statistics, total costs, the summary view and the metrics count archived jobs too: the rollups
--   (20261130120100_job_rollups.sql) are maintained on both tables, so a move changes none of them.

create table public.generation_jobs_archive (
  like public.generation_jobs including constraints including comments,
  archived_at timestamptz not null default now(),
  constraint generation_jobs_archive_pkey primary key (id),
  -- Only finished jobs are archived.
  constraint generation_jobs_archive_status_check check (status in ('succeeded', 'failed', 'canceled')),
  constraint generation_jobs_archive_user_id_fkey foreign key (user_id)
    references auth.users (id) on delete cascade,
  constraint generation_jobs_archive_project_id_fkey foreign key (project_id, user_id)
    references public.projects (id, user_id) on delete cascade,
  constraint generation_jobs_archive_input_asset_id_fkey foreign key (input_asset_id, project_id, user_id)
    references public.assets (id, project_id, user_id) on delete set null (input_asset_id),
  constraint generation_jobs_archive_output_asset_id_fkey foreign key (output_asset_id, project_id, user_id)
    references public.assets (id, project_id, user_id) on delete set null (output_asset_id)
);

comment on table public.generation_jobs_archive is
  'Finished generation jobs moved out of generation_jobs after the retention period (job_queue.settings). '
  'Same columns and owner-only RLS; statistics, costs and metrics still count them. Read and deleted by '
  'their owner; written only by archival.';
comment on column public.generation_jobs_archive.archived_at is 'When archival moved the job here.';
comment on column public.generation_jobs_archive.retry_of is
  'The failed or canceled job this one retried: a live or an archived job (no foreign key, so the link survives archival).';

-- Foreign-key indexes (exactly the keys' columns), the archive list (keyset on created_at, id) and the
-- summary view's newest job per (user, status, project).
create index generation_jobs_archive_user_id_idx on public.generation_jobs_archive (user_id);
create index generation_jobs_archive_project_id_idx on public.generation_jobs_archive (project_id, user_id);
create index generation_jobs_archive_input_asset_id_idx on public.generation_jobs_archive (input_asset_id, project_id, user_id)
  where input_asset_id is not null;
create index generation_jobs_archive_output_asset_id_idx on public.generation_jobs_archive (output_asset_id, project_id, user_id)
  where output_asset_id is not null;
create index generation_jobs_archive_user_created_idx on public.generation_jobs_archive (user_id, created_at desc, id desc);
create index generation_jobs_archive_user_status_project_idx on public.generation_jobs_archive (user_id, status, project_id, created_at desc);

alter table public.generation_jobs_archive enable row level security;

create policy "Users can view their own archived generation jobs"
  on public.generation_jobs_archive for select to authenticated
  using ((select auth.uid()) = user_id);

create policy "Users can delete their own archived generation jobs"
  on public.generation_jobs_archive for delete to authenticated
  using ((select auth.uid()) = user_id);

revoke all on public.generation_jobs_archive from anon;
revoke insert, update, truncate, references, trigger on public.generation_jobs_archive from authenticated, service_role;
grant select, delete on public.generation_jobs_archive to authenticated, service_role;
