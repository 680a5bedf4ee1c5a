-- Image providers (docs/WORKER.md "Image providers"): the worker turns a job's input photo into an output
-- image, stores it in the generated-images bucket and records it as the job's output asset.
--
-- * generation_jobs.provider_job_id: the id a hosted model API gave the job's prediction. Written only by
--   the job system (job_queue.set_provider_job_id, fenced by the lease token); API callers get PJ010.
-- * Image jobs (providers local and http) are checked when they are created or edited:
--   PI001  params that are not options of the mode, or out of range (public.image_params_problem(), the
--          mirror of lib/images/image-params.ts);
--   PI002  no input asset, or an input asset without a stored file: an image job needs a photo.
--   Rows written before this migration are not re-checked; the worker fails such jobs when it runs them.
-- * job_queue functions for the worker: job_inputs (the input asset of held jobs), set_provider_job_id,
--   complete_jobs_with_output (inserts the output asset and completes the job in one transaction, checking
--   the lease token: a stale worker changes nothing), discardable_outputs (which stored outputs no job or
--   asset holds, so the worker may delete them), enable_modes (a worker configured for a hosted model
--   enables that provider's modes).

-- ---------------------------------------------------------------------------------------------------
-- generation_jobs.provider_job_id
-- ---------------------------------------------------------------------------------------------------

alter table public.generation_jobs
  add column provider_job_id text,
  add constraint generation_jobs_provider_job_id_check
    check (provider_job_id is null or (public.has_visible_text(provider_job_id) and char_length(provider_job_id) <= 200));

comment on column public.generation_jobs.provider_job_id is
  'The id of the job''s work at a hosted provider (an http prediction id), from its latest attempt; written by the job system only.';

-- ---------------------------------------------------------------------------------------------------
-- Options of the image modes (mirrors imageParamsSchemas in lib/images/image-params.ts)
-- ---------------------------------------------------------------------------------------------------

-- null when p_params are valid options of p_mode, else what is wrong, in words. Modes that are not image
-- modes (a provider may offer more, as rows of generation_modes) have no rules here: null.
create function public.image_params_problem(p_mode text, p_params jsonb)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  options text[];
  key text;
  value jsonb;
  n numeric;
begin
  options := case p_mode
    when 'studio-white' then array['margin', 'size', 'format', 'tolerance']
    when 'upscale' then array['scale', 'sharpen', 'format']
    when 'background-removal' then array['tolerance', 'feather', 'format']
    when 'shadow' then array['opacity', 'softness', 'margin', 'size', 'format', 'tolerance']
    when 'lifestyle' then array['scene', 'size', 'format', 'tolerance']
  end;
  if options is null then
    return null;
  end if;
  if p_params is null or jsonb_typeof(p_params) <> 'object' then
    return 'params must be a JSON object';
  end if;
  for key, value in select e.key, e.value from jsonb_each(p_params) e order by e.key loop
    if not key = any (options) then
      return format('params.%s is not an option of %s (its options: %s)', key, p_mode, array_to_string(options, ', '));
    end if;
    if key in ('format', 'scene') then
      if jsonb_typeof(value) <> 'string' then
        return format('params.%s must be a string', key);
      end if;
      if key = 'scene' and not (value #>> '{}') in ('warm', 'cool', 'neutral') then
        return 'params.scene must be one of warm, cool, neutral';
      end if;
      if key = 'format' and p_mode = 'background-removal' and not (value #>> '{}') in ('png', 'webp') then
        return 'params.format must be png or webp (formats with transparency)';
      end if;
      if key = 'format' and not (value #>> '{}') in ('jpeg', 'png', 'webp') then
        return 'params.format must be one of jpeg, png, webp';
      end if;
      continue;
    end if;
    if key = 'sharpen' then
      if jsonb_typeof(value) <> 'boolean' then
        return 'params.sharpen must be true or false';
      end if;
      continue;
    end if;
    if jsonb_typeof(value) <> 'number' then
      return format('params.%s must be a number', key);
    end if;
    n := (value #>> '{}')::numeric;
    if key = 'scale' and n not in (2, 4) then
      return 'params.scale must be 2 or 4';
    end if;
    if key in ('tolerance', 'size') and n <> trunc(n) then
      return format('params.%s must be a whole number', key);
    end if;
    if (key = 'tolerance' and n not between 0 and 128)
       or (key = 'size' and n not between 64 and 4096)
       or (key = 'margin' and n not between 0 and 0.4)
       or (key = 'feather' and n not between 0 and 20)
       or (key = 'opacity' and n not between 0 and 1)
       or (key = 'softness' and n not between 0.005 and 0.2) then
      return format('params.%s must be between %s and %s', key,
        case key when 'tolerance' then '0' when 'size' then '64' when 'softness' then '0.005' else '0' end,
        case key when 'tolerance' then '128' when 'size' then '4096' when 'margin' then '0.4' when 'feather' then '20' when 'opacity' then '1' else '0.2' end);
    end if;
  end loop;
  return null;
end;
$$;

comment on function public.image_params_problem(text, jsonb) is
  'What is wrong with the params of an image mode (null: nothing). Mirrors lib/images/image-params.ts.';

-- ---------------------------------------------------------------------------------------------------
-- Rules of image jobs, and the authority over provider_job_id
-- ---------------------------------------------------------------------------------------------------

-- Fires after generation_jobs_enforce_rules (name order), so ownership and authority errors come first.
create function public.enforce_image_job_rules()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
  api_caller constant boolean := current_user in ('anon', 'authenticated', 'service_role');
  problem text;
begin
  -- What the job system records starts empty, whoever inserts; API callers never write it.
  if (tg_op = 'INSERT' and new.provider_job_id is not null)
     or (tg_op = 'UPDATE' and api_caller and new.provider_job_id is distinct from old.provider_job_id) then
    raise exception 'generation_jobs.provider_job_id is set by the job system, not by the caller'
      using errcode = 'PJ010', column = 'provider_job_id', table = 'generation_jobs', schema = 'public',
            hint = 'The worker records the id the hosted provider gave the job.';
  end if;

  if new.provider not in ('local', 'http') then
    return new;
  end if;

  if tg_op = 'INSERT' or new.mode is distinct from old.mode or new.params is distinct from old.params then
    problem := public.image_params_problem(new.mode, new.params);
    if problem is not null then
      raise exception 'invalid params for a % job: %', new.mode, problem
        using errcode = 'PI001',
              hint = 'See the options of each mode in docs/WORKER.md ("Image modes").';
    end if;
  end if;

  -- An image job needs a photo. Deleting the input asset later (ON DELETE SET NULL, run as the table's
  -- owner) is allowed: the worker then fails the job with a clear message.
  if new.input_asset_id is null and (tg_op = 'INSERT' or (api_caller and old.input_asset_id is not null)) then
    raise exception 'a % job needs an input image: set input_asset_id to a photo of the project', new.mode
      using errcode = 'PI002',
            hint = 'Upload a product photo first (uploadAsset), then create the job with its asset id.';
  end if;
  if new.input_asset_id is not null and (tg_op = 'INSERT' or new.input_asset_id is distinct from old.input_asset_id)
     and exists (select 1 from public.assets a where a.id = new.input_asset_id and a.bucket is null) then
    raise exception 'input asset % has no stored file: an image job needs an uploaded photo', new.input_asset_id
      using errcode = 'PI002',
            hint = 'Use an asset uploaded to Storage (its bucket is set).';
  end if;
  return new;
end;
$$;

comment on function public.enforce_image_job_rules() is
  'BEFORE INSERT/UPDATE trigger of generation_jobs: params of image modes (PI001), an input photo for local '
  'and http jobs (PI002), provider_job_id for the job system only (PJ010).';

revoke execute on function public.enforce_image_job_rules() from public, anon, authenticated, service_role;

create trigger generation_jobs_image_rules
  before insert or update on public.generation_jobs
  for each row execute function public.enforce_image_job_rules();

-- ---------------------------------------------------------------------------------------------------
-- The worker's side
-- ---------------------------------------------------------------------------------------------------

-- The input asset of each job the worker still holds (p_jobs: [{"id", "lease_token"}]); a job it no longer
-- holds has no row. provider_job_id: what an earlier attempt started at a hosted provider (to resume it).
create function job_queue.job_inputs(p_worker_id text, p_jobs jsonb)
returns table (
  job_id uuid, lease_token bigint, provider_job_id text, asset_id uuid, bucket text, storage_path text, name text,
  mime_type text, size_bytes bigint, width integer, height integer)
language sql
stable
security definer
set search_path = ''
as $$
  select j.id, j.lease_token, j.provider_job_id, a.id, a.bucket, a.storage_path, a.name, a.mime_type, a.size_bytes, a.width, a.height
  from jsonb_to_recordset(p_jobs) as t(id uuid, lease_token bigint)
  join public.generation_jobs j on j.id = t.id and j.lease_token = t.lease_token and j.status = 'running'
  left join public.assets a on a.id = j.input_asset_id;
$$;

-- Records the provider's id of the job's current attempt; false (and nothing written) when the lease is gone.
create function job_queue.set_provider_job_id(p_worker_id text, p_job_id uuid, p_lease_token bigint, p_provider_job_id text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.generation_jobs j
     set provider_job_id = p_provider_job_id
   where j.id = p_job_id and j.lease_token = p_lease_token and j.status = 'running';
  return found;
end;
$$;

-- Completes jobs with the image their attempt stored, in one transaction: for each job the worker still
-- holds (row locked, token checked), the output asset is inserted (or, if a row for that object exists,
-- updated), then job_queue.complete_jobs() finishes the job with output_asset_id and the final cost.
-- A job the token no longer holds gets no asset and answers 'lost'; a repeated call answers as before.
-- The object is {user_id}/{project_id}/{job_id}.{extension} in generated-images: the path is made here,
-- from the job, not taken from the caller. check_asset_object() refuses it (PS001) if it was not uploaded.
-- p_jobs: [{"id", "lease_token", "cost_cents", "output": {"extension", "name", "mime_type", "width", "height"}}]
create function job_queue.complete_jobs_with_output(p_worker_id text, p_jobs jsonb)
returns table (job_id uuid, lease_token bigint, outcome text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  completions jsonb;
begin
  with input as (
    select t.id, t.lease_token as token, t.cost_cents as cost, t.output
    from jsonb_to_recordset(p_jobs) as t(id uuid, lease_token bigint, cost_cents integer, output jsonb)
  ),
  held as (
    select i.id, i.token, j.user_id, j.project_id,
           format('%s/%s/%s.%s', j.user_id, j.project_id, j.id, i.output ->> 'extension') as storage_path,
           i.output
    from input i
    join public.generation_jobs j on j.id = i.id and j.lease_token = i.token and j.status = 'running'
    for update of j
  ),
  stored as (
    insert into public.assets as a (user_id, project_id, name, storage_path, bucket, kind, mime_type, width, height)
    select h.user_id, h.project_id, h.output ->> 'name', h.storage_path, 'generated-images', 'output',
           h.output ->> 'mime_type', (h.output ->> 'width')::integer, (h.output ->> 'height')::integer
    from held h
    on conflict (bucket, storage_path) where bucket is not null
    do update set name = excluded.name, kind = 'output', mime_type = excluded.mime_type,
                  width = excluded.width, height = excluded.height
    returning a.id, a.storage_path
  )
  select jsonb_agg(jsonb_build_object('id', i.id, 'lease_token', i.token, 'cost_cents', i.cost, 'output_asset_id', s.id))
    into completions
  from input i
  left join held h on h.id = i.id and h.token = i.token
  left join stored s on s.storage_path = h.storage_path;
  return query select c.job_id, c.lease_token, c.outcome from job_queue.complete_jobs(p_worker_id, coalesce(completions, '[]'::jsonb)) c;
end;
$$;

-- Stored outputs of these jobs (p_jobs: [{"id", "lease_token" or null}]) that nothing holds, so the worker
-- may delete them: objects {user}/{project}/{job}.{png,jpg,webp} of generated-images that no asset row
-- names, of jobs that are not running under another lease (a concurrent attempt may be writing the same
-- object). A worker passes its own token for the attempt it is cleaning up after, null after a rescue.
create function job_queue.discardable_outputs(p_worker_id text, p_jobs jsonb)
returns table (job_id uuid, bucket text, name text)
language sql
stable
security definer
set search_path = ''
as $$
  select j.id, o.bucket_id, o.name
  from jsonb_to_recordset(p_jobs) as t(id uuid, lease_token bigint)
  join public.generation_jobs j on j.id = t.id
  cross join lateral unnest(array['png', 'jpg', 'webp']) as e(extension)
  join storage.objects o on o.bucket_id = 'generated-images' and o.name = format('%s/%s/%s.%s', j.user_id, j.project_id, j.id, e.extension)
  where j.provider in ('local', 'http')
    and (j.status <> 'running' or j.lease_token is not distinct from t.lease_token)
    and not exists (select 1 from public.assets a where a.bucket = o.bucket_id and a.storage_path = o.name);
$$;

-- A worker configured for a hosted model enables that provider's modes it can run (existing rows only; it
-- never disables one: several workers with different configurations may share the database).
create function job_queue.enable_modes(p_worker_id text, p_provider text, p_modes text[])
returns setof text
language sql
volatile
security definer
set search_path = ''
as $$
  update public.generation_modes m
     set enabled = true
   where m.provider = p_provider and m.mode = any (p_modes) and not m.enabled
  returning m.mode;
$$;

revoke execute on function
  job_queue.job_inputs(text, jsonb),
  job_queue.set_provider_job_id(text, uuid, bigint, text),
  job_queue.complete_jobs_with_output(text, jsonb),
  job_queue.discardable_outputs(text, jsonb),
  job_queue.enable_modes(text, text, text[])
  from public, anon, authenticated, service_role;
grant execute on function
  job_queue.job_inputs(text, jsonb),
  job_queue.set_provider_job_id(text, uuid, bigint, text),
  job_queue.complete_jobs_with_output(text, jsonb),
  job_queue.discardable_outputs(text, jsonb),
  job_queue.enable_modes(text, text, text[])
  to job_worker;
