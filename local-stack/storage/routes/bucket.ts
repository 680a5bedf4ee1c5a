import { callerOf, ownerColumns } from '../caller.ts';
import { jsonBody, queryOf, type StorageHandler } from '../context.ts';
import { ERRORS } from '../errors.ts';
import { mustBeValidBucketName, parseFileSize, validateAllowedMimeTypes } from '../limits.ts';
import { countObjects, deleteBucket, deleteObjects, findBucket, insertBucket, listBuckets, listObjectNames, updateBucket, type BucketRow } from '../queries.ts';
import { json } from '../../http/types.ts';

/** Buckets, read and written as the caller: storage.buckets has RLS, so without a policy only the service role sees them. */

function bucketJson(row: BucketRow) {
  return {
    id: row.id,
    name: row.name,
    owner: row.owner ?? '',
    public: row.public,
    type: row.type,
    file_size_limit: row.file_size_limit,
    allowed_mime_types: row.allowed_mime_types,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function fileSizeLimitOf(value: unknown, globalLimit: number): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  let bytes: number;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) bytes = value;
  else if (typeof value === 'string') bytes = parseFileSize(value);
  else throw ERRORS.invalidFileSizeLimit();
  if (bytes > globalLimit) throw ERRORS.entityTooLarge();
  return bytes;
}

function mimeTypesOf(value: unknown): string[] | null | undefined {
  if (value === undefined || value === null) return value;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw ERRORS.invalidRequest('allowed_mime_types must be an array of strings');
  }
  const types = value.filter((item) => item !== '');
  validateAllowedMimeTypes(types);
  return types;
}

function booleanOf(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw ERRORS.invalidRequest(`body/${name} must be boolean`);
  return value;
}

const SORT_COLUMNS = new Set(['id', 'name', 'created_at', 'updated_at']);

export const listBucketsRoute: StorageHandler = async (ctx, request) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  const query = queryOf(request);
  const number = (name: string) => {
    const raw = query.get(name);
    if (raw === null) return undefined;
    if (!/^\d+$/.test(raw)) throw ERRORS.invalidRequest(`querystring/${name} must be integer`);
    return Number(raw);
  };
  const sortColumn = query.get('sortColumn') ?? 'name';
  if (!SORT_COLUMNS.has(sortColumn)) throw ERRORS.invalidRequest('querystring/sortColumn must be one of id, name, created_at, updated_at');
  const rows = await ctx.db.asCaller(caller, 'storage.bucket.list', (tx) =>
    listBuckets(tx, {
      limit: number('limit'),
      offset: number('offset'),
      search: query.get('search') ?? undefined,
      sortColumn,
      sortOrder: query.get('sortOrder') === 'desc' ? 'desc' : 'asc',
    }),
  );
  return json(200, rows.map(bucketJson));
};

export const getBucketRoute: StorageHandler = async (ctx, request, [id]) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  const row = await ctx.db.asCaller(caller, 'storage.bucket.get', (tx) => findBucket(tx, id));
  if (!row) throw ERRORS.noSuchBucket();
  return json(200, bucketJson(row));
};

export const createBucketRoute: StorageHandler = async (ctx, request) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  const body = await jsonBody(request);
  if (typeof body.name !== 'string') throw ERRORS.invalidRequest("body must have required property 'name'");
  const name = mustBeValidBucketName(body.name);
  const id = mustBeValidBucketName(typeof body.id === 'string' && body.id !== '' ? body.id : name);
  const type = typeof body.type === 'string' ? body.type : 'STANDARD';
  if (type !== 'STANDARD') throw ERRORS.invalidRequest(`bucket type ${type} is not supported by the local stack`);
  await ctx.db.asCaller(caller, 'storage.bucket.create', (tx) =>
    insertBucket(tx, {
      id,
      name,
      public: booleanOf(body.public, 'public') ?? false,
      ...ownerColumns(caller.sub),
      file_size_limit: fileSizeLimitOf(body.file_size_limit, ctx.fileSizeLimit) ?? null,
      allowed_mime_types: mimeTypesOf(body.allowed_mime_types) ?? null,
      type,
    }),
  );
  return json(200, { name });
};

export const updateBucketRoute: StorageHandler = async (ctx, request, [id]) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  mustBeValidBucketName(id);
  const body = await jsonBody(request);
  const updated = await ctx.db.asCaller(caller, 'storage.bucket.update', (tx) =>
    updateBucket(tx, id, {
      public: booleanOf(body.public, 'public'),
      file_size_limit: fileSizeLimitOf(body.file_size_limit, ctx.fileSizeLimit),
      allowed_mime_types: mimeTypesOf(body.allowed_mime_types),
    }),
  );
  if (!updated) throw ERRORS.noSuchBucket();
  return json(200, { message: 'Successfully updated' });
};

export const deleteBucketRoute: StorageHandler = async (ctx, request, [id]) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  mustBeValidBucketName(id);
  await ctx.db.asCaller(caller, 'storage.bucket.delete', async (tx) => {
    const [lock] = await tx`select id from storage.buckets where id = ${id} for update`;
    if (lock && (await countObjects(tx, id)) > 0) throw ERRORS.bucketNotEmpty();
    if (!(await deleteBucket(tx, id))) throw ERRORS.noSuchBucket();
  });
  return json(200, { message: 'Successfully deleted' });
};

/** Deletes every object the caller may delete, in batches, and their bytes. */
export const emptyBucketRoute: StorageHandler = async (ctx, request, [id]) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  const bucket = await ctx.db.asCaller(caller, 'storage.bucket.empty', (tx) => findBucket(tx, id));
  if (!bucket) throw ERRORS.noSuchBucket();
  for (;;) {
    const { names, deleted } = await ctx.db.asCaller(caller, 'storage.bucket.empty', async (tx) => {
      const batch = await listObjectNames(tx, id, 1000);
      return { names: batch, deleted: batch.length > 0 ? await deleteObjects(tx, id, batch) : [] };
    });
    await Promise.all(deleted.map((row) => ctx.disk.remove(row.version)));
    if (names.length === 0) break;
    if (deleted.length !== names.length) {
      const kept = names.filter((name) => !deleted.some((row) => row.name === name));
      throw ERRORS.accessDenied(`Cannot delete: ${kept.join(' ,')}, you may have SELECT but not DELETE permissions`);
    }
  }
  return json(200, { message: 'Successfully emptied' });
};
