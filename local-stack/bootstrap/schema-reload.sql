-- Tells the REST API (local-stack/rest) to reload its schema cache whenever DDL changes the database,
-- as the Supabase image does for PostgREST: event triggers send NOTIFY pgrst, 'reload schema'.
-- Run as the superuser (event triggers need it). Idempotent: bootstrapPlatform runs it on every start.

create schema if not exists extensions;

create or replace function extensions.pgrst_ddl_watch() returns event_trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_catalog.pg_notify('pgrst', 'reload schema');
end;
$$;

-- One function for both events: created/altered objects and dropped ones.
drop event trigger if exists pgrst_ddl_watch;
create event trigger pgrst_ddl_watch on ddl_command_end
  execute function extensions.pgrst_ddl_watch();

drop event trigger if exists pgrst_drop_watch;
create event trigger pgrst_drop_watch on sql_drop
  execute function extensions.pgrst_ddl_watch();

drop function if exists extensions.pgrst_drop_watch();
