-- Realtime's platform objects, as a hosted project has them before any migration runs.
-- The publication starts empty: migrations add tables with `alter publication supabase_realtime add table …`.
-- (Idempotent throughout: a database whose version table was lost gets this version again.)
do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;

create schema if not exists realtime;
grant usage on schema realtime to postgres, anon, authenticated, service_role;

-- The channel topic while Realtime checks a private channel's policies (`realtime.topic()` in RLS policies).
create or replace function realtime.topic() returns text
  language sql stable
  set search_path = ''
  as $$ select nullif(current_setting('realtime.topic', true), '')::text $$;
grant execute on function realtime.topic() to postgres, anon, authenticated, service_role;

-- Broadcast and presence authorization for private channels: RLS policies on this table decide who may
-- read (join, receive) and write (send, track) on a topic. Hosted partitions it by day; the columns are the same.
create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp without time zone not null default now(),
  inserted_at timestamp without time zone not null default now(),
  id uuid not null default gen_random_uuid(),
  primary key (id, inserted_at)
);
create index if not exists messages_inserted_at_topic_index on realtime.messages (inserted_at desc, topic)
  where extension = 'broadcast' and private is true;
alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to postgres, anon, authenticated, service_role;

-- The local Realtime server's RLS check (local-stack/realtime/authorisation.ts), hosted's `realtime.apply_rls`
-- in spirit: one call per batch of changes. For each subscriber group it takes the group's role and JWT claims
-- (`set_config(..., true)`, as PostgREST does per request) and runs the given query over the rows it asks about
-- (positions into the batch's rows of each table, sent once); the query returns the indexes of the rows that role
-- may SELECT. A group whose check fails sees nothing.
create or replace function _local_stack.realtime_visible(batch jsonb)
  returns table (check_index int, table_index int, row_index int)
  language plpgsql
  set search_path = "$user", public, extensions
  as $$
declare
  tables jsonb[];
  item jsonb;
  part jsonb;
  rows jsonb;
  position int := 0;
  found_row int;
begin
  select coalesce(array_agg(t.value order by t.n), '{}') into tables from jsonb_array_elements(batch -> 'tables') with ordinality as t(value, n);
  for item in select value from jsonb_array_elements(batch -> 'checks') loop
    begin
      perform set_config('role', item ->> 'role', true), set_config('request.jwt.claims', item ->> 'claims', true);
      for part in select value from jsonb_array_elements(item -> 'queries') loop
        -- Without `rows` the group asks about every row of the table.
        rows := tables[(part ->> 'table')::int + 1];
        if part ? 'rows' then
          rows := (select coalesce(jsonb_agg(rows -> p.pos::int), '[]'::jsonb) from jsonb_array_elements_text(part -> 'rows') as p(pos));
        end if;
        for found_row in execute part ->> 'sql' using rows loop
          check_index := position;
          table_index := (part ->> 'table')::int;
          row_index := found_row;
          return next;
        end loop;
      end loop;
    exception when others then
      raise warning 'Realtime RLS check failed for role %: %', item ->> 'role', sqlerrm;
    end;
    position := position + 1;
  end loop;
  perform set_config('role', session_user, true);
end
$$;
revoke all on function _local_stack.realtime_visible(jsonb) from public;
grant usage on schema _local_stack to authenticator;
grant execute on function _local_stack.realtime_visible(jsonb) to authenticator;
