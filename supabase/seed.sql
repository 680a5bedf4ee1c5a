-- Demo data for a living dashboard on first visit (applied by `npm run db:reset`, or
-- `supabase db push --include-seed`). Sign in as demo@example.com / demo-password.
-- Fixed UUIDs and `on conflict do nothing`: running it again changes nothing.

-- Demo user, the way Supabase seeds create users: GoTrue expects '' (not null) in the token columns.
insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  confirmation_token, recovery_token, email_change_token_new, email_change,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at
) values (
  '00000000-0000-0000-0000-000000000000',
  'd0d0d0d0-0000-4000-8000-000000000001',
  'authenticated',
  'authenticated',
  'demo@example.com',
  extensions.crypt('demo-password', extensions.gen_salt('bf')),
  now(),
  '', '', '', '',
  '{"provider":"email","providers":["email"]}',
  '{"full_name":"Demo User"}',
  now(),
  now()
) on conflict (id) do nothing;

insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
values (
  'd0d0d0d0-0000-4000-8000-0000000000a1',
  'd0d0d0d0-0000-4000-8000-000000000001',
  'd0d0d0d0-0000-4000-8000-000000000001',
  '{"sub":"d0d0d0d0-0000-4000-8000-000000000001","email":"demo@example.com","email_verified":true,"phone_verified":false}',
  'email',
  now(),
  now(),
  now()
) on conflict (provider_id, provider) do nothing;

insert into public.projects (id, user_id, name, created_at) values
  ('d0d0d0d0-0000-4000-8000-000000000101', 'd0d0d0d0-0000-4000-8000-000000000001', 'Spring sneaker launch', now() - interval '6 days'),
  ('d0d0d0d0-0000-4000-8000-000000000102', 'd0d0d0d0-0000-4000-8000-000000000001', 'Ceramic mug catalogue', now() - interval '3 days')
on conflict (id) do nothing;

insert into public.assets (id, user_id, project_id, name, storage_path, kind, mime_type, size_bytes, created_at) values
  ('d0d0d0d0-0000-4000-8000-000000000201', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000101',
   'Sneaker, side view', 'd0d0d0d0-0000-4000-8000-000000000001/d0d0d0d0-0000-4000-8000-000000000101/sneaker-side.jpg', 'input', 'image/jpeg', 2483114, now() - interval '6 days'),
  ('d0d0d0d0-0000-4000-8000-000000000202', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000101',
   'Sneaker, top view', 'd0d0d0d0-0000-4000-8000-000000000001/d0d0d0d0-0000-4000-8000-000000000101/sneaker-top.jpg', 'input', 'image/jpeg', 2190442, now() - interval '6 days'),
  ('d0d0d0d0-0000-4000-8000-000000000203', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000101',
   'Beach mood board', 'd0d0d0d0-0000-4000-8000-000000000001/d0d0d0d0-0000-4000-8000-000000000101/beach-reference.png', 'reference', 'image/png', 851202, now() - interval '5 days'),
  ('d0d0d0d0-0000-4000-8000-000000000204', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000102',
   'Blue mug', 'd0d0d0d0-0000-4000-8000-000000000001/d0d0d0d0-0000-4000-8000-000000000102/blue-mug.png', 'input', 'image/png', 1320054, now() - interval '3 days')
on conflict (id) do nothing;

-- Hand-driven (`manual`) jobs, the dashboard's test bench: each starts queued (the database accepts
-- nothing else), then moves through the status workflow by hand: queued -> running -> succeeded | failed.
-- Jobs of the other providers are run by the worker (npm run worker); create them from the dashboard.
insert into public.generation_jobs (id, user_id, project_id, input_asset_id, mode, provider, cost_cents, created_at) values
  ('d0d0d0d0-0000-4000-8000-000000000301', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000101', 'd0d0d0d0-0000-4000-8000-000000000201', 'lifestyle', 'manual', 250, now() - interval '5 days 4 hours'),
  ('d0d0d0d0-0000-4000-8000-000000000302', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000101', 'd0d0d0d0-0000-4000-8000-000000000201', 'studio-white', 'manual', 120, now() - interval '5 days 3 hours'),
  ('d0d0d0d0-0000-4000-8000-000000000303', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000101', 'd0d0d0d0-0000-4000-8000-000000000202', 'background-removal', 'manual', 40, now() - interval '4 days'),
  ('d0d0d0d0-0000-4000-8000-000000000304', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000101', 'd0d0d0d0-0000-4000-8000-000000000202', 'lifestyle', 'manual', 250, now() - interval '2 days'),
  ('d0d0d0d0-0000-4000-8000-000000000305', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000101', null, 'upscale', 'manual', 60, now() - interval '1 day 2 hours'),
  ('d0d0d0d0-0000-4000-8000-000000000306', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000102', 'd0d0d0d0-0000-4000-8000-000000000204', 'studio-white', 'manual', 120, now() - interval '1 day'),
  ('d0d0d0d0-0000-4000-8000-000000000307', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000102', 'd0d0d0d0-0000-4000-8000-000000000204', 'lifestyle', 'manual', 250, now() - interval '3 hours'),
  ('d0d0d0d0-0000-4000-8000-000000000308', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000101', 'd0d0d0d0-0000-4000-8000-000000000201', 'lifestyle', 'manual', 250, now() - interval '20 minutes'),
  ('d0d0d0d0-0000-4000-8000-000000000309', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000102', 'd0d0d0d0-0000-4000-8000-000000000204', 'background-removal', 'manual', 40, now() - interval '5 minutes'),
  ('d0d0d0d0-0000-4000-8000-000000000310', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000101', 'd0d0d0d0-0000-4000-8000-000000000202', 'upscale', 'manual', 60, now() - interval '1 minute'),
  ('d0d0d0d0-0000-4000-8000-000000000311', 'd0d0d0d0-0000-4000-8000-000000000001', 'd0d0d0d0-0000-4000-8000-000000000102', 'd0d0d0d0-0000-4000-8000-000000000204', 'shadow', 'manual', 80, now() - interval '2 hours')
on conflict (id) do nothing;

-- 301-307 have been started; 308 is still running; 309 and 310 wait in the queue; 311 was canceled.
update public.generation_jobs set status = 'canceled'
where status = 'queued' and id = 'd0d0d0d0-0000-4000-8000-000000000311';

update public.generation_jobs set status = 'running'
where status = 'queued'
  and id in ('d0d0d0d0-0000-4000-8000-000000000301', 'd0d0d0d0-0000-4000-8000-000000000302',
             'd0d0d0d0-0000-4000-8000-000000000303', 'd0d0d0d0-0000-4000-8000-000000000304',
             'd0d0d0d0-0000-4000-8000-000000000305', 'd0d0d0d0-0000-4000-8000-000000000306',
             'd0d0d0d0-0000-4000-8000-000000000307', 'd0d0d0d0-0000-4000-8000-000000000308');

update public.generation_jobs set status = 'succeeded'
where status = 'running'
  and id in ('d0d0d0d0-0000-4000-8000-000000000301', 'd0d0d0d0-0000-4000-8000-000000000302',
             'd0d0d0d0-0000-4000-8000-000000000303', 'd0d0d0d0-0000-4000-8000-000000000305',
             'd0d0d0d0-0000-4000-8000-000000000306');

update public.generation_jobs set status = 'failed', error_message = 'Provider timed out after 120 s'
where status = 'running' and id = 'd0d0d0d0-0000-4000-8000-000000000304';

update public.generation_jobs set status = 'failed', error_message = 'Input image is smaller than 512x512 pixels'
where status = 'running' and id = 'd0d0d0d0-0000-4000-8000-000000000307';
