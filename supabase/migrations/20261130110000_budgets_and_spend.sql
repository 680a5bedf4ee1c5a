-- Budgets: monthly spending limits per user and per project, enforced by the database when jobs are
-- created (docs/GENERATION_JOBS_SCHEMA.md, "Budgets and spend").
--
-- * public.budgets: a monthly limit in cents (UTC calendar month) for the whole account (project_id null)
--   or for one project; owner-only RLS.
-- * public.job_spend: the spend rollup, one row per user, project and month (the month of the job's
--   created_at, UTC): reserved_cents (queued and running jobs) and settled_cents (finished jobs). Kept by
--   statement-level triggers on generation_jobs in the statement that changes a job, so it always equals a
--   recount of the jobs (plus the settled cost of finished jobs deleted since: money spent stays spent),
--   and reading it costs the same at a million jobs as at ten.
-- * Creating a job reserves its cost (the estimate from generation_modes, or a manual job's own figure).
--   A statement that would take reserved + settled spend past an applicable limit (the account's, the
--   project's) fails with SQLSTATE PJ008. Competing creators queue on the budget rows (FOR UPDATE, in a
--   fixed order) and each checks the spend its predecessors committed, so N concurrent creators against a
--   limit that allows k get exactly k jobs. Edits of a queued job that grow its reservation (a pricier
--   mode, a move to another project) are checked the same way.
-- * Finishing settles: succeeded -> the final cost; failed and canceled -> what the provider reported, else
--   nothing (the job queue's functions below now write cost 0 when no cost was reported, which releases the
--   reservation). Manual jobs keep their owner's figure in every status: reserved while active, settled
--   once finished. A retry (running -> queued) keeps the reservation.
-- * Deleting a finished job (or archiving it) leaves its settled cost in the rollup; deleting an active
--   one (manual jobs, a deleted project) releases its reservation. Rollup rows have no foreign key to
--   projects (a deleted project's spend still counts for the account); a deleted user's rows go with them.
--
-- New stable SQLSTATE: PJ008 (budget exceeded; DETAIL holds the figures as JSON).

-- ---------------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------------

-- The budget month of a job: the UTC calendar month of its created_at (which never changes).
create function public.job_spend_month(created_at timestamptz)
returns date
language sql
immutable
parallel safe
set search_path = ''
as $$
  select (pg_catalog.date_trunc('month', created_at at time zone 'UTC'))::date;
$$;

comment on function public.job_spend_month(timestamptz) is 'The budget month of a job: first day of the UTC calendar month of created_at.';

create function public.format_cents(cents bigint)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case when cents < 0 then '-' else '' end || '$' || pg_catalog.to_char(abs(cents) / 100.0, 'FM999,999,999,999,990.00');
$$;

comment on function public.format_cents(bigint) is 'Cents as dollars for messages: 123456 -> $1,234.56.';

-- ---------------------------------------------------------------------------------------------------
-- budgets
-- ---------------------------------------------------------------------------------------------------

create table public.budgets (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  -- null: the whole account; otherwise one of the owner's projects.
  project_id uuid,
  monthly_limit_cents bigint not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint budgets_project_id_user_id_fkey foreign key (project_id, user_id)
    references public.projects (id, user_id) on delete cascade,
  -- One budget per scope: one for the account, one per project.
  constraint budgets_scope_key unique nulls not distinct (project_id, user_id),
  constraint budgets_monthly_limit_cents_check check (monthly_limit_cents between 0 and 100000000000),
  constraint budgets_timestamps_check check (isfinite(created_at) and isfinite(updated_at))
);

comment on table public.budgets is
  'Monthly spending limits (UTC calendar month): for the account (project_id null) or for one project. '
  'Job creation is refused with PJ008 past any applicable limit.';
comment on column public.budgets.monthly_limit_cents is 'Limit in cents per UTC calendar month, 0 to 100,000,000,000 ($1bn); 0 allows only free jobs.';

create index budgets_user_id_idx on public.budgets (user_id);

create trigger budgets_forbid_owner_change
  before update on public.budgets
  for each row execute function public.forbid_owner_change();

create trigger budgets_set_updated_at
  before insert or update on public.budgets
  for each row execute function public.set_updated_at();

alter table public.budgets enable row level security;

create policy "Users can view their own budgets"
  on public.budgets for select to authenticated
  using ((select auth.uid()) = user_id);

create policy "Users can create their own budgets"
  on public.budgets for insert to authenticated
  with check ((select auth.uid()) = user_id);

create policy "Users can update their own budgets"
  on public.budgets for update to authenticated
  using ((select auth.uid()) = user_id)
  with check ((select auth.uid()) = user_id);

create policy "Users can delete their own budgets"
  on public.budgets for delete to authenticated
  using ((select auth.uid()) = user_id);

revoke all on public.budgets from anon;

-- ---------------------------------------------------------------------------------------------------
-- job_spend: the rollup
-- ---------------------------------------------------------------------------------------------------

create table public.job_spend (
  user_id uuid not null,
  month date not null,
  -- No foreign key: a deleted project's spend still counts for the account (like job_events).
  project_id uuid not null,
  reserved_cents bigint not null default 0,
  settled_cents bigint not null default 0,
  updated_at timestamptz not null default now(),
  -- (user_id, month) first: the account's total for a month is one range of this index.
  constraint job_spend_pkey primary key (user_id, month, project_id),
  constraint job_spend_month_check check (extract(day from month) = 1)
);

comment on table public.job_spend is
  'Spend per user, project and UTC month, kept by triggers on generation_jobs: reserved_cents (queued and '
  'running jobs) and settled_cents (finished jobs, including deleted or archived ones). Owners read their own.';

alter table public.job_spend enable row level security;

create policy "Users can read their own spend"
  on public.job_spend for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on public.job_spend from anon;
revoke insert, update, delete, truncate, references, trigger on public.job_spend from authenticated, service_role;

-- A deleted user's spend goes with them (no foreign key, see above).
create function public.delete_user_job_spend()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.job_spend s where s.user_id = old.id;
  return old;
end;
$$;

comment on function public.delete_user_job_spend() is 'AFTER DELETE trigger on auth.users: removes the user''s spend rollup.';

create trigger on_auth_user_deleted_delete_job_spend
  after delete on auth.users
  for each row execute function public.delete_user_job_spend();

-- Jobs that exist when this migration runs.
insert into public.job_spend (user_id, month, project_id, reserved_cents, settled_cents)
select j.user_id, public.job_spend_month(j.created_at), j.project_id,
       coalesce(sum(j.cost_cents) filter (where j.status in ('queued', 'running')), 0),
       coalesce(sum(j.cost_cents) filter (where j.status not in ('queued', 'running')), 0)
from public.generation_jobs j
group by 1, 2, 3;

-- ---------------------------------------------------------------------------------------------------
-- Keeping the rollup and checking the limits
-- ---------------------------------------------------------------------------------------------------

-- Adds per-group changes to the rollup. Rows are written in key order, so concurrent statements (the
-- worker's batches, creators) take the rollup's row locks in the same order and cannot deadlock.
create function public.add_job_spend(p_user_ids uuid[], p_months date[], p_project_ids uuid[], p_reserved bigint[], p_settled bigint[])
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  insert into public.job_spend as s (user_id, month, project_id, reserved_cents, settled_cents)
  select x.user_id, x.month, x.project_id, x.reserved, x.settled
  from unnest(p_user_ids, p_months, p_project_ids, p_reserved, p_settled) as x(user_id, month, project_id, reserved, settled)
  where x.reserved <> 0 or x.settled <> 0
  order by x.user_id, x.month, x.project_id
  on conflict (user_id, month, project_id) do update
    set reserved_cents = s.reserved_cents + excluded.reserved_cents,
        settled_cents = s.settled_cents + excluded.settled_cents,
        updated_at = now();
$$;

-- Locks the budgets that apply to these (user, project) pairs: each pair's project budget and its user's
-- account budget, in one fixed order. Creators competing for a limit queue here; the one that waited then
-- reads the spend its predecessor committed (each statement of a volatile function takes a new snapshot).
create function public.lock_job_budgets(p_user_ids uuid[], p_project_ids uuid[])
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  -- Driven by the pairs (a few), each looked up on budgets_user_id_idx.
  perform 1
  from (select distinct x.user_id, x.project_id from unnest(p_user_ids, p_project_ids) as x(user_id, project_id)) p
  join public.budgets b on b.user_id = p.user_id and (b.project_id is null or b.project_id = p.project_id)
  order by b.user_id, b.project_id nulls first
  for update of b;
end;
$$;

-- Refuses (PJ008) when a group whose spend grew in this statement is now past its project's limit, or a
-- user whose spend grew is past the account's limit. p_added: how much each group's reservation grew
-- (negative for groups that shrank); p_jobs: how many jobs it was; p_action: 'create' or 'edit' (wording).
create function public.check_job_budgets(
  p_user_ids uuid[], p_months date[], p_project_ids uuid[], p_added bigint[], p_jobs integer[], p_action text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  over record;
  what text;
  scope_name text;
begin
  with groups as (
    select x.user_id, x.month, x.project_id, x.added, x.jobs
    from unnest(p_user_ids, p_months, p_project_ids, p_added, p_jobs) as x(user_id, month, project_id, added, jobs)
  ),
  users as (
    select g.user_id, g.month, sum(g.added)::bigint as added, sum(g.jobs)::integer as jobs
    from groups g group by g.user_id, g.month
  ),
  refusals as (
    select 'account'::text as scope, 1 as rank, u.user_id, null::uuid as project_id, u.month, u.added, u.jobs,
           b.monthly_limit_cents as limit_cents, t.reserved, t.settled
    from users u
    join public.budgets b on b.user_id = u.user_id and b.project_id is null
    cross join lateral (
      select coalesce(sum(s.reserved_cents), 0)::bigint as reserved, coalesce(sum(s.settled_cents), 0)::bigint as settled
      from public.job_spend s where s.user_id = u.user_id and s.month = u.month
    ) t
    where u.added > 0 and t.reserved + t.settled > b.monthly_limit_cents
    union all
    select 'project', 2, g.user_id, g.project_id, g.month, g.added, g.jobs,
           b.monthly_limit_cents, s.reserved_cents, s.settled_cents
    from groups g
    join public.budgets b on b.user_id = g.user_id and b.project_id = g.project_id
    join public.job_spend s on s.user_id = g.user_id and s.month = g.month and s.project_id = g.project_id
    where g.added > 0 and s.reserved_cents + s.settled_cents > b.monthly_limit_cents
  )
  select r.* into over from refusals r order by r.rank, r.user_id, r.month, r.project_id limit 1;
  if not found then
    return;
  end if;

  if over.scope = 'project' then
    select format('of project "%s"', p.name) into scope_name from public.projects p where p.id = over.project_id;
  end if;
  what := case
    when p_action = 'edit' then format('this change needs %s more', public.format_cents(over.added))
    when over.jobs = 1 then format('this job needs %s', public.format_cents(over.added))
    else format('these %s jobs need %s', over.jobs, public.format_cents(over.added))
  end;
  -- Spent and reserved before this statement: the rollup already holds its jobs.
  raise exception 'monthly budget % exceeded: the limit is % for % (UTC); % is spent and % reserved, and %',
    coalesce(scope_name, 'of your account'), public.format_cents(over.limit_cents), pg_catalog.to_char(over.month, 'YYYY-MM'),
    public.format_cents(over.settled), public.format_cents(over.reserved - over.added), what
    using errcode = 'PJ008',
          detail = pg_catalog.jsonb_build_object(
            'scope', over.scope,
            'project_id', over.project_id,
            'month', pg_catalog.to_char(over.month, 'YYYY-MM'),
            'limit_cents', over.limit_cents,
            'settled_cents', over.settled,
            'reserved_cents', over.reserved - over.added,
            'requested_cents', over.added,
            'jobs', over.jobs)::text,
          hint = 'Raise or remove the budget, cancel queued jobs, or wait for the next month (UTC).';
end;
$$;

comment on function public.check_job_budgets(uuid[], date[], uuid[], bigint[], integer[], text) is
  'Raises PJ008 when spend that grew in this statement passes the account''s or a project''s monthly budget. '
  'DETAIL: {"scope","project_id","month","limit_cents","settled_cents","reserved_cents","requested_cents","jobs"}.';

-- New jobs reserve their cost. One pass over the statement's rows, whatever their number.
create function public.track_job_spend_inserts()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  users uuid[];
  months date[];
  projects uuid[];
  added bigint[];
  jobs integer[];
begin
  select array_agg(g.user_id), array_agg(g.month), array_agg(g.project_id), array_agg(g.cents), array_agg(g.jobs)
    into users, months, projects, added, jobs
  from (
    select n.user_id, public.job_spend_month(n.created_at) as month, n.project_id,
           sum(n.cost_cents)::bigint as cents, count(*)::integer as jobs
    from new_rows n
    where n.cost_cents <> 0
    group by 1, 2, 3
  ) g;
  if users is null then
    return null; -- free jobs (or none): nothing to reserve or check
  end if;
  perform public.lock_job_budgets(users, projects);
  perform public.add_job_spend(users, months, projects, added, array_fill(0::bigint, array[cardinality(users)]));
  perform public.check_job_budgets(users, months, projects, added, jobs, 'create');
  return null;
end;
$$;

-- Status and cost changes move money between reserved and settled; an edit of a queued job (another mode,
-- another project) moves or resizes its reservation and is checked like a new job. The worker's claims
-- and heartbeats change no spend: the join below finds nothing and the statement writes nothing.
create function public.track_job_spend_updates()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  users uuid[];
  months date[];
  projects uuid[];
  reserved bigint[];
  settled bigint[];
  edit_users uuid[];
  edit_months date[];
  edit_projects uuid[];
  edit_added bigint[];
  edit_jobs integer[];
begin
  with changed as (
    select o.user_id, public.job_spend_month(o.created_at) as month,
           o.project_id as old_project, n.project_id as new_project,
           o.status in ('queued', 'running') as was_active, n.status in ('queued', 'running') as is_active,
           o.cost_cents as old_cost, n.cost_cents as new_cost,
           o.status = 'queued' and n.status = 'queued' as edit
    from old_rows o
    join new_rows n on n.id = o.id
    where n.cost_cents <> o.cost_cents
       or n.project_id <> o.project_id
       or (n.status in ('queued', 'running')) <> (o.status in ('queued', 'running'))
  ),
  contributions as (
    select c.user_id, c.month, c.new_project as project_id,
           case when c.is_active then c.new_cost else 0 end as reserved,
           case when c.is_active then 0 else c.new_cost end as settled,
           c.edit
    from changed c
    union all
    select c.user_id, c.month, c.old_project,
           -(case when c.was_active then c.old_cost else 0 end),
           -(case when c.was_active then 0 else c.old_cost end),
           c.edit
    from changed c
  ),
  groups as (
    select x.user_id, x.month, x.project_id,
           sum(x.reserved)::bigint as reserved, sum(x.settled)::bigint as settled,
           sum(x.reserved) filter (where x.edit)::bigint as edit_added,
           (count(*) filter (where x.edit and x.reserved > 0))::integer as edit_jobs
    from contributions x
    group by 1, 2, 3
    having sum(x.reserved) <> 0 or sum(x.settled) <> 0
  )
  select array_agg(g.user_id), array_agg(g.month), array_agg(g.project_id), array_agg(g.reserved), array_agg(g.settled),
         array_agg(g.user_id) filter (where g.edit_added is not null),
         array_agg(g.month) filter (where g.edit_added is not null),
         array_agg(g.project_id) filter (where g.edit_added is not null),
         array_agg(g.edit_added) filter (where g.edit_added is not null),
         array_agg(g.edit_jobs) filter (where g.edit_added is not null)
    into users, months, projects, reserved, settled, edit_users, edit_months, edit_projects, edit_added, edit_jobs
  from groups g;
  if users is null then
    return null;
  end if;
  if edit_users is not null then
    perform public.lock_job_budgets(edit_users, edit_projects);
  end if;
  perform public.add_job_spend(users, months, projects, reserved, settled);
  if edit_users is not null then
    perform public.check_job_budgets(edit_users, edit_months, edit_projects, edit_added, edit_jobs, 'edit');
  end if;
  return null;
end;
$$;

-- A deleted job that was still active gives its reservation back; a finished one's settled cost stays
-- (money spent stays spent, also when archival moves finished jobs to another table).
create function public.track_job_spend_deletes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  with released as (
    select o.user_id, public.job_spend_month(o.created_at) as month, o.project_id, sum(o.cost_cents)::bigint as cents
    from old_rows o
    where o.status in ('queued', 'running') and o.cost_cents <> 0
    group by 1, 2, 3
  ),
  locked as materialized (
    select s.user_id, s.month, s.project_id
    from public.job_spend s
    join released r on r.user_id = s.user_id and r.month = s.month and r.project_id = s.project_id
    order by s.user_id, s.month, s.project_id
    for update of s
  )
  update public.job_spend s
     set reserved_cents = s.reserved_cents - r.cents,
         updated_at = now()
    from released r, locked l
   where l.user_id = r.user_id and l.month = r.month and l.project_id = r.project_id
     and s.user_id = r.user_id and s.month = r.month and s.project_id = r.project_id;
  return null;
end;
$$;

comment on function public.track_job_spend_inserts() is
  'AFTER INSERT statement trigger of generation_jobs: reserves the new jobs'' cost in job_spend and refuses (PJ008) what passes a budget.';
comment on function public.track_job_spend_updates() is
  'AFTER UPDATE statement trigger of generation_jobs: moves cost between reserved and settled; checks edits that grow a reservation (PJ008).';
comment on function public.track_job_spend_deletes() is
  'AFTER DELETE statement trigger of generation_jobs: releases the reservation of deleted active jobs; settled cost stays.';

revoke execute on function
  public.delete_user_job_spend(),
  public.add_job_spend(uuid[], date[], uuid[], bigint[], bigint[]),
  public.lock_job_budgets(uuid[], uuid[]),
  public.check_job_budgets(uuid[], date[], uuid[], bigint[], integer[], text),
  public.track_job_spend_inserts(),
  public.track_job_spend_updates(),
  public.track_job_spend_deletes()
  from public, anon, authenticated, service_role;

create trigger generation_jobs_budget_spend_inserts
  after insert on public.generation_jobs
  referencing new table as new_rows
  for each statement execute function public.track_job_spend_inserts();

create trigger generation_jobs_budget_spend_updates
  after update on public.generation_jobs
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.track_job_spend_updates();

create trigger generation_jobs_budget_spend_deletes
  after delete on public.generation_jobs
  referencing old table as old_rows
  for each statement execute function public.track_job_spend_deletes();

-- ---------------------------------------------------------------------------------------------------
-- Settling: failed and canceled jobs cost what the provider reported, else nothing
-- ---------------------------------------------------------------------------------------------------
-- Same functions as in 20261129100200_job_queue_functions.sql, except for the cost a job keeps when it
-- ends without succeeding: the reported cost, or 0 (which releases its reservation), where they kept the
-- estimate. A retry keeps the reservation.

-- p_jobs: [{"id", "lease_token", "error", "retryable", "cost_cents" (what the failed attempt cost, if the
-- provider said; null: nothing)}, ...]
create or replace function job_queue.fail_jobs(p_worker_id text, p_jobs jsonb, p_backoff_base_ms integer, p_backoff_max_ms integer)
returns table (job_id uuid, lease_token bigint, outcome text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  perform job_queue.act_as(p_worker_id, 'retry_scheduled');
  return query
  with input as (
    select t.id, t.lease_token as token, t.retryable, t.cost_cents as cost,
           -- Messages must have a visible character and fit the column.
           case when public.has_visible_text(t.error) then left(t.error, 2000) else 'Unknown error' end as error
    from jsonb_to_recordset(p_jobs) as t(id uuid, lease_token bigint, error text, retryable boolean, cost_cents integer)
  ),
  decided as (
    select i.*, j.attempts < j.max_attempts and coalesce(i.retryable, false) as retry,
           least(p_backoff_max_ms::double precision, p_backoff_base_ms * power(2, greatest(j.attempts - 1, 0))) as delay_ms
    from input i
    join public.generation_jobs j on j.id = i.id
  ),
  changed as (
    update public.generation_jobs j
       set status = case when d.retry then 'queued' else 'failed' end,
           run_at = case when d.retry then now() + make_interval(secs => (d.delay_ms / 2 + random() * d.delay_ms / 2) / 1000) else j.run_at end,
           last_error = d.error,
           error_message = case when d.retry then null else d.error end,
           cost_cents = case when d.retry then j.cost_cents else greatest(coalesce(d.cost, 0), 0) end
      from decided d
     where j.id = d.id and j.lease_token = d.token and j.status = 'running'
    returning j.id, j.lease_token, j.status
  )
  select i.id, i.token,
         case
           when c.id is not null then case when c.status = 'queued' then 'retry_scheduled' else 'failed' end
           when exists (select 1 from public.generation_jobs p where p.id = i.id and p.lease_token = i.token and p.status = 'failed') then 'failed'
           else 'lost'
         end
  from input i
  left join changed c on c.id = i.id and c.lease_token = i.token;
  perform job_queue.clear_actor();
end;
$$;

-- p_jobs: [{"id", "lease_token", "cost_cents" (optional: what the attempt cost before it stopped)}, ...]
create or replace function job_queue.cancel_jobs(p_worker_id text, p_jobs jsonb)
returns table (job_id uuid, lease_token bigint, outcome text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  perform job_queue.act_as(p_worker_id);
  return query
  with input as (
    select t.id, t.lease_token as token, t.cost_cents as cost
    from jsonb_to_recordset(p_jobs) as t(id uuid, lease_token bigint, cost_cents integer)
  ),
  changed as (
    update public.generation_jobs j
       set status = 'canceled',
           cost_cents = greatest(coalesce(i.cost, 0), 0)
      from input i
     where j.id = i.id and j.lease_token = i.token and j.status = 'running' and j.cancel_requested_at is not null
    returning j.id, j.lease_token
  )
  select i.id, i.token,
         case
           when c.id is not null then 'canceled'
           when exists (select 1 from public.generation_jobs p where p.id = i.id and p.lease_token = i.token and p.status = 'canceled') then 'canceled'
           else 'lost'
         end
  from input i
  left join changed c on c.id = i.id and c.lease_token = i.token;
  perform job_queue.clear_actor();
end;
$$;

-- A job whose worker died reported nothing: when it fails or is canceled here, it costs nothing.
create or replace function job_queue.rescue_expired_jobs(p_worker_id text, p_limit integer default 1000)
returns table (job_id uuid, outcome text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  perform job_queue.act_as(p_worker_id, 'rescued');
  return query
  with expired as (
    select j.id
    from public.generation_jobs j
    where j.status = 'running' and j.locked_until < now()
    order by j.locked_until
    limit least(greatest(p_limit, 0), 10000)
    for update skip locked
  ),
  changed as (
    update public.generation_jobs j
       set status = case
             when j.cancel_requested_at is not null then 'canceled'
             when j.attempts < j.max_attempts then 'queued'
             else 'failed'
           end,
           run_at = now(),
           last_error = format('lease expired: worker %s stopped renewing it', j.locked_by),
           error_message = case
             when j.cancel_requested_at is null and j.attempts >= j.max_attempts
               then format('lease expired on attempt %s of %s: worker %s stopped renewing it', j.attempts, j.max_attempts, j.locked_by)
           end,
           cost_cents = case
             when j.cancel_requested_at is null and j.attempts < j.max_attempts then j.cost_cents
             else 0
           end
      from expired e
     where j.id = e.id
    returning j.id, j.status
  )
  select c.id, case c.status when 'queued' then 'rescued' else c.status end
  from changed c;
  perform job_queue.clear_actor();
end;
$$;

-- A queued job canceled by its owner never ran: its reservation is released (manual jobs keep their
-- owner's figure, which is fixed). Otherwise as in 20261129100100_generation_job_queue.sql.
create or replace function public.cancel_generation_job(job_id uuid)
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
  if job.status = 'queued' and job.provider <> 'manual' then
    update public.generation_jobs j set status = 'canceled', cost_cents = 0 where j.id = job.id returning * into job;
  elsif job.status = 'queued' or (job.status = 'running' and job.provider = 'manual') then
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

-- ---------------------------------------------------------------------------------------------------
-- What owners call: set a budget, read budgets against spend
-- ---------------------------------------------------------------------------------------------------

-- Creates or changes the caller's budget for a project (or, without project_id, for the account).
create function public.set_budget(monthly_limit_cents bigint, project_id uuid default null)
returns public.budgets
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  budget public.budgets;
begin
  insert into public.budgets as b (project_id, monthly_limit_cents)
  values (set_budget.project_id, set_budget.monthly_limit_cents)
  on conflict on constraint budgets_scope_key do update
    set monthly_limit_cents = excluded.monthly_limit_cents
  returning b.* into budget;
  return budget;
end;
$$;

comment on function public.set_budget(bigint, uuid) is
  'Creates or changes one of the caller''s budgets: project_id null (or left out) for the account. Returns the row.';

-- The caller's budgets against the month's spend: one 'account' row (limit_cents null without an account
-- budget), then one 'project' row per project that has a budget or spend in the month, by name.
create function public.get_budget_usage(for_month date default null)
returns table (
  scope text, project_id uuid, project_name text, month date,
  limit_cents bigint, reserved_cents bigint, settled_cents bigint)
language sql
stable
security invoker
set search_path = ''
as $$
  with m as (
    select coalesce((pg_catalog.date_trunc('month', get_budget_usage.for_month::timestamp))::date,
                    public.job_spend_month(now())) as month
  ),
  spend as (
    select s.project_id, s.reserved_cents, s.settled_cents
    from public.job_spend s, m
    where s.user_id = (select auth.uid()) and s.month = m.month
  )
  select 'account', null::uuid, null::text, m.month,
         (select b.monthly_limit_cents from public.budgets b where b.user_id = (select auth.uid()) and b.project_id is null),
         coalesce((select sum(s.reserved_cents) from spend s), 0)::bigint,
         coalesce((select sum(s.settled_cents) from spend s), 0)::bigint
  from m
  where (select auth.uid()) is not null
  union all
  (select 'project', p.id, p.name, m.month, b.monthly_limit_cents,
          coalesce(s.reserved_cents, 0), coalesce(s.settled_cents, 0)
   from public.projects p
   cross join m
   left join public.budgets b on b.project_id = p.id and b.user_id = p.user_id
   left join spend s on s.project_id = p.id
   where p.user_id = (select auth.uid()) and (b.id is not null or s.project_id is not null)
   order by p.name, p.id);
$$;

comment on function public.get_budget_usage(date) is
  'The caller''s budgets and spend for a month (default: the current UTC month): an account row, then one row '
  'per project with a budget or spend. limit_cents is null where no budget is set.';

revoke execute on function public.set_budget(bigint, uuid), public.get_budget_usage(date) from public, anon;
grant execute on function public.set_budget(bigint, uuid), public.get_budget_usage(date) to authenticated, service_role;
revoke execute on function public.job_spend_month(timestamptz), public.format_cents(bigint) from anon;
