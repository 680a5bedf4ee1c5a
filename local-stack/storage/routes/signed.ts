import { callerOf } from '../caller.ts';
import { jsonBody, queryOf, type StorageHandler } from '../context.ts';
import { ERRORS } from '../errors.ts';
import { mustBeValidBucketName, mustBeValidKey } from '../limits.ts';
import { findObject, findObjectNames } from '../queries.ts';
import { imageResponse, objectResponse, transformFromQuery, transformFromString, transformToString } from '../render.ts';
import { signUrlToken, verifyUrlToken } from '../signing.ts';
import { bucketOrFail, storeUpload, testUploadPermission } from './object.ts';
import { json } from '../../http/types.ts';

/** Signed URLs: tokens (JWTs under the project's secret) naming one object, for a limited time. */

/** Hosted Storage's lifetime of a signed upload URL. */
const UPLOAD_URL_EXPIRY_SECONDS = 2 * 60 * 60;

function expiresInOf(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw ERRORS.invalidRequest(value === undefined ? "body must have required property 'expiresIn'" : 'body/expiresIn must be >= 1');
  }
  return value;
}

/** Signing needs the caller to see the object (RLS on select), as Storage checks before signing. */
export const signUrlRoute: StorageHandler = async (ctx, request, [bucketId, name]) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  mustBeValidBucketName(bucketId);
  const body = await jsonBody(request);
  const expiresIn = expiresInOf(body.expiresIn);
  const object = await ctx.db.asCaller(caller, 'storage.object.sign', (tx) => findObject(tx, bucketId, name));
  if (!object) throw ERRORS.noSuchKey();
  const transform =
    body.transform && typeof body.transform === 'object'
      ? transformFromQuery(new URLSearchParams(Object.entries(body.transform as Record<string, unknown>).map(([key, value]) => [key, String(value)])))
      : {};
  const transformations = transformToString(transform);
  const url = `${bucketId}/${name}`;
  const token = await signUrlToken({ url, ...(transformations ? { transformations } : {}) }, ctx.jwtSecret, expiresIn);
  return json(200, { signedURL: `/${transformations ? 'render/image' : 'object'}/sign/${url}?token=${token}` });
};

export const signUrlsRoute: StorageHandler = async (ctx, request, [bucketId]) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  mustBeValidBucketName(bucketId);
  const body = await jsonBody(request);
  const expiresIn = expiresInOf(body.expiresIn);
  const { paths } = body;
  if (!Array.isArray(paths) || !paths.every((item) => typeof item === 'string') || paths.length > 1000) {
    throw ERRORS.invalidRequest('body/paths must be an array of at most 1000 object names');
  }
  const visible = await ctx.db.asCaller(caller, 'storage.object.sign_many', (tx) => findObjectNames(tx, bucketId, paths as string[]));
  const results = await Promise.all(
    (paths as string[]).map(async (path) => {
      if (!visible.has(path)) return { error: 'Either the object does not exist or you do not have access to it', path, signedURL: null };
      const url = `${bucketId}/${path}`;
      const token = await signUrlToken({ url }, ctx.jwtSecret, expiresIn);
      return { error: null, path, signedURL: `/object/sign/${url}?token=${token}` };
    }),
  );
  return json(200, results);
};

/** Serves a signed URL: the token alone authorises (no apikey, no session), until it expires. */
export const getSignedRoute =
  (render: boolean): StorageHandler =>
  async (ctx, request, [bucketId, name]) => {
    const query = queryOf(request);
    const claims = await verifyUrlToken(query.get('token'), `${bucketId}/${name}`, ctx.jwtSecret);
    const object = await ctx.db.asSuperUser((tx) => findObject(tx, bucketId, name));
    if (!object) throw ERRORS.noSuchKey();
    const options = { download: query.get('download'), expires: new Date((claims.exp ?? 0) * 1000) };
    if (render) return imageResponse(request, ctx.disk, object, transformFromString(claims.transformations), options);
    return objectResponse(request, ctx.disk, object, options);
  };

/** Checks the caller may create (or, with x-upsert, replace) the object, then signs a URL that uploads it once as them. */
export const signUploadRoute: StorageHandler = async (ctx, request, [bucketId, name]) => {
  const caller = await callerOf(request.headers, ctx.jwtSecret, false);
  mustBeValidBucketName(bucketId);
  mustBeValidKey(name);
  const upsert = request.headers['x-upsert'] === 'true';
  await bucketOrFail(ctx, bucketId);
  await testUploadPermission(ctx, caller, { bucketId, name, mode: upsert ? 'upsert' : 'create' });
  const url = `${bucketId}/${name}`;
  const token = await signUrlToken({ url, owner: caller.sub, upsert }, ctx.jwtSecret, UPLOAD_URL_EXPIRY_SECONDS);
  return json(200, { url: `/object/upload/sign/${url}?token=${token}`, token });
};

export const uploadSignedRoute: StorageHandler = async (ctx, request, [bucketId, name]) => {
  const claims = await verifyUrlToken(queryOf(request).get('token'), `${bucketId}/${name}`, ctx.jwtSecret);
  const row = await storeUpload(ctx, request, {
    bucketId,
    name,
    caller: null,
    owner: claims.owner,
    mode: claims.upsert ? 'upsert' : 'create',
  });
  return json(200, { Id: row.id, Key: `${bucketId}/${name}` });
};
