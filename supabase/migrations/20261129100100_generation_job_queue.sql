-- Generation jobs become work that gets done: the database is the queue, worker processes run the jobs
-- (docs/WORKER.md, docs/GENERATION_JOBS_SCHEMA.md).
--
-- * Status `canceled` and the transitions queued -> canceled, running -> canceled, running -> queued.
-- * Columns for the queue: provider, params, attempts, max_attempts, run_at, priority, the lease
--   (locked_by, locked_until, lease_token: a fencing token), started_at, finished_at, last_error,
--   cancel_requested_at, output_asset_id, retry_of, idempotency_key.
-- * public.generation_modes: price, timeout, max attempts and availability per (mode, provider).
-- * public.job_events: append-only history, one row per status change (and per cancel request),
--   written by statement-level triggers in the same statement as the change.
-- * The authority model: API callers (anon, authenticated, service_role) create jobs, cancel and retry
--   their own through cancel_generation_job() / retry_generation_job(), delete finished ones, and move
--   `manual` jobs by hand. Everything else about a job (status of a non-manual job, attempts, leases,
--   timestamps, cost) belongs to the job system: the queue functions in schema job_queue
--   (20261129100200_job_queue_functions.sql) and the database owner.
--
-- New stable SQLSTATEs (PJ008 is reserved for budgets):
--   PJ009  a non-manual job cannot be moved by hand (transition_job_status, or a status write by an API caller)
--   PJ010  a column owned by the job system was written by an API caller (or set on insert); the message names it
--   PJ011  the mode is not available for the provider (no row in generation_modes, or disabled)
--   PJ012  an API caller deleted a job that is still queued or running (cancel it first)
--
-- Existing rows become `manual` jobs (hand-driven, as they were), with attempts = 1 for jobs that have
-- started, their creation time as run_at, and started_at / finished_at left unknown (null).

-- ---------------------------------------------------------------------------------------------------
-- Workflow: status canceled and the new transitions
-- ---------------------------------------------------------------------------------------------------

insert into public.job_statuses (status, sort_order, is_initial, description) values
  ('canceled', 5, false, 'Stopped at the owner''s request (terminal).');

insert into public.job_status_transitions (from_status, to_status) values
  ('queued', 'canceled'),
  ('running', 'canceled'),
  ('running', 'queued');

alter table public.generation_jobs
  drop constraint generation_jobs_status_check,
  add constraint generation_jobs_status_check
    check (status in ('queued', 'running', 'succeeded', 'failed', 'canceled'));

comment on column public.generation_jobs.status is 'queued, running, succeeded, failed or canceled (public.job_statuses).';

-- ---------------------------------------------------------------------------------------------------
-- generation_modes: what each provider offers, at which price
-- ---------------------------------------------------------------------------------------------------

create table public.generation_modes (
  mode text not null,
  provider text not null,
  description text not null,
  price_cents integer not null,
  timeout_seconds integer not null,
  max_attempts integer not null,
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint generation_modes_pkey primary key (mode, provider),
  constraint generation_modes_mode_check check (mode ~ '^[a-z][a-z0-9_-]*$' and char_length(mode) <= 40),
  -- manual jobs need no mode row: any slug, the user's own cost.
  constraint generation_modes_provider_check check (provider in ('local', 'http', 'simulated')),
  constraint generation_modes_description_check check (public.has_visible_text(description) and char_length(description) <= 500),
  constraint generation_modes_price_cents_check check (price_cents >= 0),
  constraint generation_modes_timeout_seconds_check check (timeout_seconds between 1 and 86400),
  constraint generation_modes_max_attempts_check check (max_attempts between 1 and 25),
  constraint generation_modes_timestamps_check check (isfinite(created_at) and isfinite(updated_at))
);

comment on table public.generation_modes is
  'Generation modes per provider: price (sets cost_cents of a new non-manual job), timeout of one attempt, '
  'attempts before a job fails for good, availability. Written by migrations and the database owner only.';

create trigger generation_modes_set_updated_at
  before insert or update on public.generation_modes
  for each row execute function public.set_updated_at();

insert into public.generation_modes (mode, provider, description, price_cents, timeout_seconds, max_attempts, enabled)
select m.mode, p.provider, m.description || p.suffix, m.price_cents, p.timeout_seconds, 3, p.enabled
from (values
  ('studio-white', 'Product trimmed and centred on a white square with a margin.', 120),
  ('lifestyle', 'Product composited onto a generated scene.', 250),
  ('background-removal', 'Background removed, feathered transparent edge.', 40),
  ('upscale', 'Enlarged 2x or 4x with Lanczos resampling.', 60),
  ('shadow', 'Soft contact shadow added under the product.', 80)
) as m(mode, description, price_cents)
cross join (values
  ('local', '', 120, true),
  ('simulated', ' Simulated: duration, failures and reported cost come from params (tests, demos, benchmarks).', 30, true),
  ('http', ' Through a hosted model API (configure it before enabling).', 600, false)
) as p(provider, suffix, timeout_seconds, enabled);

alter table public.generation_modes enable row level security;

create policy "Signed-in users can read generation modes"
  on public.generation_modes for select to authenticated
  using (true);

revoke all on public.generation_modes from anon;
revoke insert, update, delete, truncate, references, trigger on public.generation_modes from authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------
-- generation_jobs: the queue's columns
-- ---------------------------------------------------------------------------------------------------

alter table public.generation_jobs
  -- Existing rows are hand-driven jobs; new rows default to the embedded image provider.
  add column provider text not null default 'manual',
  add column params jsonb not null default '{}'::jsonb,
  add column attempts integer not null default 0,
  add column max_attempts integer not null default 1,
  add column run_at timestamptz not null default now(),
  add column priority integer not null default 0,
  add column locked_by text,
  add column locked_until timestamptz,
  add column lease_token bigint,
  add column started_at timestamptz,
  add column finished_at timestamptz,
  add column last_error text,
  add column cancel_requested_at timestamptz,
  add column output_asset_id uuid,
  add column retry_of uuid,
  add column idempotency_key text;

alter table public.generation_jobs alter column provider set default 'local';

alter table public.generation_jobs disable trigger user;
update public.generation_jobs set attempts = 1 where status <> 'queued';
update public.generation_jobs set run_at = created_at;
alter table public.generation_jobs enable trigger user;

alter table public.generation_jobs
  add constraint generation_jobs_provider_check check (provider in ('local', 'http', 'simulated', 'manual')),
  add constraint generation_jobs_params_check check (jsonb_typeof(params) = 'object' and octet_length(params::text) <= 16384),
  add constraint generation_jobs_attempts_check check (attempts >= 0),
  add constraint generation_jobs_max_attempts_check check (max_attempts between 1 and 25),
  add constraint generation_jobs_run_at_check check (isfinite(run_at)),
  add constraint generation_jobs_priority_check check (priority between -1000 and 1000),
  -- A lease exists only while running.
  add constraint generation_jobs_lease_check check (status = 'running' or (locked_by is null and locked_until is null)),
  add constraint generation_jobs_locked_by_check check (locked_by is null or (public.has_visible_text(locked_by) and char_length(locked_by) <= 200)),
  add constraint generation_jobs_last_error_check check (last_error is null or (public.has_visible_text(last_error) and char_length(last_error) <= 2000)),
  add constraint generation_jobs_idempotency_key_check
    check (idempotency_key is null or (public.has_visible_text(idempotency_key) and char_length(idempotency_key) <= 200)),
  -- The output is an asset of the job's owner and project; deleting it only detaches it.
  add constraint generation_jobs_output_asset_id_fkey foreign key (output_asset_id, project_id, user_id)
    references public.assets (id, project_id, user_id) on delete set null (output_asset_id),
  -- Same owner: checked by the rules trigger (only the job system sets retry_of).
  add constraint generation_jobs_retry_of_fkey foreign key (retry_of)
    references public.generation_jobs (id) on delete set null;

comment on column public.generation_jobs.provider is
  'Who runs the job: local (embedded image processing), http (hosted model API), simulated (tests, demos), '
  'manual (moved by hand, never claimed). Fixed at creation.';
comment on column public.generation_jobs.params is 'Mode options (a JSON object, at most 16 KB); editable while queued.';
comment on column public.generation_jobs.attempts is 'Attempts started so far (the job system counts them).';
comment on column public.generation_jobs.max_attempts is 'Attempts before the job fails for good; from generation_modes at creation (1 for manual jobs).';
comment on column public.generation_jobs.run_at is 'Not claimed before this time (retries back off); a past value means now.';
comment on column public.generation_jobs.priority is 'Lower runs first. Set at creation by the service role or the database owner; 0 for users.';
comment on column public.generation_jobs.locked_by is 'Worker holding the lease while running.';
comment on column public.generation_jobs.locked_until is 'End of the lease; heartbeats extend it; expired leases are rescued.';
comment on column public.generation_jobs.lease_token is
  'Fencing token of the latest claim: every finishing call must present it, so a worker that lost its lease changes nothing.';
comment on column public.generation_jobs.started_at is 'Start of the latest attempt (set by the database).';
comment on column public.generation_jobs.finished_at is 'When the job reached succeeded, failed or canceled (set by the database).';
comment on column public.generation_jobs.last_error is 'Error of the latest failed attempt (kept while a retry waits).';
comment on column public.generation_jobs.cancel_requested_at is 'When the owner asked to cancel a running job; the worker acknowledges within one heartbeat.';
comment on column public.generation_jobs.output_asset_id is 'The generated asset (same owner and project), written by the worker.';
comment on column public.generation_jobs.retry_of is 'The failed or canceled job this one retries (retry_generation_job).';
comment on column public.generation_jobs.idempotency_key is 'Optional client key, unique per user: creating the same job twice is refused (23505).';
comment on column public.generation_jobs.cost_cents is
  'Cost in cents, >= 0. Manual jobs: the creator''s, fixed. Other providers: the mode''s price at creation '
  '(an estimate), then the final cost written by the worker.';

-- The claim: runnable jobs only, in claim order (a claimed job leaves the index at once).
create index generation_jobs_claim_idx on public.generation_jobs (priority, run_at, id)
  include (provider)
  where status = 'queued';
-- Rescue of expired leases.
create index generation_jobs_lease_idx on public.generation_jobs (locked_until)
  where status = 'running';
create index generation_jobs_output_asset_id_idx on public.generation_jobs (output_asset_id, project_id, user_id)
  where output_asset_id is not null;
create index generation_jobs_retry_of_idx on public.generation_jobs (retry_of)
  where retry_of is not null;
-- The claim index replaces the first migration's (status, created_at) queue index.
drop index public.generation_jobs_status_idx;
create unique index generation_jobs_idempotency_key_idx on public.generation_jobs (user_id, idempotency_key)
  where idempotency_key is not null;

-- ---------------------------------------------------------------------------------------------------
-- job_events: append-only history
-- ---------------------------------------------------------------------------------------------------

create table public.job_events (
  id bigint generated always as identity primary key,
  -- No foreign key: events outlive the job row (archival moves jobs elsewhere; the history stays).
  job_id uuid not null,
  user_id uuid not null,
  project_id uuid not null,
  mode text not null,
  provider text not null,
  event text not null,
  from_status text,
  to_status text,
  attempt integer not null,
  actor text not null,
  error text,
  cost_cents integer not null,
  created_at timestamptz not null default now(),
  details jsonb not null default '{}'::jsonb,
  constraint job_events_event_check check (event in (
    'created', 'claimed', 'succeeded', 'failed', 'canceled', 'cancel_requested',
    'retry_scheduled', 'rescued', 'released', 'requeued')),
  constraint job_events_actor_check check (public.has_visible_text(actor) and char_length(actor) <= 250),
  constraint job_events_error_check check (error is null or (public.has_visible_text(error) and char_length(error) <= 2000)),
  constraint job_events_details_check check (jsonb_typeof(details) = 'object')
);

comment on table public.job_events is
  'Append-only history of generation jobs: one row per status change (event names the reason) and per '
  'cancel request, written in the same statement as the change. Owners read their own; nobody writes '
  'through the API. Feeds monitoring, webhooks and audit.';
comment on column public.job_events.actor is
  'Who caused it: user:<uuid>, service_role, worker:<worker id>, or db:<role> for direct SQL.';
comment on column public.job_events.attempt is 'The job''s attempts counter after the change.';

create index job_events_job_id_idx on public.job_events (job_id, id);
create index job_events_user_id_created_at_idx on public.job_events (user_id, created_at);

alter table public.job_events enable row level security;

create policy "Users can read the events of their own jobs"
  on public.job_events for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on public.job_events from anon;
revoke insert, update, delete, truncate, references, trigger on public.job_events from authenticated, service_role;

-- A deleted user's history goes with them (events have no foreign key, see above).
create function public.delete_user_job_events()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.job_events e where e.user_id = old.id;
  return old;
end;
$$;

comment on function public.delete_user_job_events() is 'AFTER DELETE trigger on auth.users: removes the user''s job events.';
revoke execute on function public.delete_user_job_events() from public, anon, authenticated, service_role;

create trigger on_auth_user_deleted_delete_job_events
  after delete on auth.users
  for each row execute function public.delete_user_job_events();

-- ---------------------------------------------------------------------------------------------------
-- Rules trigger (replaces the first version): authority, workflow, bookkeeping
-- ---------------------------------------------------------------------------------------------------

create or replace function public.enforce_generation_job_rules()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
  -- The API's roles. The job system (queue functions, the database owner) is everyone else; postgres is a
  -- member of these roles, so the test is on the role actually running, not on membership.
  api_caller constant boolean := current_user in ('anon', 'authenticated', 'service_role');
  project_owner uuid;
  asset_owner uuid;
  asset_project uuid;
  mode_row record;
  column_name text;
begin
  if tg_op = 'INSERT' then
    if new.user_id is null then
      raise exception 'generation_jobs.user_id is required: sign in, or pass user_id when using the service role'
        using errcode = '23502', column = 'user_id', table = 'generation_jobs', schema = 'public';
    end if;
    if not exists (select 1 from public.job_statuses s where s.status = new.status and s.is_initial) then
      raise exception 'a generation job must be created as queued, not %', coalesce(new.status, 'null')
        using errcode = 'PJ007',
              hint = 'Insert the job as queued; the job system (or, for manual jobs, transition_job_status()) moves it.';
    end if;
    -- What the job system records starts empty, whoever inserts.
    column_name := case
      when new.attempts <> 0 then 'attempts'
      when new.locked_by is not null then 'locked_by'
      when new.locked_until is not null then 'locked_until'
      when new.lease_token is not null then 'lease_token'
      when new.started_at is not null then 'started_at'
      when new.finished_at is not null then 'finished_at'
      when new.last_error is not null then 'last_error'
      when new.cancel_requested_at is not null then 'cancel_requested_at'
      when new.output_asset_id is not null then 'output_asset_id'
      when new.provider <> 'manual' and new.cost_cents <> 0 then 'cost_cents'
      when api_caller and new.retry_of is not null then 'retry_of'
      when current_user in ('anon', 'authenticated') and new.priority <> 0 then 'priority'
    end;
    if column_name is not null then
      raise exception 'generation_jobs.% is set by the job system, not by the caller', column_name
        using errcode = 'PJ010', column = column_name, table = 'generation_jobs', schema = 'public',
              hint = case when column_name = 'cost_cents'
                then 'The price of the mode sets the cost of a non-manual job; only manual jobs take your own cost (provider = ''manual'').'
                else 'Leave it out: the database fills it in.' end;
    end if;
    -- A past run_at would jump the queue: it means "now".
    if new.run_at < now() then
      new.run_at := now();
    end if;
    if new.provider = 'manual' then
      new.max_attempts := 1;
    else
      select m.price_cents, m.max_attempts, m.enabled into mode_row
      from public.generation_modes m where m.mode = new.mode and m.provider = new.provider;
      if not found or not mode_row.enabled then
        raise exception 'mode % is not available for the % provider', new.mode, new.provider
          using errcode = 'PJ011',
                hint = 'Pick an enabled mode of public.generation_modes, or provider ''manual'' for a hand-driven job.';
      end if;
      new.cost_cents := mode_row.price_cents;
      new.max_attempts := mode_row.max_attempts;
    end if;
    if new.retry_of is not null
       and not exists (select 1 from public.generation_jobs r where r.id = new.retry_of and r.user_id = new.user_id) then
      raise exception 'job % to retry not found among the owner''s jobs', new.retry_of using errcode = 'PJ004';
    end if;
  else
    -- Columns fixed at creation, whoever asks.
    column_name := case
      when new.id is distinct from old.id then 'id'
      when new.user_id is distinct from old.user_id then 'user_id'
      when new.created_at is distinct from old.created_at then 'created_at'
      when new.provider is distinct from old.provider then 'provider'
      when new.idempotency_key is distinct from old.idempotency_key then 'idempotency_key'
      -- retry_of only loses its target (ON DELETE SET NULL).
      when new.retry_of is distinct from old.retry_of and new.retry_of is not null then 'retry_of'
      -- A manual job's cost is its creator's; the job system writes the final cost of the others.
      when new.cost_cents is distinct from old.cost_cents and old.provider = 'manual' then 'cost_cents'
    end;
    if column_name is not null then
      if column_name = 'user_id' then
        raise exception 'generation_jobs.user_id cannot be changed: a job keeps its owner' using errcode = 'PJ005';
      elsif column_name = 'cost_cents' then
        raise exception 'generation_jobs.cost_cents cannot be changed after creation (% -> %)', old.cost_cents, new.cost_cents
          using errcode = 'PJ005',
                hint = case when old.provider = 'manual' then 'A manual job''s cost is fixed when it is created.'
                            else 'The job system writes the final cost when it finishes the job.' end;
      end if;
      raise exception 'generation_jobs.% cannot be changed', column_name using errcode = 'PJ005';
    end if;

    if api_caller then
      if old.provider <> 'manual' and new.status is distinct from old.status then
        raise exception 'job % is run by the % provider: its status belongs to the job system', old.id, old.provider
          using errcode = 'PJ009',
                hint = 'Cancel it with cancel_generation_job(), retry it with retry_generation_job(); only manual jobs move by hand.';
      end if;
      -- What the job system records: never written through the API.
      column_name := case
        when new.cost_cents is distinct from old.cost_cents then 'cost_cents'
        when new.attempts is distinct from old.attempts then 'attempts'
        when new.max_attempts is distinct from old.max_attempts then 'max_attempts'
        when new.run_at is distinct from old.run_at then 'run_at'
        when new.priority is distinct from old.priority then 'priority'
        when new.locked_by is distinct from old.locked_by then 'locked_by'
        when new.locked_until is distinct from old.locked_until then 'locked_until'
        when new.lease_token is distinct from old.lease_token then 'lease_token'
        when new.started_at is distinct from old.started_at then 'started_at'
        when new.finished_at is distinct from old.finished_at then 'finished_at'
        when new.last_error is distinct from old.last_error then 'last_error'
        when new.cancel_requested_at is distinct from old.cancel_requested_at then 'cancel_requested_at'
        when new.output_asset_id is distinct from old.output_asset_id then 'output_asset_id'
      end;
      if column_name is not null then
        raise exception 'generation_jobs.% is set by the job system, not by the caller', column_name
          using errcode = 'PJ010', column = column_name, table = 'generation_jobs', schema = 'public',
                hint = case when column_name = 'cancel_requested_at' then 'Call cancel_generation_job(job_id).'
                            else 'Only the job system writes it.' end;
      end if;
    end if;

    -- Status changes follow job_status_transitions (a terminal status has no way out). Checked with nested
    -- IFs so that an update without a status change runs no query (the worker's batches pass here per row).
    if new.status is distinct from old.status then
      if not exists (
        select 1 from public.job_status_transitions t
        where t.from_status = old.status and t.to_status = new.status
      ) then
        if not exists (select 1 from public.job_status_transitions t where t.from_status = old.status) then
          raise exception 'job % is %, a terminal status: it cannot change any more', old.id, old.status
            using errcode = 'PJ001',
                  hint = 'Retry it with retry_generation_job(), which creates a new job.';
        end if;
        raise exception 'invalid status transition for job %: % -> %', old.id, old.status, coalesce(new.status, 'null')
          using errcode = 'PJ001',
                detail = format('Allowed from %s: %s.', old.status, (
                  select string_agg(t.to_status, ', ' order by s.sort_order)
                  from public.job_status_transitions t
                  join public.job_statuses s on s.status = t.to_status
                  where t.from_status = old.status)),
                hint = 'Statuses move queued -> running -> succeeded | failed; queued or running -> canceled; running -> queued.';
      end if;
    end if;

    -- error_message only changes together with the status (failing sets it).
    if new.error_message is distinct from old.error_message and new.status is not distinct from old.status then
      raise exception 'error_message of job % can only be set when it moves to failed', old.id
        using errcode = 'PJ003';
    end if;

    -- Inputs can only be edited while the job waits in an initial status. The one exception is the
    -- input asset becoming null because the asset was deleted (ON DELETE SET NULL), at any status.
    if new.mode is distinct from old.mode
       or new.params is distinct from old.params
       or new.project_id is distinct from old.project_id
       or new.input_asset_id is distinct from old.input_asset_id then
      if not exists (select 1 from public.job_statuses s where s.status = old.status and s.is_initial)
         and (new.mode is distinct from old.mode
              or new.params is distinct from old.params
              or new.project_id is distinct from old.project_id
              or new.input_asset_id is not null
              or exists (select 1 from public.assets a where a.id = old.input_asset_id)) then
        raise exception 'job % is %: its mode, params, project and input asset can only be edited while it is queued', old.id, old.status
          using errcode = 'PJ006';
      end if;
    end if;

    -- A new mode of a queued non-manual job: its price and attempts follow.
    if new.mode is distinct from old.mode and new.provider <> 'manual' then
      select m.price_cents, m.max_attempts, m.enabled into mode_row
      from public.generation_modes m where m.mode = new.mode and m.provider = new.provider;
      if not found or not mode_row.enabled then
        raise exception 'mode % is not available for the % provider', new.mode, new.provider
          using errcode = 'PJ011',
                hint = 'Pick an enabled mode of public.generation_modes.';
      end if;
      new.cost_cents := mode_row.price_cents;
      new.max_attempts := mode_row.max_attempts;
    end if;

    -- Bookkeeping of a status change, the same for the worker and for hand-driven jobs.
    if new.status is distinct from old.status then
      if new.status = 'running' then
        new.attempts := old.attempts + 1;
        new.started_at := now();
        new.finished_at := null;
      elsif new.status = 'queued' then
        new.locked_by := null;
        new.locked_until := null;
        new.finished_at := null;
      else
        new.locked_by := null;
        new.locked_until := null;
        new.finished_at := now();
        if new.status = 'failed' then
          new.last_error := new.error_message;
        end if;
      end if;
    end if;
  end if;

  -- error_message exactly when failed (backstop: generation_jobs_error_message_check).
  if new.status = 'failed' then
    if new.error_message is null or not public.has_visible_text(new.error_message) then
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
  'BEFORE INSERT/UPDATE trigger of generation_jobs: authority (what API callers may write), status '
  'transitions, immutable columns, error_message and ownership rules, and the bookkeeping of status '
  'changes (attempts, started_at, finished_at, lease). SQLSTATEs PJ001-PJ007, PJ009-PJ011.';

-- Users delete finished jobs; queued and running ones are canceled first. Manual jobs keep the seed's
-- rule (deletable in any status). Cascades (a deleted project or user) run as the table owner.
create function public.guard_generation_job_delete()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  if current_user in ('anon', 'authenticated', 'service_role')
     and old.provider <> 'manual'
     and old.status in ('queued', 'running') then
    raise exception 'job % is still %: cancel it before deleting it', old.id, old.status
      using errcode = 'PJ012',
            hint = 'Call cancel_generation_job(job_id); finished jobs (succeeded, failed, canceled) can be deleted.';
  end if;
  return old;
end;
$$;

comment on function public.guard_generation_job_delete() is
  'BEFORE DELETE trigger of generation_jobs: API callers delete non-manual jobs only once finished (PJ012).';

revoke execute on function public.guard_generation_job_delete() from public, anon, authenticated, service_role;

create trigger generation_jobs_guard_delete
  before delete on public.generation_jobs
  for each row execute function public.guard_generation_job_delete();

-- ---------------------------------------------------------------------------------------------------
-- Events and wake-ups: statement-level triggers over the transition tables (one pass per statement)
-- ---------------------------------------------------------------------------------------------------

-- Who caused the change: the queue functions name their worker (job_queue.actor, transaction-local);
-- API requests carry JWT claims; anything else is direct SQL.
create function public.job_event_actor()
returns text
language sql
stable
set search_path = ''
as $$
  select coalesce(
    nullif(current_setting('job_queue.actor', true), ''),
    case
      when auth.uid() is not null then 'user:' || auth.uid()::text
      when auth.role() is not null then auth.role()
      else 'db:' || session_user
    end);
$$;

comment on function public.job_event_actor() is 'The actor recorded in job_events for the current statement.';
revoke execute on function public.job_event_actor() from public, anon, authenticated, service_role;

-- NOTIFY channel of the queue: payload = how many jobs just became due (workers LISTEN to it).
create function public.log_generation_job_inserts()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  actor constant text := public.job_event_actor();
  due integer;
begin
  insert into public.job_events (job_id, user_id, project_id, mode, provider, event, to_status, attempt, actor, cost_cents, details)
  select n.id, n.user_id, n.project_id, n.mode, n.provider, 'created', n.status, n.attempts, actor, n.cost_cents,
         case when n.retry_of is null then '{}'::jsonb else jsonb_build_object('retry_of', n.retry_of) end
  from new_rows n;
  -- Jobs scheduled for later are found by the workers' polling once they are due.
  select count(*) into due from new_rows n where n.status = 'queued' and n.provider <> 'manual' and n.run_at <= now();
  if due > 0 then
    perform pg_notify('generation_jobs_due', due::text);
  end if;
  return null;
end;
$$;

create function public.log_generation_job_updates()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  actor constant text := public.job_event_actor();
  requeue_reason constant text := coalesce(nullif(current_setting('job_queue.reason', true), ''), 'requeued');
  due integer;
begin
  with changes as (
    select n.*, o.status as old_status, o.locked_by as old_locked_by,
           o.cancel_requested_at is null and n.cancel_requested_at is not null as cancel_requested
    from old_rows o
    join new_rows n on n.id = o.id
    where n.status <> o.status
       or (o.cancel_requested_at is null and n.cancel_requested_at is not null)
  ),
  logged as (
    insert into public.job_events (job_id, user_id, project_id, mode, provider, event, from_status, to_status, attempt, actor, error, cost_cents, details)
    select c.id, c.user_id, c.project_id, c.mode, c.provider,
           case
             when c.status = c.old_status then 'cancel_requested'
             when c.status = 'running' then 'claimed'
             when c.status = 'queued' then requeue_reason
             else c.status
           end,
           case when c.status <> c.old_status then c.old_status end,
           case when c.status <> c.old_status then c.status end,
           c.attempts,
           actor,
           case
             when c.status = 'failed' then c.error_message
             when c.status = 'queued' and requeue_reason in ('retry_scheduled', 'rescued') then c.last_error
           end,
           c.cost_cents,
           case
             when c.status = c.old_status then '{}'::jsonb
             when c.status = 'running' then jsonb_build_object('lease_token', c.lease_token, 'locked_by', c.locked_by, 'locked_until', c.locked_until)
             when c.status = 'queued' then jsonb_build_object('run_at', c.run_at, 'locked_by', c.old_locked_by)
             when c.output_asset_id is not null then jsonb_build_object('locked_by', c.old_locked_by, 'output_asset_id', c.output_asset_id)
             when c.old_locked_by is not null then jsonb_build_object('locked_by', c.old_locked_by)
             else '{}'::jsonb
           end
    from changes c
    returning 1
  )
  select count(*) into due
  from changes c
  where c.status = 'queued' and c.old_status <> 'queued' and c.provider <> 'manual' and c.run_at <= now();
  if due > 0 then
    perform pg_notify('generation_jobs_due', due::text);
  end if;
  return null;
end;
$$;

comment on function public.log_generation_job_inserts() is
  'AFTER INSERT statement trigger of generation_jobs: a "created" event per row; NOTIFY generation_jobs_due with the number of due jobs.';
comment on function public.log_generation_job_updates() is
  'AFTER UPDATE statement trigger of generation_jobs: one event per status change (and per cancel request); '
  'NOTIFY generation_jobs_due when jobs went back to the queue due now.';

revoke execute on function public.log_generation_job_inserts() from public, anon, authenticated, service_role;
revoke execute on function public.log_generation_job_updates() from public, anon, authenticated, service_role;

create trigger generation_jobs_log_inserts
  after insert on public.generation_jobs
  referencing new table as new_rows
  for each statement execute function public.log_generation_job_inserts();

create trigger generation_jobs_log_updates
  after update on public.generation_jobs
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.log_generation_job_updates();

-- ---------------------------------------------------------------------------------------------------
-- What users do with their jobs: transitions by hand (manual jobs), cancel, retry
-- ---------------------------------------------------------------------------------------------------

create or replace function public.transition_job_status(job_id uuid, new_status text, error text default null)
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
  if job.provider <> 'manual' then
    raise exception 'job % is run by the % provider: only manual jobs move by hand', job_id, job.provider
      using errcode = 'PJ009',
            hint = 'Cancel it with cancel_generation_job(), retry it with retry_generation_job().';
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
  'Moves one of the caller''s manual jobs to new_status (error: the message, required when failing) and returns the row. '
  'SQLSTATE PJ001 invalid transition, PJ002 not found, PJ003 error_message rule, PJ009 not a manual job.';

-- Security definer: the job system's columns are not writable by API callers, so the owner's request is
-- carried out with the owner of the table's rights, after checking the job is the caller's.
create function public.cancel_generation_job(job_id uuid)
returns public.generation_jobs
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  job public.generation_jobs;
begin
  select * into job from public.generation_jobs j
  where j.id = job_id and j.user_id = (select auth.uid())
  for update;
  if not found then
    raise exception 'generation job % not found', job_id
      using errcode = 'PJ002',
            hint = 'The job does not exist or belongs to another user.';
  end if;
  if job.status = 'queued' or (job.status = 'running' and job.provider = 'manual') then
    update public.generation_jobs j set status = 'canceled' where j.id = job.id returning * into job;
  elsif job.status = 'running' then
    -- The worker holding the lease acknowledges at its next heartbeat.
    if job.cancel_requested_at is null then
      update public.generation_jobs j set cancel_requested_at = now() where j.id = job.id returning * into job;
    end if;
  else
    raise exception 'job % is %: only queued or running jobs can be canceled', job.id, job.status
      using errcode = 'PJ001',
            hint = 'A finished job can be retried with retry_generation_job() or deleted.';
  end if;
  return job;
end;
$$;

comment on function public.cancel_generation_job(uuid) is
  'Cancels one of the caller''s jobs: queued (or manual running) -> canceled at once; running -> '
  'cancel_requested_at, acknowledged by the worker within one heartbeat. Returns the row. PJ001, PJ002.';

create function public.retry_generation_job(job_id uuid)
returns public.generation_jobs
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  job public.generation_jobs;
  retry public.generation_jobs;
begin
  select * into job from public.generation_jobs j
  where j.id = job_id and j.user_id = (select auth.uid());
  if not found then
    raise exception 'generation job % not found', job_id
      using errcode = 'PJ002',
            hint = 'The job does not exist or belongs to another user.';
  end if;
  if job.status not in ('failed', 'canceled') then
    raise exception 'job % is %: only failed or canceled jobs can be retried', job.id, job.status
      using errcode = 'PJ001',
            hint = 'Wait for it to finish, or cancel it first.';
  end if;
  -- A new job with the same inputs; the rules trigger prices it (manual jobs keep their cost).
  insert into public.generation_jobs (user_id, project_id, input_asset_id, mode, provider, params, priority, cost_cents, retry_of)
  values (job.user_id, job.project_id, job.input_asset_id, job.mode, job.provider, job.params, job.priority,
          case when job.provider = 'manual' then job.cost_cents else 0 end, job.id)
  returning * into retry;
  return retry;
end;
$$;

comment on function public.retry_generation_job(uuid) is
  'Queues a new job with the inputs of one of the caller''s failed or canceled jobs (retry_of = that job) and returns it. PJ001, PJ002, PJ011.';

revoke execute on function public.cancel_generation_job(uuid) from public, anon, service_role;
revoke execute on function public.retry_generation_job(uuid) from public, anon, service_role;
grant execute on function public.cancel_generation_job(uuid) to authenticated;
grant execute on function public.retry_generation_job(uuid) to authenticated;
