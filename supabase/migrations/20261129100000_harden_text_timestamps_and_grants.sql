-- Hardening of the landed schema (issue 13, database items 12, 15, 16 and 17).
--
-- 17 "Not blank" means "has a visible character". btrim() only strips spaces, so names and error messages
--    made of tabs, newlines, no-break or zero-width spaces passed. public.has_visible_text(text) is the one
--    definition, used by every such check (lib/db/text-rules.ts mirrors it for zod; a test compares the two
--    over every code point).
-- 16 created_at / updated_at are the server's. An API caller (anon, authenticated, service_role) never
--    chooses them: on insert both are set to now(), on update created_at cannot change (PJ005) and
--    updated_at moves to the transaction time. Values must be finite ('infinity' is refused). The database
--    owner (migrations, the seed, data repair, archival) may still backdate rows it inserts.
-- 15 Nobody through the API writes the workflow tables (the service role included).
-- 12 The summary view is not updatable, and PostgreSQL reports a write to such a view from its rewriter
--    (55000, a 500 through PostgREST) before any privilege check. An INSTEAD OF trigger takes the write
--    to the executor, where the revoked privileges refuse it (42501: 401/403); the trigger itself refuses
--    whoever still holds the privilege (0A000: 400). A side effect: the generated types list Insert and
--    Update shapes for the view; writes are refused all the same.
--
-- Existing rows are repaired before the new checks are validated, so every row satisfies them:
--   * a project or asset name without a visible character becomes 'Untitled project' / 'Untitled asset';
--   * a failed job's blank error message becomes 'Unknown error (the recorded message was blank)';
--   * a non-finite or future created_at / updated_at becomes the migration's time.
-- Those updates run with the tables' user triggers disabled (terminal jobs are otherwise frozen), inside
-- the migration's transaction.

-- ---------------------------------------------------------------------------------------------------
-- has_visible_text(value)
-- ---------------------------------------------------------------------------------------------------

-- Invisible: C0/C1 controls, every Unicode space separator, line/paragraph separators, soft hyphen,
-- zero-width and joiner characters, bidirectional marks and isolates, invisible operators, variation
-- selectors, tags, Hangul and braille fillers, the BOM (U+FEFF) and musical formatting characters.
create function public.has_visible_text(value text)
returns boolean
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select value ~ '[^\u0001-\u0020\u007f-\u00a0\u00ad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180f\u2000-\u200f\u2028-\u202f\u205f-\u206f\u2800\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\U0001d173-\U0001d17a\U000e0000-\U000e0fff]';
$$;

comment on function public.has_visible_text(text) is
  'True when the text has at least one visible character (not only whitespace, controls, zero-width, '
  'bidi, filler or tag characters). The "not blank" rule of every name and message check.';

-- ---------------------------------------------------------------------------------------------------
-- Server-side timestamps: one trigger function for every table (BEFORE INSERT OR UPDATE)
-- ---------------------------------------------------------------------------------------------------

create or replace function public.set_updated_at()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    -- API callers never choose the row's times; the database owner (seed, repair, archival) may.
    if current_user in ('anon', 'authenticated', 'service_role') then
      new.created_at := now();
      new.updated_at := now();
    end if;
    return new;
  end if;
  if new.created_at is distinct from old.created_at then
    raise exception '%.created_at cannot be changed', tg_table_name
      using errcode = 'PJ005',
            hint = 'created_at is set by the server when the row is created.';
  end if;
  -- The transaction time, strictly later than before even for two updates in one transaction; a stored
  -- value in the future (or infinite) is not carried forward.
  new.updated_at := case
    when old.updated_at >= now() and old.updated_at < now() + interval '1 minute'
      then old.updated_at + interval '1 microsecond'
    else now()
  end;
  return new;
end;
$$;

comment on function public.set_updated_at() is
  'BEFORE INSERT OR UPDATE trigger: API callers get created_at = updated_at = now() on insert; on update '
  'created_at cannot change (PJ005) and updated_at moves to the transaction time, strictly increasing.';

-- ---------------------------------------------------------------------------------------------------
-- Repair existing rows, then the checks
-- ---------------------------------------------------------------------------------------------------

alter table public.projects disable trigger user;
alter table public.assets disable trigger user;
alter table public.generation_jobs disable trigger user;

update public.projects set name = 'Untitled project' where not public.has_visible_text(name);
update public.assets set name = 'Untitled asset' where not public.has_visible_text(name);
update public.generation_jobs
   set error_message = 'Unknown error (the recorded message was blank)'
 where status = 'failed' and (error_message is null or not public.has_visible_text(error_message));

update public.projects set created_at = now() where not isfinite(created_at) or created_at > now();
update public.projects set updated_at = now() where not isfinite(updated_at) or updated_at > now();
update public.assets set created_at = now() where not isfinite(created_at) or created_at > now();
update public.assets set updated_at = now() where not isfinite(updated_at) or updated_at > now();
update public.generation_jobs set created_at = now() where not isfinite(created_at) or created_at > now();
update public.generation_jobs set updated_at = now() where not isfinite(updated_at) or updated_at > now();

alter table public.projects enable trigger user;
alter table public.assets enable trigger user;
alter table public.generation_jobs enable trigger user;

alter table public.projects
  drop constraint projects_name_check,
  add constraint projects_name_check check (public.has_visible_text(name) and char_length(name) <= 100),
  add constraint projects_timestamps_check check (isfinite(created_at) and isfinite(updated_at));

alter table public.assets
  drop constraint assets_name_check,
  add constraint assets_name_check check (public.has_visible_text(name) and char_length(name) <= 200),
  add constraint assets_timestamps_check check (isfinite(created_at) and isfinite(updated_at));

alter table public.generation_jobs
  drop constraint generation_jobs_error_message_check,
  add constraint generation_jobs_error_message_check
    check (
      case when status = 'failed'
        then error_message is not null and public.has_visible_text(error_message) and char_length(error_message) <= 2000
        else error_message is null
      end
    ),
  add constraint generation_jobs_timestamps_check check (isfinite(created_at) and isfinite(updated_at));

comment on column public.projects.name is '1 to 100 characters, with a visible character.';
comment on column public.assets.name is '1 to 200 characters, with a visible character.';

-- The timestamp trigger now also runs on insert.
drop trigger projects_set_updated_at on public.projects;
create trigger projects_set_updated_at
  before insert or update on public.projects
  for each row execute function public.set_updated_at();

drop trigger assets_set_updated_at on public.assets;
create trigger assets_set_updated_at
  before insert or update on public.assets
  for each row execute function public.set_updated_at();

drop trigger generation_jobs_set_updated_at on public.generation_jobs;
create trigger generation_jobs_set_updated_at
  before insert or update on public.generation_jobs
  for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------------------------------
-- Privileges: the workflow tables and the summary view are read-only for every API role
-- ---------------------------------------------------------------------------------------------------

revoke insert, update, delete, truncate, references, trigger
  on public.job_statuses, public.job_status_transitions
  from anon, authenticated, service_role;

revoke insert, update, delete, truncate, references, trigger
  on public.generation_job_summary
  from anon, authenticated, service_role;

create function public.refuse_generation_job_summary_write()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  raise exception 'generation_job_summary is a read-only summary of generation_jobs'
    using errcode = '0A000',
          hint = 'Write to public.generation_jobs instead.';
end;
$$;

comment on function public.refuse_generation_job_summary_write() is 'INSTEAD OF trigger: the summary view is read-only (0A000).';
revoke execute on function public.refuse_generation_job_summary_write() from public, anon, authenticated, service_role;

create trigger generation_job_summary_read_only
  instead of insert or update or delete on public.generation_job_summary
  for each row execute function public.refuse_generation_job_summary_write();

