-- Projects and assets: what generation jobs point at (see 20260104230101_create_generation_jobs_table.sql).
--
-- * Every row is owned by one auth user (user_id defaults to auth.uid()); RLS lets owners, and only them,
--   read and write their rows. Policies are `to authenticated` and use `(select auth.uid())`, so the
--   function runs once per statement (Supabase linter: auth_rls_initplan).
-- * An asset's project belongs to the asset's owner: the composite foreign key
--   (project_id, user_id) -> projects (id, user_id) makes any other combination impossible.
-- * Owners cannot be changed (SQLSTATE PJ005), so the composite keys stay meaningful.
-- * Every foreign key has an index whose columns equal the key's (Supabase linter: unindexed_foreign_keys).
-- * updated_at is maintained by public.set_updated_at(), shared by every table of the schema.

-- ---------------------------------------------------------------------------------------------------
-- Shared trigger functions
-- ---------------------------------------------------------------------------------------------------

create function public.set_updated_at()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  -- Strictly later than before, even for two updates in one transaction (now() is the transaction time).
  new.updated_at := greatest(now(), old.updated_at + interval '1 microsecond');
  return new;
end;
$$;

comment on function public.set_updated_at() is
  'BEFORE UPDATE trigger: sets updated_at to the transaction time (strictly later than the previous value) on every update.';

create function public.forbid_owner_change()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  if new.user_id is distinct from old.user_id then
    raise exception '%.user_id cannot be changed: a row keeps the owner it was created with', tg_table_name
      using errcode = 'PJ005',
            hint = 'Create a new row for the other user instead.';
  end if;
  return new;
end;
$$;

comment on function public.forbid_owner_change() is
  'BEFORE UPDATE trigger: rejects any change of user_id (SQLSTATE PJ005).';

revoke execute on function public.set_updated_at() from public, anon, authenticated;
revoke execute on function public.forbid_owner_change() from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------------
-- projects
-- ---------------------------------------------------------------------------------------------------

create table public.projects (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  name text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint projects_name_check check (btrim(name) <> '' and char_length(name) <= 100),
  -- Target of the composite foreign keys that tie assets and jobs to their owner's projects.
  constraint projects_id_user_id_key unique (id, user_id)
);

comment on table public.projects is 'A user''s product-photo project; groups assets and generation jobs.';
comment on column public.projects.name is '1 to 100 characters, not blank.';

create index projects_user_id_idx on public.projects (user_id);

create trigger projects_forbid_owner_change
  before update on public.projects
  for each row execute function public.forbid_owner_change();

create trigger projects_set_updated_at
  before update on public.projects
  for each row execute function public.set_updated_at();

alter table public.projects enable row level security;

create policy "Users can view their own projects"
  on public.projects for select to authenticated
  using ((select auth.uid()) = user_id);

create policy "Users can create their own projects"
  on public.projects for insert to authenticated
  with check ((select auth.uid()) = user_id);

create policy "Users can update their own projects"
  on public.projects for update to authenticated
  using ((select auth.uid()) = user_id)
  with check ((select auth.uid()) = user_id);

create policy "Users can delete their own projects"
  on public.projects for delete to authenticated
  using ((select auth.uid()) = user_id);

-- ---------------------------------------------------------------------------------------------------
-- assets
-- ---------------------------------------------------------------------------------------------------

create table public.assets (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  project_id uuid not null,
  name text not null,
  -- Object key in Supabase Storage (bucket-relative), e.g. '<user_id>/<project_id>/sneaker.png'.
  storage_path text not null,
  kind text not null default 'input',
  mime_type text not null,
  size_bytes bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint assets_name_check check (btrim(name) <> '' and char_length(name) <= 200),
  constraint assets_storage_path_check check (char_length(storage_path) between 1 and 1024 and storage_path !~ '^/'),
  constraint assets_kind_check check (kind in ('input', 'output', 'reference')),
  constraint assets_mime_type_check check (mime_type ~ '^[a-z]+/[a-z0-9][a-z0-9.+-]*$' and char_length(mime_type) <= 100),
  constraint assets_size_bytes_check check (size_bytes is null or size_bytes >= 0),
  -- The asset's project must belong to the asset's owner.
  constraint assets_project_id_user_id_fkey foreign key (project_id, user_id)
    references public.projects (id, user_id) on delete cascade,
  -- Target of generation_jobs' composite foreign key: a job's input asset is in the job's project.
  constraint assets_id_project_id_user_id_key unique (id, project_id, user_id)
);

comment on table public.assets is 'An image of a project: an input product photo, a generated output or a reference.';
comment on column public.assets.storage_path is 'Bucket-relative object key in Supabase Storage; no leading slash.';
comment on column public.assets.kind is 'input (product photo to transform), output (generated), reference (style example).';

create index assets_user_id_idx on public.assets (user_id);
create index assets_project_id_user_id_idx on public.assets (project_id, user_id);

create trigger assets_forbid_owner_change
  before update on public.assets
  for each row execute function public.forbid_owner_change();

create trigger assets_set_updated_at
  before update on public.assets
  for each row execute function public.set_updated_at();

alter table public.assets enable row level security;

create policy "Users can view their own assets"
  on public.assets for select to authenticated
  using ((select auth.uid()) = user_id);

create policy "Users can create their own assets"
  on public.assets for insert to authenticated
  with check ((select auth.uid()) = user_id);

create policy "Users can update their own assets"
  on public.assets for update to authenticated
  using ((select auth.uid()) = user_id)
  with check ((select auth.uid()) = user_id);

create policy "Users can delete their own assets"
  on public.assets for delete to authenticated
  using ((select auth.uid()) = user_id);

-- Signed-in users only: anon has nothing to read or write here (RLS would return nothing anyway;
-- without the grant it gets a clear 42501 instead of an empty list).
revoke all on public.projects, public.assets from anon;
