-- Product photos and generated images live in Supabase Storage; an asset row records which object it is.
--
-- Applies unchanged on a hosted project (SQL editor or `supabase db push`): it only inserts bucket rows and
-- creates policies on storage.objects, which the `postgres` role may do there; it never alters Storage's
-- own tables. The local stack's platform bootstrap provides the same storage schema.
--
-- Paths are `{user_id}/{project_id}/{file}`. A user reads and writes only under their own user id; the
-- worker writes outputs into generated-images with the service role (which bypasses RLS).

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values
  ('product-images', 'product-images', false, 10485760, array['image/png', 'image/jpeg', 'image/webp']),
  ('generated-images', 'generated-images', false, 26214400, array['image/png', 'image/jpeg', 'image/webp'])
on conflict (id) do nothing;

create policy "Users read their own product and generated images"
  on storage.objects for select to authenticated
  using (
    bucket_id in ('product-images', 'generated-images')
    and (storage.foldername(name))[1] = (select auth.uid())::text
  );

create policy "Users upload product images into their own folder"
  on storage.objects for insert to authenticated
  with check (
    bucket_id = 'product-images'
    and (storage.foldername(name))[1] = (select auth.uid())::text
  );

create policy "Users replace product images in their own folder"
  on storage.objects for update to authenticated
  using (
    bucket_id = 'product-images'
    and (storage.foldername(name))[1] = (select auth.uid())::text
  )
  with check (
    bucket_id = 'product-images'
    and (storage.foldername(name))[1] = (select auth.uid())::text
  );

create policy "Users delete their own product and generated images"
  on storage.objects for delete to authenticated
  using (
    bucket_id in ('product-images', 'generated-images')
    and (storage.foldername(name))[1] = (select auth.uid())::text
  );

-- ---------------------------------------------------------------------------------------------------
-- assets: which object, and its pixel size. Existing rows (paths typed by hand) keep bucket null.
-- ---------------------------------------------------------------------------------------------------

alter table public.assets
  add column bucket text,
  add column width integer,
  add column height integer,
  add constraint assets_bucket_check check (bucket is null or bucket in ('product-images', 'generated-images')),
  -- An uploaded file sits in its owner's folder of its project: {user_id}/{project_id}/{file}.
  add constraint assets_bucket_path_check check (
    bucket is null or starts_with(storage_path, user_id::text || '/' || project_id::text || '/')
  ),
  add constraint assets_bucket_mime_type_check check (
    bucket is null or mime_type in ('image/png', 'image/jpeg', 'image/webp')
  ),
  add constraint assets_dimensions_check check (
    (width is null) = (height is null) and (width is null or (width between 1 and 20000 and height between 1 and 20000))
  );

comment on column public.assets.bucket is 'Storage bucket holding the file (product-images, generated-images); null for rows registered before uploads existed.';
comment on column public.assets.width is 'Pixel width, read from the file''s header.';
comment on column public.assets.height is 'Pixel height, read from the file''s header.';

-- One asset per stored object.
create unique index assets_bucket_storage_path_key on public.assets (bucket, storage_path) where bucket is not null;

-- An asset of a bucket points at an object that exists and that its writer can see (RLS on
-- storage.objects, or the service role), so an asset is only ever created after its upload succeeded.
-- Its size is taken from the object, not from the client.
create function public.check_asset_object()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
  object_size bigint;
begin
  if new.bucket is null then
    return new;
  end if;
  if tg_op = 'UPDATE' and new.bucket is not distinct from old.bucket and new.storage_path = old.storage_path then
    return new;
  end if;
  select (o.metadata ->> 'size')::bigint into object_size
  from storage.objects o
  where o.bucket_id = new.bucket and o.name = new.storage_path;
  if not found then
    raise exception 'no object % in bucket % for asset %', new.storage_path, new.bucket, coalesce(new.name, '')
      using errcode = 'PS001',
            hint = 'Upload the file to Storage first, then create the asset.';
  end if;
  new.size_bytes := coalesce(object_size, new.size_bytes);
  return new;
end;
$$;

comment on function public.check_asset_object() is
  'BEFORE INSERT/UPDATE trigger on assets: a bucket asset must name an existing Storage object (SQLSTATE PS001); copies its size.';

revoke execute on function public.check_asset_object() from public, anon, authenticated;

create trigger assets_check_object
  before insert or update of bucket, storage_path on public.assets
  for each row execute function public.check_asset_object();
