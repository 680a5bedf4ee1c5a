-- Generation jobs: one AI generation task of a user's project, with its status and cost.
--
-- The database is the last line of defence, whoever calls it (supabase-js, PostgREST PATCH, SQL editor,
-- service role): every rule below is enforced by constraints and by the BEFORE trigger
-- public.enforce_generation_job_rules(), not only by transition_job_status().
--
-- Status workflow (rules are rows of public.job_status_transitions):
--   queued -> running -> succeeded | failed        (succeeded and failed are terminal)
--
-- Errors a caller can cause, with stable SQLSTATEs (docs/GENERATION_JOBS_SCHEMA.md#error-codes):
--   PJ001  invalid status transition (incl. out of a terminal status, or to the status it already has)
--   PJ002  job not found (transition_job_status: no such job among the caller's)
--   PJ003  error_message rule: required (non-blank) when failing, forbidden otherwise
--   PJ004  project or input asset not the job owner's, or the asset is in another project
--   PJ005  immutable column changed (id, user_id, cost_cents, created_at)
--   PJ006  job locked: only a job in an initial status (queued) can have mode/project/asset edited
--   PJ007  a job must be created in an initial status (queued)
--   23502  user_id missing (no signed-in user and none given)
--   23514  check constraint (mode pattern, negative cost, unknown status) - backstops
--   23503  foreign key (composite ownership keys) - backstops
--   42501  row-level security / privilege (anon; writing another user's row)

-- ---------------------------------------------------------------------------------------------------
-- Status rules: reference data, extended by later migrations (e.g. a `canceled` status)
-- ---------------------------------------------------------------------------------------------------

create table public.job_statuses (
  status text primary key,
  -- Display order (dashboard, statistics).
  sort_order smallint not null,
  -- A job is created in an initial status, and only in that status may its inputs be edited.
  is_initial boolean not null default false,
  description text not null,
  constraint job_statuses_status_check check (status ~ '^[a-z][a-z_]{0,31}$'),
  constraint job_statuses_sort_order_key unique (sort_order)
);

comment on table public.job_statuses is
  'Statuses a generation job can have. Keep in sync with generation_jobs_status_check. '
  'A status with no outgoing row in job_status_transitions is terminal.';

create table public.job_status_transitions (
  from_status text not null references public.job_statuses (status),
  to_status text not null references public.job_statuses (status),
  constraint job_status_transitions_pkey primary key (from_status, to_status),
  constraint job_status_transitions_check check (from_status <> to_status)
);

comment on table public.job_status_transitions is
  'Allowed status changes of a generation job. Enforced by trigger for every UPDATE of generation_jobs.';

create index job_status_transitions_from_status_idx on public.job_status_transitions (from_status);
create index job_status_transitions_to_status_idx on public.job_status_transitions (to_status);

insert into public.job_statuses (status, sort_order, is_initial, description) values
  ('queued', 1, true, 'Waiting for a worker.'),
  ('running', 2, false, 'A worker is generating.'),
  ('succeeded', 3, false, 'Finished with a result (terminal).'),
  ('failed', 4, false, 'Finished with an error message (terminal).');

insert into public.job_status_transitions (from_status, to_status) values
  ('queued', 'running'),
  ('running', 'succeeded'),
  ('running', 'failed');

-- Readable by signed-in users (the dashboard shows exactly the allowed buttons); written by migrations only.
alter table public.job_statuses enable row level security;
alter table public.job_status_transitions enable row level security;

create policy "Signed-in users can read job statuses"
  on public.job_statuses for select to authenticated
  using (true);

create policy "Signed-in users can read job status transitions"
  on public.job_status_transitions for select to authenticated
  using (true);

revoke all on public.job_statuses, public.job_status_transitions from anon;
revoke insert, update, delete, truncate, references, trigger
  on public.job_statuses, public.job_status_transitions from authenticated;

-- ---------------------------------------------------------------------------------------------------
-- generation_jobs
-- ---------------------------------------------------------------------------------------------------

create table public.generation_jobs (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  project_id uuid not null,
  input_asset_id uuid,
  mode text not null,
  status text not null default 'queued',
  cost_cents integer not null default 0,
  error_message text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint generation_jobs_status_check
    check (status in ('queued', 'running', 'succeeded', 'failed')),
  -- A lowercase slug such as 'lifestyle', 'studio-white', 'background_removal': new modes need no migration.
  constraint generation_jobs_mode_check
    check (mode ~ '^[a-z][a-z0-9_-]*$' and char_length(mode) <= 40),
  constraint generation_jobs_cost_cents_check
    check (cost_cents >= 0),
  -- An error message exactly when failed: non-blank, at most 2000 characters.
  constraint generation_jobs_error_message_check
    check (
      case when status = 'failed'
        then error_message is not null and btrim(error_message) <> '' and char_length(error_message) <= 2000
        else error_message is null
      end
    ),
  -- The job's project belongs to the job's owner.
  constraint generation_jobs_project_id_fkey foreign key (project_id, user_id)
    references public.projects (id, user_id) on delete cascade,
  -- The input asset belongs to the job's owner and project; deleting the asset only detaches it.
  constraint generation_jobs_input_asset_id_fkey foreign key (input_asset_id, project_id, user_id)
    references public.assets (id, project_id, user_id) on delete set null (input_asset_id)
);

comment on table public.generation_jobs is
  'AI generation tasks with status tracking and cost. Status rules: public.job_status_transitions.';
comment on column public.generation_jobs.user_id is 'Owner; defaults to auth.uid(); cannot be changed.';
comment on column public.generation_jobs.project_id is 'A project of the owner; editable while queued.';
comment on column public.generation_jobs.input_asset_id is
  'Optional asset of the same project; editable while queued; set to null when the asset is deleted.';
comment on column public.generation_jobs.mode is
  'Generation mode: lowercase slug (letter first, then a-z 0-9 _ -), at most 40 characters.';
comment on column public.generation_jobs.status is 'queued, running, succeeded or failed.';
comment on column public.generation_jobs.cost_cents is 'Cost in cents, >= 0, fixed at creation.';
comment on column public.generation_jobs.error_message is 'Required (non-blank, <= 2000 chars) when failed, null otherwise.';

-- Six indexes. Foreign-key indexes have exactly the key's columns (Supabase linter: unindexed_foreign_keys).
create index generation_jobs_user_id_idx on public.generation_jobs (user_id);
create index generation_jobs_project_id_idx on public.generation_jobs (project_id, user_id);
create index generation_jobs_status_idx on public.generation_jobs (status, created_at);
create index generation_jobs_input_asset_id_idx on public.generation_jobs (input_asset_id, project_id, user_id)
  where input_asset_id is not null;
create index generation_jobs_created_at_idx on public.generation_jobs (created_at desc);
create index generation_jobs_user_id_status_idx on public.generation_jobs (user_id, status, created_at desc)
  include (cost_cents);

-- ---------------------------------------------------------------------------------------------------
-- Rules trigger
-- ---------------------------------------------------------------------------------------------------

create function public.enforce_generation_job_rules()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
  project_owner uuid;
  asset_owner uuid;
  asset_project uuid;
begin
  if tg_op = 'INSERT' then
    if new.user_id is null then
      raise exception 'generation_jobs.user_id is required: sign in, or pass user_id when using the service role'
        using errcode = '23502', column = 'user_id', table = 'generation_jobs', schema = 'public';
    end if;
    if not exists (select 1 from public.job_statuses s where s.status = new.status and s.is_initial) then
      raise exception 'a generation job must be created as queued, not %', coalesce(new.status, 'null')
        using errcode = 'PJ007',
              hint = 'Insert the job as queued, then move it with transition_job_status().';
    end if;
  else
    -- Columns fixed at creation.
    if new.id is distinct from old.id then
      raise exception 'generation_jobs.id cannot be changed' using errcode = 'PJ005';
    end if;
    if new.user_id is distinct from old.user_id then
      raise exception 'generation_jobs.user_id cannot be changed: a job keeps its owner'
        using errcode = 'PJ005';
    end if;
    if new.cost_cents is distinct from old.cost_cents then
      raise exception 'generation_jobs.cost_cents cannot be changed after creation (% -> %)', old.cost_cents, new.cost_cents
        using errcode = 'PJ005',
              hint = 'A job''s cost is fixed when it is created.';
    end if;
    if new.created_at is distinct from old.created_at then
      raise exception 'generation_jobs.created_at cannot be changed' using errcode = 'PJ005';
    end if;

    -- Status changes follow job_status_transitions (a terminal status has no way out).
    if new.status is distinct from old.status
       and not exists (
         select 1 from public.job_status_transitions t
         where t.from_status = old.status and t.to_status = new.status
       ) then
      if not exists (select 1 from public.job_status_transitions t where t.from_status = old.status) then
        raise exception 'job % is %, a terminal status: it cannot change any more', old.id, old.status
          using errcode = 'PJ001',
                hint = 'Create a new job to run the generation again.';
      end if;
      raise exception 'invalid status transition for job %: % -> %', old.id, old.status, coalesce(new.status, 'null')
        using errcode = 'PJ001',
              detail = format('Allowed from %s: %s.', old.status, (
                select string_agg(t.to_status, ', ' order by s.sort_order)
                from public.job_status_transitions t
                join public.job_statuses s on s.status = t.to_status
                where t.from_status = old.status)),
              hint = 'Statuses move queued -> running -> succeeded | failed.';
    end if;

    -- error_message only changes together with the status (failing sets it).
    if new.error_message is distinct from old.error_message and new.status is not distinct from old.status then
      raise exception 'error_message of job % can only be set when it moves to failed', old.id
        using errcode = 'PJ003';
    end if;

    -- Inputs can only be edited while the job waits in an initial status. The one exception is the
    -- input asset becoming null because the asset was deleted (ON DELETE SET NULL), at any status.
    if (new.mode is distinct from old.mode
        or new.project_id is distinct from old.project_id
        or (new.input_asset_id is distinct from old.input_asset_id
            and not (new.input_asset_id is null
                     and not exists (select 1 from public.assets a where a.id = old.input_asset_id))))
       and not exists (select 1 from public.job_statuses s where s.status = old.status and s.is_initial) then
      raise exception 'job % is %: its mode, project and input asset can only be edited while it is queued', old.id, old.status
        using errcode = 'PJ006';
    end if;
  end if;

  -- error_message exactly when failed (backstop: generation_jobs_error_message_check).
  if new.status = 'failed' then
    if new.error_message is null or btrim(new.error_message) = '' then
      raise exception 'an error message is required to mark job % as failed', new.id
        using errcode = 'PJ003',
              hint = 'Pass the reason, e.g. transition_job_status(job_id, ''failed'', ''Provider timed out'').';
    end if;
    if char_length(new.error_message) > 2000 then
      raise exception 'error_message is too long (% characters, at most 2000)', char_length(new.error_message)
        using errcode = 'PJ003';
    end if;
  elsif new.error_message is not null then
    raise exception 'error_message is only allowed on failed jobs (job % is %)', new.id, new.status
      using errcode = 'PJ003';
  end if;

  -- The project and input asset must be the owner's, and the asset must be in the job's project.
  -- Looked up with the caller's rights: under RLS another user's row reads as missing, so nothing leaks
  -- (backstop for callers that bypass RLS: the composite foreign keys).
  if tg_op = 'INSERT' or new.project_id is distinct from old.project_id then
    select p.user_id into project_owner from public.projects p where p.id = new.project_id;
    if project_owner is null or project_owner <> new.user_id then
      raise exception 'project % not found among the job owner''s projects', new.project_id
        using errcode = 'PJ004',
              hint = 'Use one of your own projects.';
    end if;
  end if;
  if new.input_asset_id is not null
     and (tg_op = 'INSERT'
          or new.input_asset_id is distinct from old.input_asset_id
          or new.project_id is distinct from old.project_id) then
    select a.user_id, a.project_id into asset_owner, asset_project
    from public.assets a where a.id = new.input_asset_id;
    if asset_owner is null or asset_owner <> new.user_id then
      raise exception 'input asset % not found among the job owner''s assets', new.input_asset_id
        using errcode = 'PJ004',
              hint = 'Use one of your own assets.';
    end if;
    if asset_project <> new.project_id then
      raise exception 'input asset % belongs to another project than the job''s project %', new.input_asset_id, new.project_id
        using errcode = 'PJ004',
              hint = 'Pick an asset of the same project.';
    end if;
  end if;

  return new;
end;
$$;

comment on function public.enforce_generation_job_rules() is
  'BEFORE INSERT/UPDATE trigger of generation_jobs: status transitions, immutable columns, error_message '
  'and ownership rules, with SQLSTATEs PJ001-PJ007.';

revoke execute on function public.enforce_generation_job_rules() from public, anon, authenticated;

-- Runs before generation_jobs_set_updated_at (triggers fire in name order).
create trigger generation_jobs_enforce_rules
  before insert or update on public.generation_jobs
  for each row execute function public.enforce_generation_job_rules();

-- An UPDATE that names status but keeps it (running -> running) is what the losers of a race of direct
-- UPDATEs end up doing once the winner has committed: refuse it, so exactly one of them wins, as with
-- transition_job_status(). Initial statuses are exempt so a whole-row PATCH of a queued job stays valid.
create function public.reject_repeated_job_status()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  if not exists (select 1 from public.job_statuses s where s.status = old.status and s.is_initial) then
    raise exception 'invalid status transition for job %: it is already %', old.id, old.status
      using errcode = 'PJ001',
            hint = 'Another request may have moved it first; reload the job.';
  end if;
  return new;
end;
$$;

comment on function public.reject_repeated_job_status() is
  'BEFORE UPDATE OF status trigger of generation_jobs: setting a non-initial status to itself is a lost race (PJ001).';

revoke execute on function public.reject_repeated_job_status() from public, anon, authenticated;

create trigger generation_jobs_reject_repeated_status
  before update of status on public.generation_jobs
  for each row when (old.status = new.status)
  execute function public.reject_repeated_job_status();

create trigger generation_jobs_set_updated_at
  before update on public.generation_jobs
  for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------------------------------
-- Row level security: four policies, owners only
-- ---------------------------------------------------------------------------------------------------

alter table public.generation_jobs enable row level security;

create policy "Users can view their own generation jobs"
  on public.generation_jobs for select to authenticated
  using ((select auth.uid()) = user_id);

create policy "Users can create their own generation jobs"
  on public.generation_jobs for insert to authenticated
  with check ((select auth.uid()) = user_id);

create policy "Users can update their own generation jobs"
  on public.generation_jobs for update to authenticated
  using ((select auth.uid()) = user_id)
  with check ((select auth.uid()) = user_id);

create policy "Users can delete their own generation jobs"
  on public.generation_jobs for delete to authenticated
  using ((select auth.uid()) = user_id);

revoke all on public.generation_jobs from anon;

-- ---------------------------------------------------------------------------------------------------
-- Functions (security invoker: RLS applies; search_path pinned, everything schema-qualified)
-- ---------------------------------------------------------------------------------------------------

create function public.get_job_statistics()
returns table (status text, job_count bigint, total_cost_cents bigint, avg_cost_cents numeric)
language sql
stable
security invoker
set search_path = ''
as $$
  -- One row per status (zeros included), in display order, over the caller's jobs only.
  with mine as (
    select j.status, count(*) as job_count, sum(j.cost_cents) as total_cost_cents, avg(j.cost_cents) as avg_cost_cents
    from public.generation_jobs j
    where j.user_id = (select auth.uid())
    group by j.status
  )
  select s.status,
         coalesce(m.job_count, 0)::bigint,
         coalesce(m.total_cost_cents, 0)::bigint,
         coalesce(round(m.avg_cost_cents, 2), 0)::numeric
  from public.job_statuses s
  left join mine m on m.status = s.status
  order by s.sort_order;
$$;

comment on function public.get_job_statistics() is
  'Caller''s jobs per status (every status, zeros included): job_count, total_cost_cents, avg_cost_cents (2 decimals).';

create function public.get_recent_jobs(job_limit integer default 10)
returns setof public.generation_jobs
language sql
stable
security invoker
set search_path = ''
as $$
  -- Newest first. job_limit: null -> 10, below 1 -> 1, above 100 -> 100.
  select j.*
  from public.generation_jobs j
  where j.user_id = (select auth.uid())
  order by j.created_at desc, j.id desc
  limit least(greatest(coalesce(job_limit, 10), 1), 100);
$$;

comment on function public.get_recent_jobs(integer) is
  'Caller''s latest jobs, newest first. job_limit is clamped: null -> 10, < 1 -> 1, > 100 -> 100.';

create function public.transition_job_status(job_id uuid, new_status text, error text default null)
returns public.generation_jobs
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  job public.generation_jobs;
begin
  -- Lock the row first: concurrent callers queue here and each sees the status left by the previous one,
  -- so of N identical transitions exactly one succeeds and the others get PJ001.
  select * into job from public.generation_jobs j where j.id = job_id for update;
  if not found then
    raise exception 'generation job % not found', job_id
      using errcode = 'PJ002',
            hint = 'The job does not exist or belongs to another user.';
  end if;
  if new_status is null or new_status = job.status then
    raise exception 'invalid status transition for job %: it is already %', job_id, job.status
      using errcode = 'PJ001',
            hint = 'Another request may have moved it first; reload the job.';
  end if;
  -- The trigger checks the transition and the error_message rules.
  update public.generation_jobs j
     set status = new_status,
         error_message = error
   where j.id = job_id
  returning * into job;
  return job;
end;
$$;

comment on function public.transition_job_status(uuid, text, text) is
  'Moves one of the caller''s jobs to new_status (error: the message, required when failing) and returns the row. '
  'SQLSTATE PJ001 invalid transition, PJ002 not found, PJ003 error_message rule.';

revoke execute on function public.get_job_statistics() from public, anon;
revoke execute on function public.get_recent_jobs(integer) from public, anon;
revoke execute on function public.transition_job_status(uuid, text, text) from public, anon;
grant execute on function public.get_job_statistics() to authenticated, service_role;
grant execute on function public.get_recent_jobs(integer) to authenticated, service_role;
grant execute on function public.transition_job_status(uuid, text, text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------
-- Summary view (security_invoker: the caller's RLS applies, users see their own rows only)
-- ---------------------------------------------------------------------------------------------------

create view public.generation_job_summary
with (security_invoker = true)
as
select
  j.user_id,
  j.project_id,
  j.status,
  count(*)::bigint as job_count,
  sum(j.cost_cents)::bigint as total_cost_cents,
  round(avg(j.cost_cents), 2) as avg_cost_cents,
  max(j.created_at) as last_created_at
from public.generation_jobs j
group by j.user_id, j.project_id, j.status;

comment on view public.generation_job_summary is
  'Jobs per user, project and status: count, total and average cost, newest creation time. RLS of generation_jobs applies.';

revoke all on public.generation_job_summary from anon;
