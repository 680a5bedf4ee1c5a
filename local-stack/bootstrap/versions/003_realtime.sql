-- Realtime's platform objects, as a hosted project has them before any migration runs.
-- The publication starts empty: migrations add tables with `alter publication supabase_realtime add table …`.
create publication supabase_realtime;

create schema if not exists realtime;
grant usage on schema realtime to postgres, anon, authenticated, service_role;

-- The channel topic while Realtime checks a private channel's policies (`realtime.topic()` in RLS policies).
create function realtime.topic() returns text
  language sql stable
  set search_path = ''
  as $$ select nullif(current_setting('realtime.topic', true), '')::text $$;
grant execute on function realtime.topic() to postgres, anon, authenticated, service_role;

-- Broadcast and presence authorization for private channels: RLS policies on this table decide who may
-- read (join, receive) and write (send, track) on a topic. Hosted partitions it by day; the columns are the same.
create table realtime.messages (
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
create index messages_inserted_at_topic_index on realtime.messages (inserted_at desc, topic)
  where extension = 'broadcast' and private is true;
alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to postgres, anon, authenticated, service_role;
