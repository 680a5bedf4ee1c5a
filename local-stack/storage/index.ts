/**
 * The local Storage API at /storage/v1, compatible with what @supabase/storage-js sends. One module per
 * route family (routes/bucket, routes/object, routes/signed, routes/render), each a thin handler over the
 * storage layer: rows in storage.buckets/storage.objects read and written as the caller (RLS decides),
 * bytes streamed to and from disk (disk.ts), never held whole in memory.
 */
import path from 'node:path';
import { isClientAbort } from '../http/gateway.ts';
import { BodyBudgetExhaustedError, BodyTooLargeError } from '../http/body.ts';
import type { StreamingApi, StreamRequest, StreamResponse } from '../http/types.ts';
import { type StorageContext, type StorageHandler } from './context.ts';
import { StorageDb } from './db.ts';
import { DiskStore } from './disk.ts';
import { ERRORS, errorResponse, fromDatabaseError, StorageError } from './errors.ts';
import { createBucketRoute, deleteBucketRoute, emptyBucketRoute, getBucketRoute, listBucketsRoute, updateBucketRoute } from './routes/bucket.ts';
import {
  copyRoute,
  deleteObjectRoute,
  deleteObjectsRoute,
  downloadRoute,
  infoRoute,
  listObjectsRoute,
  listObjectsV2Route,
  moveRoute,
  uploadRoute,
} from './routes/object.ts';
import { renderRoute } from './routes/render.ts';
import { getSignedRoute, signUploadRoute, signUrlRoute, signUrlsRoute, uploadSignedRoute } from './routes/signed.ts';
import { json } from '../http/types.ts';

export interface StorageApiOptions {
  /** Connection string for supabase_storage_admin. */
  databaseUrl: string;
  jwtSecret: string;
  /** Folder for object bytes (the stack uses `<data folder>/storage`). */
  root: string;
  /** `[storage] file_size_limit` from config.toml, in bytes. */
  fileSizeLimit: number;
  log?: (line: string) => void;
}

interface Route {
  method: string;
  /** Matched against the still-encoded path below /storage/v1; groups are decoded into handler params. */
  path: RegExp;
  handler: StorageHandler;
}

const BUCKET = '([^/]+)';
const KEY = '(.+)';
const route = (method: string, pattern: string, handler: StorageHandler): Route => ({ method, path: new RegExp(`^${pattern}$`), handler });

/** Specific paths before the generic `/object/{bucket}/{name}`, as Storage's router prefers static segments. */
const ROUTES: Route[] = [
  route('GET', '/bucket/?', listBucketsRoute),
  route('POST', '/bucket/?', createBucketRoute),
  route('POST', `/bucket/${BUCKET}/empty/?`, emptyBucketRoute),
  route('GET', `/bucket/${BUCKET}/?`, getBucketRoute),
  route('PUT', `/bucket/${BUCKET}/?`, updateBucketRoute),
  route('DELETE', `/bucket/${BUCKET}/?`, deleteBucketRoute),
  route('POST', `/object/list/${BUCKET}/?`, listObjectsRoute),
  route('POST', `/object/list-v2/${BUCKET}/?`, listObjectsV2Route),
  route('POST', '/object/move/?', moveRoute),
  route('POST', '/object/copy/?', copyRoute),
  route('POST', `/object/upload/sign/${BUCKET}/${KEY}`, signUploadRoute),
  route('PUT', `/object/upload/sign/${BUCKET}/${KEY}`, uploadSignedRoute),
  route('POST', `/object/sign/${BUCKET}/${KEY}`, signUrlRoute),
  route('POST', `/object/sign/${BUCKET}/?`, signUrlsRoute),
  route('GET', `/object/sign/${BUCKET}/${KEY}`, getSignedRoute(false)),
  route('GET', `/object/public/${BUCKET}/${KEY}`, downloadRoute('public')),
  route('HEAD', `/object/public/${BUCKET}/${KEY}`, downloadRoute('public')),
  route('GET', `/object/authenticated/${BUCKET}/${KEY}`, downloadRoute('authenticated')),
  route('HEAD', `/object/authenticated/${BUCKET}/${KEY}`, downloadRoute('authenticated')),
  route('GET', `/object/info/public/${BUCKET}/${KEY}`, infoRoute('public')),
  route('GET', `/object/info/authenticated/${BUCKET}/${KEY}`, infoRoute('authenticated')),
  route('GET', `/object/info/${BUCKET}/${KEY}`, infoRoute('either')),
  route('GET', `/object/${BUCKET}/${KEY}`, downloadRoute('either')),
  route('HEAD', `/object/${BUCKET}/${KEY}`, downloadRoute('either')),
  route('POST', `/object/${BUCKET}/${KEY}`, uploadRoute),
  route('PUT', `/object/${BUCKET}/${KEY}`, uploadRoute),
  route('DELETE', `/object/${BUCKET}/${KEY}`, deleteObjectRoute),
  route('DELETE', `/object/${BUCKET}/?`, deleteObjectsRoute),
  route('GET', `/render/image/authenticated/${BUCKET}/${KEY}`, renderRoute('authenticated')),
  route('GET', `/render/image/public/${BUCKET}/${KEY}`, renderRoute('public')),
  route('GET', `/render/image/sign/${BUCKET}/${KEY}`, getSignedRoute(true)),
];

function decodeParams(groups: string[]): string[] {
  return groups.map((group) => {
    try {
      return decodeURIComponent(group);
    } catch {
      throw ERRORS.invalidKey(group);
    }
  });
}

function dispatch(ctx: StorageContext, request: StreamRequest): Promise<StreamResponse> {
  for (const candidate of ROUTES) {
    if (candidate.method !== request.method) continue;
    const match = candidate.path.exec(request.path);
    if (match) return candidate.handler(ctx, request, decodeParams(match.slice(1)));
  }
  return Promise.resolve(
    json(404, { statusCode: 404, error: 'Not Found', message: `Route ${request.method}:${request.path} not found` }),
  );
}

export async function createStorageApi(options: StorageApiOptions): Promise<StreamingApi> {
  const log = options.log ?? (() => {});
  const disk = new DiskStore(path.resolve(options.root));
  await disk.init();
  const db = new StorageDb(options.databaseUrl);
  const ctx: StorageContext = { db, disk, jwtSecret: options.jwtSecret, fileSizeLimit: options.fileSizeLimit, log };
  return {
    async handleStream(request) {
      try {
        return await dispatch(ctx, request);
      } catch (error) {
        if (error instanceof StorageError) return errorResponse(error);
        const fromDatabase = fromDatabaseError(error);
        if (fromDatabase) return errorResponse(fromDatabase);
        // The gateway answers these (413, 503) as it does for every API.
        if (isClientAbort(error) || request.signal.aborted || error instanceof BodyTooLargeError || error instanceof BodyBudgetExhaustedError) throw error;
        log(`[storage] ${request.method} ${request.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return errorResponse(ERRORS.internal());
      }
    },
    close: () => db.close(),
  };
}
