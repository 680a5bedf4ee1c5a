-- The worker's side of the queue (docs/WORKER.md): schema job_queue, never exposed by the API (it is not
-- in config.toml's [api] schemas, and the API roles have no privilege on it).
--
-- * Role job_worker (NOLOGIN): holds EXECUTE on the functions below and nothing else. A deployment gives
--   its workers a login role that is a member of job_worker (least privilege); the database owner
--   (postgres, the worker's default connection) can call them too.
-- * The functions are SECURITY DEFINER (owner: the migration's role), so job_worker needs no privilege on
--   the tables, and every change runs through the rules trigger and writes its job_events row.
-- * Each function is one statement over a batch: claim N, heartbeat, complete, fail, cancel, release,
--   rescue. Batches are JSON arrays of {"id", "lease_token", ...}: every call names each job's lease_token
--   (the fencing token of its claim), so a worker that lost its lease changes nothing and is told "lost".
-- * Workers record themselves in job_queue.workers (heartbeat, what they run now) for monitoring.

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'job_worker') then
    create role job_worker nologin;
  end if;
end;
$$;

comment on role job_worker is 'Generation-job workers: may call the job_queue functions, nothing else. Grant it to a worker''s login role.';

create schema job_queue;
comment on schema job_queue is 'The generation-job queue''s worker functions (not exposed by the API).';
revoke all on schema job_queue from public;
grant usage on schema job_queue to job_worker;

-- Fencing tokens: every claim takes a new, larger one.
create sequence job_queue.lease_tokens as bigint;
revoke all on sequence job_queue.lease_tokens from public;

create table job_queue.workers (
  id text primary key,
  host text not null,
  pid integer not null,
  providers text[] not null,
  concurrency integer not null,
  started_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  stopped_at timestamptz,
  -- The jobs it holds right now (as of its last heartbeat).
  running_job_ids uuid[] not null default '{}',
  constraint workers_id_check check (public.has_visible_text(id) and char_length(id) <= 200),
  constraint workers_host_check check (public.has_visible_text(host) and char_length(host) <= 255),
  constraint workers_concurrency_check check (concurrency between 1 and 10000)
);

comment on table job_queue.workers is 'Worker processes: registered at start, seen at every heartbeat, stopped_at on a clean shutdown.';

revoke all on job_queue.workers from public;

-- Sets who acts and why for the job_events rows the statement's triggers write (transaction-local).
create function job_queue.act_as(p_worker_id text, p_reason text default '')
returns void
language sql
volatile
set search_path = ''
as $$
  select pg_catalog.set_config('job_queue.actor', 'worker:' || p_worker_id, true),
         pg_catalog.set_config('job_queue.reason', p_reason, true);
$$;

create function job_queue.clear_actor()
returns void
language sql
volatile
set search_path = ''
as $$
  select pg_catalog.set_config('job_queue.actor', '', true), pg_catalog.set_config('job_queue.reason', '', true);
$$;

-- ---------------------------------------------------------------------------------------------------
-- Workers
-- ---------------------------------------------------------------------------------------------------

create function job_queue.register_worker(p_worker_id text, p_host text, p_pid integer, p_providers text[], p_concurrency integer)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  insert into job_queue.workers (id, host, pid, providers, concurrency)
  values (p_worker_id, p_host, p_pid, p_providers, p_concurrency)
  on conflict (id) do update
    set host = excluded.host, pid = excluded.pid, providers = excluded.providers, concurrency = excluded.concurrency,
        last_seen_at = now(), stopped_at = null;
$$;

create function job_queue.stop_worker(p_worker_id text)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  update job_queue.workers set stopped_at = now(), last_seen_at = now(), running_job_ids = '{}' where id = p_worker_id;
$$;

-- Forgets workers stopped or silent for longer than p_after.
create function job_queue.prune_workers(p_after interval)
returns integer
language sql
volatile
security definer
set search_path = ''
as $$
  with gone as (
    delete from job_queue.workers w
    where coalesce(w.stopped_at, w.last_seen_at) < now() - p_after
    returning 1
  )
  select count(*)::integer from gone;
$$;

-- ---------------------------------------------------------------------------------------------------
-- Claim
-- ---------------------------------------------------------------------------------------------------

-- One statement: up to p_limit due jobs of the given providers, by priority then run_at, skipping rows
-- other workers hold; each gets the lease (p_worker_id, now + p_lease_seconds) and a new fencing token;
-- the rules trigger counts the attempt and stamps started_at.
-- enable_sort = off keeps the claim on generation_jobs_claim_idx in claim order, reading only the rows it
-- takes, even when the statistics lag behind the table (a burst of inserts into a fresh table would
-- otherwise plan "read every queued job, then sort", once per claim).
create function job_queue.claim_jobs(p_worker_id text, p_providers text[], p_limit integer, p_lease_seconds integer)
returns table (
  id uuid, user_id uuid, project_id uuid, input_asset_id uuid, mode text, provider text, params jsonb,
  attempts integer, max_attempts integer, cost_cents integer, lease_token bigint, locked_until timestamptz,
  timeout_seconds integer, created_at timestamptz, run_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
set enable_sort = off
as $$
#variable_conflict use_column
begin
  perform job_queue.act_as(p_worker_id);
  return query
  with candidates as (
    select j.id
    from public.generation_jobs j
    where j.status = 'queued'
      and j.run_at <= now()
      and j.provider = any (p_providers)
      and j.provider <> 'manual'
    order by j.priority, j.run_at, j.id
    limit least(greatest(p_limit, 0), 1000)
    for update skip locked
  ),
  claimed as (
    update public.generation_jobs j
       set status = 'running',
           locked_by = p_worker_id,
           locked_until = now() + make_interval(secs => p_lease_seconds),
           lease_token = nextval('job_queue.lease_tokens')
      from candidates c
     where j.id = c.id
    returning j.*
  )
  select c.id, c.user_id, c.project_id, c.input_asset_id, c.mode, c.provider, c.params,
         c.attempts, c.max_attempts, c.cost_cents, c.lease_token, c.locked_until,
         coalesce(m.timeout_seconds, 60), c.created_at, c.run_at
  from claimed c
  left join public.generation_modes m on m.mode = c.mode and m.provider = c.provider
  order by c.priority, c.run_at, c.id;
  perform job_queue.clear_actor();
end;
$$;

-- ---------------------------------------------------------------------------------------------------
-- Heartbeat: extend the leases the worker still holds; report cancel requests and lost leases
-- ---------------------------------------------------------------------------------------------------

-- p_jobs: [{"id": uuid, "lease_token": bigint}, ...]
create function job_queue.heartbeat(p_worker_id text, p_jobs jsonb, p_lease_seconds integer)
returns table (job_id uuid, lease_token bigint, state text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  update job_queue.workers w
     set last_seen_at = now(),
         running_job_ids = array(select t.id from jsonb_to_recordset(p_jobs) as t(id uuid))
   where w.id = p_worker_id;
  return query
  with held as (
    select t.id, t.lease_token as token from jsonb_to_recordset(p_jobs) as t(id uuid, lease_token bigint)
  ),
  extended as (
    update public.generation_jobs j
       set locked_until = now() + make_interval(secs => p_lease_seconds)
      from held h
     where j.id = h.id and j.lease_token = h.token and j.status = 'running'
    returning j.id, j.lease_token, j.cancel_requested_at is not null as cancel_requested
  )
  select h.id, h.token,
         case when e.id is null then 'lost' when e.cancel_requested then 'cancel_requested' else 'running' end
  from held h
  left join extended e on e.id = h.id and e.lease_token = h.token;
end;
$$;

-- ---------------------------------------------------------------------------------------------------
-- Finishing calls. Each returns one row per job and token: what happened, or 'lost' when the token no
-- longer holds the job (nothing was changed). Repeating a call that already applied answers the same.
-- ---------------------------------------------------------------------------------------------------

-- p_jobs: [{"id", "lease_token", "cost_cents" (final cost; null keeps the estimate), "output_asset_id" (or null)}, ...]
create function job_queue.complete_jobs(p_worker_id text, p_jobs jsonb)
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
    select t.id, t.lease_token as token, t.cost_cents as cost, t.output_asset_id as output
    from jsonb_to_recordset(p_jobs) as t(id uuid, lease_token bigint, cost_cents integer, output_asset_id uuid)
  ),
  done as (
    update public.generation_jobs j
       set status = 'succeeded',
           cost_cents = coalesce(i.cost, j.cost_cents),
           output_asset_id = coalesce(i.output, j.output_asset_id)
      from input i
     where j.id = i.id and j.lease_token = i.token and j.status = 'running'
    returning j.id, j.lease_token
  )
  -- A job not changed now may have been finished by an earlier call with the same token (a retried call).
  select i.id, i.token,
         case
           when d.id is not null then 'succeeded'
           when exists (select 1 from public.generation_jobs p where p.id = i.id and p.lease_token = i.token and p.status = 'succeeded') then 'succeeded'
           else 'lost'
         end
  from input i
  left join done d on d.id = i.id and d.lease_token = i.token;
  perform job_queue.clear_actor();
end;
$$;

-- Retryable errors go back to the queue while attempts remain, after an exponential backoff with jitter:
-- d = min(p_backoff_max_ms, p_backoff_base_ms * 2^(attempts - 1)), run_at = now + d/2 + random * d/2.
-- Otherwise the job fails for good (error_message = the error).
-- p_jobs: [{"id", "lease_token", "error", "retryable", "cost_cents" (final cost if it fails; null keeps it)}, ...]
create function job_queue.fail_jobs(p_worker_id text, p_jobs jsonb, p_backoff_base_ms integer, p_backoff_max_ms integer)
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
           cost_cents = case when d.retry then j.cost_cents else coalesce(d.cost, j.cost_cents) end
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

-- Acknowledges cancel requests: running jobs with cancel_requested_at become canceled.
create function job_queue.cancel_jobs(p_worker_id text, p_jobs jsonb)
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
    select t.id, t.lease_token as token from jsonb_to_recordset(p_jobs) as t(id uuid, lease_token bigint)
  ),
  changed as (
    update public.generation_jobs j
       set status = 'canceled'
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

-- On shutdown: jobs the worker could not finish go back to the queue, due now, without using up the attempt.
create function job_queue.release_jobs(p_worker_id text, p_jobs jsonb)
returns table (job_id uuid, lease_token bigint, outcome text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  perform job_queue.act_as(p_worker_id, 'released');
  return query
  with input as (
    select t.id, t.lease_token as token from jsonb_to_recordset(p_jobs) as t(id uuid, lease_token bigint)
  ),
  changed as (
    update public.generation_jobs j
       set status = 'queued',
           attempts = j.attempts - 1,
           run_at = now()
      from input i
     where j.id = i.id and j.lease_token = i.token and j.status = 'running'
    returning j.id, j.lease_token
  )
  select i.id, i.token, case when c.id is not null then 'released' else 'lost' end
  from input i
  left join changed c on c.id = i.id and c.lease_token = i.token;
  perform job_queue.clear_actor();
end;
$$;

-- Any live worker runs this periodically: running jobs whose lease expired (their worker died or lost the
-- database) go back to the queue, due now, or fail when their attempts are spent; a pending cancel
-- request is honoured instead. SKIP LOCKED lets several workers run it at once.
create function job_queue.rescue_expired_jobs(p_worker_id text, p_limit integer default 1000)
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

-- ---------------------------------------------------------------------------------------------------
-- Privileges: the worker role only
-- ---------------------------------------------------------------------------------------------------

revoke execute on all functions in schema job_queue from public, anon, authenticated, service_role;
grant execute on function
  job_queue.register_worker(text, text, integer, text[], integer),
  job_queue.stop_worker(text),
  job_queue.prune_workers(interval),
  job_queue.claim_jobs(text, text[], integer, integer),
  job_queue.heartbeat(text, jsonb, integer),
  job_queue.complete_jobs(text, jsonb),
  job_queue.fail_jobs(text, jsonb, integer, integer),
  job_queue.cancel_jobs(text, jsonb),
  job_queue.release_jobs(text, jsonb),
  job_queue.rescue_expired_jobs(text, integer)
  to job_worker;
