import type { StreamResponse } from '../http/types.ts';

/**
 * Storage's error model: a semantic `statusCode` and `code` in the body, while the HTTP status is 400 for
 * every client error and 500 for server errors (hosted Storage's error handler does exactly this, and
 * storage-js reads both: `error.status` is the HTTP status, `error.statusCode` the body's).
 */
export class StorageError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    /** The legacy `error` field; defaults to the code. */
    readonly error: string = code,
    /** HTTP status when Storage overrides the 400/500 rule. */
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

export const ERRORS = {
  noSuchBucket: () => new StorageError('NoSuchBucket', 404, 'Bucket not found', 'Bucket not found'),
  noSuchKey: () => new StorageError('NoSuchKey', 404, 'Object not found', 'not_found'),
  invalidKey: (key: string) => new StorageError('InvalidKey', 400, `Invalid key: ${key}`),
  invalidBucketName: () => new StorageError('InvalidBucketName', 400, 'Bucket name invalid', 'Invalid Input'),
  invalidJwt: (message: string) => new StorageError('InvalidJWT', 400, message),
  invalidSignature: () => new StorageError('InvalidSignature', 400, 'Invalid signature'),
  accessDenied: (message: string) => new StorageError('AccessDenied', 403, message || 'Access denied', 'Unauthorized'),
  entityTooLarge: (entity = 'object', limit = 'the maximum allowed size') =>
    new StorageError('EntityTooLarge', 413, `The ${entity} exceeded ${limit}`, 'Payload too large'),
  invalidMimeType: (mimeType: string) => new StorageError('InvalidMimeType', 415, `mime type ${mimeType} is not supported`, 'invalid_mime_type'),
  keyAlreadyExists: () => new StorageError('KeyAlreadyExists', 409, 'The resource already exists', 'Duplicate'),
  bucketAlreadyExists: () => new StorageError('BucketAlreadyExists', 409, 'The resource already exists', 'Duplicate'),
  bucketNotEmpty: () => new StorageError('ResourceNotEmpty', 409, 'The bucket you tried to delete is not empty'),
  invalidRequest: (message: string) => new StorageError('InvalidRequest', 400, message),
  invalidParameter: (message: string) => new StorageError('InvalidParameter', 400, message),
  missingParameter: (name: string) => new StorageError('MissingParameter', 400, `Missing Required Parameter ${name}`),
  noContent: () => new StorageError('InvalidRequest', 400, 'No content provided'),
  invalidRange: () => new StorageError('InvalidRange', 400, 'invalid range provided', 'invalid_range'),
  invalidFileSizeLimit: () => new StorageError('InvalidRequest', 400, 'Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B'),
  imageProcessing: (message: string) => new StorageError('InvalidRequest', 400, message),
  relatedNotFound: () => new StorageError('InvalidRequest', 404, 'The related resource does not exist'),
  databaseTimeout: () => new StorageError('DatabaseTimeout', 544, 'The connection to the database timed out', 'DatabaseTimeout', 544),
  notFound: (message: string) => new StorageError('NotFound', 404, message, 'Not Found', 404),
  internal: () => new StorageError('InternalError', 500, 'Internal server error', 'Internal'),
  /** Storage's schema validation of a request without the Authorization header (fastify's answer). */
  missingAuthorization: () => new StorageError('Bad Request', 400, "headers must have required property 'authorization'", 'Bad Request'),
};

interface PostgresLikeError {
  code?: string;
  message?: string;
  constraint_name?: string;
  table_name?: string;
}

/** Database failures as hosted Storage reports them (RLS refusal → 403 AccessDenied, duplicates → 409). */
export function fromDatabaseError(error: unknown): StorageError | null {
  const e = error as PostgresLikeError;
  if (typeof e?.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) return null;
  switch (e.code) {
    case '42501':
      return ERRORS.accessDenied(e.message ?? 'Access denied');
    case '23505':
      return e.table_name === 'buckets' || e.constraint_name === 'buckets_pkey' || e.constraint_name === 'bname'
        ? ERRORS.bucketAlreadyExists()
        : ERRORS.keyAlreadyExists();
    case '23503':
      return e.constraint_name === 'objects_bucketId_fkey' || /bucket/.test(e.constraint_name ?? '')
        ? ERRORS.noSuchBucket()
        : ERRORS.relatedNotFound();
    case '57014':
      return ERRORS.databaseTimeout();
    case '22P02':
    case '22023':
    case '23514':
    case '23502':
      return ERRORS.invalidRequest(e.message ?? 'Invalid request');
    default:
      return null;
  }
}

export function errorResponse(error: StorageError): StreamResponse {
  const status = error.httpStatus ?? (error.statusCode >= 500 ? 500 : 400);
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ statusCode: String(error.statusCode), code: error.code, error: error.error, message: error.message }),
  };
}
