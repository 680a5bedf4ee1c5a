-- Live updates for the dashboard (issue 12): the tables it shows join the supabase_realtime publication, as
-- on a hosted project. The dashboard subscribes to postgres_changes filtered by user_id; Realtime sends each
-- change only to subscribers whose RLS lets them read the row.
--
-- REPLICA IDENTITY FULL: the WAL then carries the old row of updates and deletes, which Realtime needs to check
-- a delete against RLS (without it a delete on an RLS table never reaches a subscriber) and to filter it. The
-- price is a bigger WAL record for every update of these tables (the old row is logged too).
--
-- Idempotent: a table someone already added (the dashboard's Replication page) is left as it is; a database
-- without the publication (plain PostgreSQL without Realtime) is left alone.

do $$
declare
  name text;
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    raise notice 'publication supabase_realtime does not exist: live updates are not enabled';
    return;
  end if;
  foreach name in array array['generation_jobs', 'projects', 'assets'] loop
    if not exists (
      select 1 from pg_catalog.pg_publication_tables
      where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = name
    ) then
      execute format('alter publication supabase_realtime add table public.%I', name);
    end if;
  end loop;
end;
$$;

alter table public.generation_jobs replica identity full;
alter table public.projects replica identity full;
alter table public.assets replica identity full;
