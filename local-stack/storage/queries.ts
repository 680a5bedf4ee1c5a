import type postgres from 'postgres';
import type { Tx } from './db.ts';

/** A jsonb parameter: postgres.js serialises it once (a pre-stringified value would be stored as a JSON string). */
function jsonb(tx: Tx, value: object | null): postgres.Parameter | null {
  return value === null ? null : tx.json(value as postgres.JSONValue);
}

/** SQL of the Storage API: each function runs inside a transaction the caller chose (as user or owner). */

export interface BucketRow {
  id: string;
  name: string;
  owner: string | null;
  owner_id: string | null;
  public: boolean;
  type: string;
  file_size_limit: number | null;
  allowed_mime_types: string[] | null;
  created_at: Date;
  updated_at: Date;
}

export interface ObjectMetadata {
  eTag: string;
  size: number;
  mimetype: string;
  cacheControl: string;
  lastModified: string;
  contentLength: number;
  httpStatusCode: number;
}

export interface ObjectRow {
  id: string;
  bucket_id: string;
  name: string;
  owner: string | null;
  owner_id: string | null;
  version: string | null;
  metadata: ObjectMetadata | null;
  user_metadata: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  last_accessed_at: Date;
}

const BUCKET_COLUMNS = 'id, name, owner, owner_id, public, type, file_size_limit, allowed_mime_types, created_at, updated_at';

export async function findBucket(tx: Tx, id: string): Promise<BucketRow | undefined> {
  const [row] = await tx.unsafe<BucketRow[]>(`select ${BUCKET_COLUMNS} from storage.buckets where id = $1`, [id]);
  return row ? { ...row, file_size_limit: row.file_size_limit === null ? null : Number(row.file_size_limit) } : undefined;
}

export async function listBuckets(
  tx: Tx,
  options: { limit?: number; offset?: number; search?: string; sortColumn: string; sortOrder: 'asc' | 'desc' },
): Promise<BucketRow[]> {
  const rows = await tx.unsafe<BucketRow[]>(
    `select ${BUCKET_COLUMNS} from storage.buckets
     where ($1::text is null or name ilike '%' || $1 || '%')
     order by ${options.sortColumn} ${options.sortOrder}
     limit $2 offset $3`,
    [options.search ?? null, options.limit ?? null, options.offset ?? 0],
  );
  return rows.map((row) => ({ ...row, file_size_limit: row.file_size_limit === null ? null : Number(row.file_size_limit) }));
}

export async function insertBucket(
  tx: Tx,
  bucket: { id: string; name: string; public: boolean; owner: string | null; owner_id: string | null; file_size_limit: number | null; allowed_mime_types: string[] | null; type: string },
): Promise<void> {
  await tx`
    insert into storage.buckets (id, name, public, owner, owner_id, file_size_limit, allowed_mime_types, type)
    values (${bucket.id}, ${bucket.name}, ${bucket.public}, ${bucket.owner}, ${bucket.owner_id}, ${bucket.file_size_limit},
            ${bucket.allowed_mime_types === null ? null : tx.array(bucket.allowed_mime_types)}, ${bucket.type}::storage.buckettype)`;
}

export async function updateBucket(
  tx: Tx,
  id: string,
  changes: { public?: boolean; file_size_limit?: number | null; allowed_mime_types?: string[] | null },
): Promise<boolean> {
  const rows = await tx`
    update storage.buckets set
      public = coalesce(${changes.public ?? null}::boolean, public),
      file_size_limit = case when ${changes.file_size_limit !== undefined} then ${changes.file_size_limit ?? null}::bigint else file_size_limit end,
      allowed_mime_types = case when ${changes.allowed_mime_types !== undefined}
        then ${changes.allowed_mime_types ? tx.array(changes.allowed_mime_types) : null}::text[] else allowed_mime_types end,
      updated_at = now()
    where id = ${id}
    returning id`;
  return rows.length > 0;
}

export async function deleteBucket(tx: Tx, id: string): Promise<boolean> {
  return (await tx`delete from storage.buckets where id = ${id} returning id`).length > 0;
}

export async function countObjects(tx: Tx, bucketId: string): Promise<number> {
  const [{ count }] = await tx<{ count: string }[]>`select count(*) from storage.objects where bucket_id = ${bucketId}`;
  return Number(count);
}

const OBJECT_COLUMNS = 'id, bucket_id, name, owner, owner_id, version, metadata, user_metadata, created_at, updated_at, last_accessed_at';

export async function findObject(tx: Tx, bucketId: string, name: string, lock: '' | 'for update' | 'for share' = ''): Promise<ObjectRow | undefined> {
  const [row] = await tx.unsafe<ObjectRow[]>(`select ${OBJECT_COLUMNS} from storage.objects where bucket_id = $1 and name = $2 ${lock}`, [
    bucketId,
    name,
  ]);
  return row;
}

export async function findObjectNames(tx: Tx, bucketId: string, names: string[]): Promise<Set<string>> {
  const rows = await tx<{ name: string }[]>`select name from storage.objects where bucket_id = ${bucketId} and name = any(${tx.array(names)})`;
  return new Set(rows.map((row) => row.name));
}

export interface NewObject {
  bucket_id: string;
  name: string;
  owner: string | null;
  owner_id: string | null;
  version: string;
  metadata: ObjectMetadata | Record<string, never>;
  user_metadata: Record<string, unknown> | null;
}

/** Inserts the row (or, with upsert, replaces an existing one's version and metadata); RLS checks both. */
export async function writeObject(tx: Tx, object: NewObject, upsert: boolean): Promise<ObjectRow> {
  const values = [
    object.bucket_id,
    object.name,
    object.owner,
    object.owner_id,
    object.version,
    jsonb(tx, object.metadata),
    jsonb(tx, object.user_metadata),
  ];
  const conflict = upsert
    ? `on conflict (bucket_id, name) do update set owner = excluded.owner, owner_id = excluded.owner_id, version = excluded.version,
         metadata = excluded.metadata, user_metadata = excluded.user_metadata, last_accessed_at = now()`
    : '';
  const [row] = await tx.unsafe<ObjectRow[]>(
    `insert into storage.objects (bucket_id, name, owner, owner_id, version, metadata, user_metadata)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb) ${conflict}
     returning ${OBJECT_COLUMNS}`,
    values,
  );
  return row;
}

/** Replaces an existing object's bytes (PUT): only rows the caller may update. */
export async function replaceObject(
  tx: Tx,
  bucketId: string,
  name: string,
  change: { owner: string | null; owner_id: string | null; version: string; metadata: ObjectMetadata | Record<string, never>; user_metadata: Record<string, unknown> | null },
): Promise<ObjectRow | undefined> {
  const [row] = await tx.unsafe<ObjectRow[]>(
    `update storage.objects set owner = $3, owner_id = $4, version = $5, metadata = $6::jsonb, user_metadata = $7::jsonb
     where bucket_id = $1 and name = $2
     returning ${OBJECT_COLUMNS}`,
    [
      bucketId,
      name,
      change.owner,
      change.owner_id,
      change.version,
      jsonb(tx, change.metadata),
      jsonb(tx, change.user_metadata),
    ],
  );
  return row;
}

export async function moveObject(
  tx: Tx,
  from: { bucketId: string; name: string },
  to: { bucketId: string; name: string },
  owner: { owner: string | null; owner_id: string | null },
): Promise<ObjectRow | undefined> {
  const [row] = await tx.unsafe<ObjectRow[]>(
    `update storage.objects set bucket_id = $3, name = $4, owner = coalesce($5::uuid, owner), owner_id = coalesce($6, owner_id)
     where bucket_id = $1 and name = $2
     returning ${OBJECT_COLUMNS}`,
    [from.bucketId, from.name, to.bucketId, to.name, owner.owner, owner.owner_id],
  );
  return row;
}

/** Deletes the named objects the caller may delete; returns what went (with each version, to free its bytes). */
export async function deleteObjects(tx: Tx, bucketId: string, names: string[]): Promise<ObjectRow[]> {
  return tx.unsafe<ObjectRow[]>(`delete from storage.objects where bucket_id = $1 and name = any($2::text[]) returning ${OBJECT_COLUMNS}`, [
    bucketId,
    names,
  ]);
}

export async function listObjectNames(tx: Tx, bucketId: string, limit: number): Promise<string[]> {
  const rows = await tx<{ name: string }[]>`select name from storage.objects where bucket_id = ${bucketId} order by name limit ${limit}`;
  return rows.map((row) => row.name);
}

export interface SearchRow {
  name: string;
  id: string | null;
  updated_at: Date | null;
  created_at: Date | null;
  last_accessed_at: Date | null;
  metadata: ObjectMetadata | null;
}

export async function searchObjects(
  tx: Tx,
  bucketId: string,
  options: { prefix: string; limit: number; offset: number; search: string; sortColumn: string; sortOrder: string },
): Promise<SearchRow[]> {
  const levels = options.prefix === '' ? 1 : options.prefix.split('/').length;
  return tx<SearchRow[]>`
    select * from storage.search(${options.prefix}, ${bucketId}, ${options.limit}, ${levels}, ${options.offset},
                                 ${options.search}, ${options.sortColumn}, ${options.sortOrder})`;
}

export interface ListV2Row extends SearchRow {
  key: string;
  is_folder: boolean;
}

/**
 * Objects whose name starts with `prefix`, ordered by name after `cursor` (the last key of the previous
 * page). With `delimiter`, names with a further `/` collapse into one folder entry (their common prefix).
 */
export async function listObjectsV2(tx: Tx, bucketId: string, options: { prefix: string; cursor: string | null; delimiter: boolean; limit: number }): Promise<ListV2Row[]> {
  const skipFolder = options.cursor?.endsWith('/') ?? false;
  return tx<ListV2Row[]>`
    with matches as (
      select o.id, o.name, o.updated_at, o.created_at, o.last_accessed_at, o.metadata, substr(o.name, length(${options.prefix}) + 1) as rest
      from storage.objects o
      where o.bucket_id = ${bucketId}
        and starts_with(o.name, ${options.prefix})
        and (${options.cursor}::text is null or (o.name > ${options.cursor} and not (${skipFolder} and starts_with(o.name, ${options.cursor}))))
    ), entries as (
      select case when ${options.delimiter} and strpos(rest, '/') > 0 then ${options.prefix} || substr(rest, 1, strpos(rest, '/')) else name end as key,
             ${options.delimiter} and strpos(rest, '/') > 0 as is_folder,
             id, name, updated_at, created_at, last_accessed_at, metadata
      from matches
    )
    select distinct on (key) key, is_folder, id, name, updated_at, created_at, last_accessed_at, metadata
    from entries
    order by key
    limit ${options.limit + 1}`;
}
