import { randomUUID } from 'node:crypto';
import type { StreamRequest } from '../../http/types.ts';
import { callerOf, ownerColumns, type Caller } from '../caller.ts';
import { jsonBody, queryOf, type StorageContext, type StorageHandler } from '../context.ts';
import { becomeCaller } from '../db.ts';
import { ERRORS } from '../errors.ts';
import { mustBeValidBucketName, mustBeValidKey, uploadLimit } from '../limits.ts';
import {
  deleteObjects,
  findBucket,
  findObject,
  listObjectsV2,
  moveObject,
  replaceObject,
  searchObjects,
  writeObject,
  type BucketRow,
  type ObjectMetadata,
  type ObjectRow,
} from '../queries.ts';
import { objectResponse } from '../render.ts';
import { receiveUpload } from '../upload.ts';
import { json } from '../../http/types.ts';

export type UploadMode = 'create' | 'upsert' | 'replace';

export async function bucketOrFail(ctx: StorageContext, bucketId: string): Promise<BucketRow> {
  mustBeValidBucketName(bucketId);
  const bucket = await ctx.db.asSuperUser((tx) => findBucket(tx, bucketId));
  if (!bucket) throw ERRORS.noSuchBucket();
  return bucket;
}

/**
 * Stores an upload: checks RLS first with a rolled-back write (so a refused caller sends no bytes to disk),
 * streams the body to a temporary file, then in one transaction writes the row as the caller and moves the
 * file into place before commit. A failure anywhere removes the file; the bytes of a replaced version go
 * once the new row is committed. `caller` null: a signed upload URL, written as the owner for `owner`.
 */
export async function storeUpload(
  ctx: StorageContext,
  request: StreamRequest,
  target: { bucketId: string; name: string; caller: Caller | null; owner: string | undefined; mode: UploadMode },
): Promise<ObjectRow> {
  const { bucketId, name, caller, mode } = target;
  mustBeValidKey(name);
  const bucket = await bucketOrFail(ctx, bucketId);
  const owner = ownerColumns(target.owner);
  if (caller) await testUploadPermission(ctx, caller, { bucketId, name, mode });
  const incoming = await receiveUpload(request, ctx.disk, {
    maxBytes: uploadLimit(ctx.fileSizeLimit, bucket.file_size_limit),
    allowedMimeTypes: bucket.allowed_mime_types,
  });
  const version = randomUUID();
  const metadata: ObjectMetadata = {
    eTag: `"${incoming.file.md5}"`,
    size: incoming.file.size,
    mimetype: incoming.mimeType,
    cacheControl: incoming.cacheControl,
    lastModified: new Date().toISOString(),
    contentLength: incoming.file.size,
    httpStatusCode: 200,
  };
  let committed = false;
  try {
    const { row, previous } = await ctx.db.asSuperUser(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext(${`${bucketId}/${name}`}))`;
      const existing = await findObject(tx, bucketId, name, 'for update');
      if (caller) await becomeCaller(tx, caller, 'storage.object.upload');
      const change = { bucket_id: bucketId, name, ...owner, version, metadata, user_metadata: incoming.userMetadata ?? {} };
      const written = mode === 'replace' ? await replaceObject(tx, bucketId, name, change) : await writeObject(tx, change, mode === 'upsert');
      if (!written) throw ERRORS.noSuchKey();
      await ctx.disk.commit(incoming.file, version);
      committed = true;
      return { row: written, previous: existing };
    });
    if (previous?.version && previous.version !== version) await ctx.disk.remove(previous.version);
    return row;
  } catch (error) {
    await ctx.disk.discard(incoming.file);
    if (committed) await ctx.disk.remove(version);
    throw error;
  }
}

/** Would RLS let the caller write this object? Asked with a rolled-back write, before any byte is read. */
export async function testUploadPermission(ctx: StorageContext, caller: Caller, target: { bucketId: string; name: string; mode: UploadMode }): Promise<void> {
  const { bucketId, name, mode } = target;
  const probe = { bucket_id: bucketId, name, ...ownerColumns(caller.sub), version: randomUUID(), metadata: {}, user_metadata: null };
  await ctx.db.testPermission(caller, 'storage.object.upload', async (tx) => {
    if (mode === 'replace') {
      if (!(await replaceObject(tx, bucketId, name, probe))) throw ERRORS.noSuchKey();
    } else {
      await writeObject(tx, probe, mode === 'upsert');
    }
  });
}

function objectPath(params: string[]): { bucketId: string; name: string } {
  return { bucketId: params[0], name: params[1] };
}

export const uploadRoute: StorageHandler = async (ctx, request, params) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  const { bucketId, name } = objectPath(params);
  const mode: UploadMode = request.method === 'PUT' ? 'replace' : request.headers['x-upsert'] === 'true' ? 'upsert' : 'create';
  const row = await storeUpload(ctx, request, { bucketId, name, caller, owner: caller.sub, mode });
  return json(200, { Id: row.id, Key: `${bucketId}/${name}` });
};

/** Finds an object for a download, info or render: public buckets for anyone, private ones through RLS. */
export async function readableObject(
  ctx: StorageContext,
  request: StreamRequest,
  params: string[],
  access: 'public' | 'authenticated' | 'either',
): Promise<ObjectRow> {
  const { bucketId, name } = objectPath(params);
  mustBeValidBucketName(bucketId);
  if (access === 'public') {
    const bucket = await ctx.db.asSuperUser((tx) => findBucket(tx, bucketId));
    if (!bucket?.public) throw ERRORS.noSuchBucket();
    const object = await ctx.db.asSuperUser((tx) => findObject(tx, bucketId, name));
    if (!object) throw ERRORS.noSuchKey();
    return object;
  }
  const caller = await callerOf(request.headers, ctx.jwtSecret, access === 'either');
  const bucket = await ctx.db.asSuperUser((tx) => findBucket(tx, bucketId));
  if (!bucket || (!caller.authenticated && !bucket.public)) throw ERRORS.noSuchBucket();
  const object = bucket.public
    ? await ctx.db.asSuperUser((tx) => findObject(tx, bucketId, name))
    : await ctx.db.asCaller(caller, 'storage.object.get', (tx) => findObject(tx, bucketId, name));
  if (!object) throw ERRORS.noSuchKey();
  return object;
}

function download(request: StreamRequest): string | null {
  return queryOf(request).get('download');
}

export const downloadRoute =
  (access: 'public' | 'authenticated' | 'either'): StorageHandler =>
  async (ctx, request, params) =>
    objectResponse(request, ctx.disk, await readableObject(ctx, request, params, access), { download: download(request) });

function infoJson(object: ObjectRow) {
  return {
    id: object.id,
    name: object.name,
    version: object.version,
    bucket_id: object.bucket_id,
    size: object.metadata?.size ?? null,
    content_type: object.metadata?.mimetype ?? null,
    cache_control: object.metadata?.cacheControl ?? null,
    etag: object.metadata?.eTag ?? null,
    metadata: object.user_metadata,
    last_modified: object.updated_at,
    created_at: object.created_at,
  };
}

export const infoRoute =
  (access: 'public' | 'authenticated' | 'either'): StorageHandler =>
  async (ctx, request, params) => {
    const object = await readableObject(ctx, request, params, access);
    const response = json(200, infoJson(object));
    return {
      ...response,
      headers: { ...response.headers, etag: object.metadata?.eTag ?? '', 'cache-control': object.metadata?.cacheControl ?? 'no-cache' },
    };
  };

async function removeBytes(ctx: StorageContext, rows: ObjectRow[]): Promise<void> {
  await Promise.all(rows.map((row) => ctx.disk.remove(row.version)));
}

export const deleteObjectRoute: StorageHandler = async (ctx, request, params) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  const { bucketId, name } = objectPath(params);
  mustBeValidBucketName(bucketId);
  const deleted = await ctx.db.asCaller(caller, 'storage.object.delete', (tx) => deleteObjects(tx, bucketId, [name]));
  if (deleted.length === 0) throw ERRORS.noSuchKey();
  await removeBytes(ctx, deleted);
  return json(200, { message: 'Successfully deleted' });
};

function listJson(row: ObjectRow) {
  return {
    bucket_id: row.bucket_id,
    name: row.name,
    owner: row.owner ?? '',
    id: row.id,
    updated_at: row.updated_at,
    created_at: row.created_at,
    last_accessed_at: row.last_accessed_at,
    metadata: row.metadata,
    user_metadata: row.user_metadata,
    version: row.version,
  };
}

export const deleteObjectsRoute: StorageHandler = async (ctx, request, [bucketId]) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  mustBeValidBucketName(bucketId);
  const { prefixes } = await jsonBody(request);
  if (!Array.isArray(prefixes) || prefixes.length < 1 || prefixes.length > 1000 || !prefixes.every((item) => typeof item === 'string')) {
    throw ERRORS.invalidRequest('body/prefixes must be an array of 1 to 1000 object names');
  }
  const deleted = await ctx.db.asCaller(caller, 'storage.object.delete_many', (tx) => deleteObjects(tx, bucketId, prefixes as string[]));
  await removeBytes(ctx, deleted);
  return json(200, deleted.map(listJson));
};

const SORT_COLUMNS = new Set(['name', 'updated_at', 'created_at', 'last_accessed_at']);

export const listObjectsRoute: StorageHandler = async (ctx, request, [bucketId]) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  mustBeValidBucketName(bucketId);
  const body = await jsonBody(request);
  const prefix = typeof body.prefix === 'string' ? body.prefix : '';
  const int = (value: unknown, fallback: number, name: string) => {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw ERRORS.invalidRequest(`body/${name} must be a non-negative integer`);
    return value;
  };
  const sortBy = (body.sortBy ?? {}) as { column?: unknown; order?: unknown };
  const column = typeof sortBy.column === 'string' && SORT_COLUMNS.has(sortBy.column) ? sortBy.column : 'name';
  const order = typeof sortBy.order === 'string' && sortBy.order.toLowerCase() === 'desc' ? 'desc' : 'asc';
  const rows = await ctx.db.asCaller(caller, 'storage.object.list', (tx) =>
    searchObjects(tx, bucketId, {
      prefix: prefix.length > 0 && !prefix.endsWith('/') ? `${prefix}/` : prefix,
      limit: Math.min(int(body.limit, 100, 'limit'), 1000),
      offset: int(body.offset, 0, 'offset'),
      search: typeof body.search === 'string' ? body.search : '',
      sortColumn: column,
      sortOrder: order,
    }),
  );
  return json(200, rows);
};

/** `list-v2`: keyset pages of objects under a prefix, optionally folded into folders at the next `/`. */
export const listObjectsV2Route: StorageHandler = async (ctx, request, [bucketId]) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  mustBeValidBucketName(bucketId);
  const body = await jsonBody(request);
  const limit = body.limit === undefined ? 1000 : body.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw ERRORS.invalidRequest('body/limit must be >= 1');
  let cursor: string | null = null;
  if (typeof body.cursor === 'string' && body.cursor !== '') {
    cursor = Buffer.from(body.cursor, 'base64url').toString('utf8');
  }
  const rows = await ctx.db.asCaller(caller, 'storage.object.list_v2', (tx) =>
    listObjectsV2(tx, bucketId, {
      prefix: typeof body.prefix === 'string' ? body.prefix : '',
      cursor,
      delimiter: body.with_delimiter === true,
      limit: Math.min(limit, 1000),
    }),
  );
  const page = rows.slice(0, Math.min(limit, 1000));
  const hasNext = rows.length > page.length;
  return json(200, {
    hasNext,
    ...(hasNext ? { nextCursor: Buffer.from(page[page.length - 1].key).toString('base64url') } : {}),
    folders: page.filter((row) => row.is_folder).map((row) => ({ name: row.key, key: row.key })),
    objects: page
      .filter((row) => !row.is_folder)
      .map((row) => ({
        name: row.name,
        key: row.name,
        id: row.id,
        updated_at: row.updated_at,
        created_at: row.created_at,
        last_accessed_at: row.last_accessed_at,
        metadata: row.metadata,
      })),
  });
};

function moveBody(body: Record<string, unknown>) {
  const { bucketId, sourceKey, destinationKey, destinationBucket } = body;
  for (const [name, value] of Object.entries({ bucketId, sourceKey, destinationKey })) {
    if (typeof value !== 'string' || value === '') throw ERRORS.invalidRequest(`body must have required property '${name}'`);
  }
  const destination = typeof destinationBucket === 'string' && destinationBucket !== '' ? destinationBucket : (bucketId as string);
  mustBeValidBucketName(bucketId as string);
  mustBeValidBucketName(destination);
  mustBeValidKey(destinationKey as string);
  return { bucketId: bucketId as string, sourceKey: sourceKey as string, destinationKey: destinationKey as string, destinationBucket: destination };
}

/** A move rewrites the row (RLS checks the old row for update and the new one against the policy); the bytes stay. */
export const moveRoute: StorageHandler = async (ctx, request) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  const move = moveBody(await jsonBody(request));
  if (move.bucketId === move.destinationBucket && move.sourceKey === move.destinationKey) return json(200, { message: 'Successfully moved' });
  await bucketOrFail(ctx, move.destinationBucket);
  const moved = await ctx.db.asCaller(caller, 'storage.object.move', async (tx) => {
    if (!(await findObject(tx, move.bucketId, move.sourceKey))) return undefined;
    return moveObject(tx, { bucketId: move.bucketId, name: move.sourceKey }, { bucketId: move.destinationBucket, name: move.destinationKey }, ownerColumns(caller.sub));
  });
  if (!moved) throw ERRORS.noSuchKey();
  return json(200, { message: 'Successfully moved' });
};

export const copyRoute: StorageHandler = async (ctx, request) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  const body = await jsonBody(request);
  const copy = moveBody(body);
  const copyMetadata = body.copyMetadata !== false;
  const upsert = request.headers['x-upsert'] === 'true';
  await bucketOrFail(ctx, copy.destinationBucket);
  const source = await ctx.db.asCaller(caller, 'storage.object.copy', (tx) => findObject(tx, copy.bucketId, copy.sourceKey));
  if (!source?.version) throw ERRORS.noSuchKey();
  const file = await ctx.disk.duplicate(source.version);
  const version = randomUUID();
  let committed = false;
  try {
    const { row, previous } = await ctx.db.asSuperUser(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext(${`${copy.destinationBucket}/${copy.destinationKey}`}))`;
      const existing = await findObject(tx, copy.destinationBucket, copy.destinationKey, 'for update');
      await becomeCaller(tx, caller, 'storage.object.copy');
      const written = await writeObject(
        tx,
        {
          bucket_id: copy.destinationBucket,
          name: copy.destinationKey,
          ...ownerColumns(caller.sub),
          version,
          metadata: { ...(source.metadata as ObjectMetadata), lastModified: new Date().toISOString() },
          user_metadata: copyMetadata ? source.user_metadata : {},
        },
        upsert,
      );
      await ctx.disk.commit(file, version);
      committed = true;
      return { row: written, previous: existing };
    });
    if (previous?.version) await ctx.disk.remove(previous.version);
    return json(200, { Id: row.id, Key: `${copy.destinationBucket}/${copy.destinationKey}`, name: row.name, bucket_id: row.bucket_id });
  } catch (error) {
    await ctx.disk.discard(file);
    if (committed) await ctx.disk.remove(version);
    throw error;
  }
};
