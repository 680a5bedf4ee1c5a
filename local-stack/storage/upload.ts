import busboy from 'busboy';
import { declaredLength } from '../http/body.ts';
import type { StreamRequest } from '../http/types.ts';
import type { DiskStore, ReceivedFile } from './disk.ts';
import { ERRORS, StorageError } from './errors.ts';
import { checkMimeType } from './limits.ts';

export interface IncomingFile {
  file: ReceivedFile;
  mimeType: string;
  cacheControl: string;
  userMetadata: Record<string, unknown> | null;
}

const MAX_USER_METADATA = 1024 * 1024;
/** Room for multipart boundaries, part headers and the small form fields around the file. */
const MULTIPART_OVERHEAD = MAX_USER_METADATA + 64 * 1024;

function parseUserMetadata(raw: string | undefined, base64: boolean): Record<string, unknown> | null {
  if (raw === undefined || raw === '') return null;
  const text = base64 ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text) > MAX_USER_METADATA) throw ERRORS.entityTooLarge('user_metadata');
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null; // Storage ignores metadata it cannot parse
  }
}

/**
 * Streams an upload to a temporary file, as Storage accepts it: a raw body (type from Content-Type,
 * `Cache-Control`, base64 JSON `x-metadata`) or multipart form data (one file part; fields `cacheControl`,
 * `metadata`, `contentType`). Size and type are checked before the bytes are written where the request
 * says them, and while streaming otherwise.
 */
export async function receiveUpload(
  request: StreamRequest,
  disk: DiskStore,
  limits: { maxBytes: number; allowedMimeTypes: string[] | null },
): Promise<IncomingFile> {
  const contentType = request.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
    const declared = declaredLength(request.headers);
    if (declared !== undefined && declared > limits.maxBytes) throw ERRORS.entityTooLarge();
    const mimeType = contentType || 'application/octet-stream';
    checkMimeType(mimeType, limits.allowedMimeTypes);
    const userMetadata = parseUserMetadata(request.headers['x-metadata'], true);
    const file = await disk.receive(request.body, limits.maxBytes, request.signal);
    return { file, mimeType, cacheControl: request.headers['cache-control'] ?? 'no-cache', userMetadata };
  }
  // Form fields and part headers add a little to the file; a body far beyond the limit is refused unread.
  const declared = declaredLength(request.headers);
  if (declared !== undefined && declared > limits.maxBytes + MULTIPART_OVERHEAD) throw ERRORS.entityTooLarge();
  return receiveMultipart(request, disk, limits);
}

function receiveMultipart(request: StreamRequest, disk: DiskStore, limits: { maxBytes: number; allowedMimeTypes: string[] | null }): Promise<IncomingFile> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': request.headers['content-type'] },
        limits: { files: 1, fields: 10, fieldSize: MAX_USER_METADATA, parts: 12 },
      });
    } catch (error) {
      reject(ERRORS.invalidRequest(error instanceof Error ? error.message : 'Malformed multipart body'));
      return;
    }
    const fields: Record<string, string> = {};
    let received: Promise<{ file: ReceivedFile; mimeType: string }> | null = null;
    let failed: unknown = null;
    // Stop parsing at the first failure; the gateway closes the connection instead of reading the rest.
    const fail = (error: unknown) => {
      failed ??= error;
      request.body.unpipe(parser);
      parser.destroy();
    };
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (_name, stream, info) => {
      // Destroying the parser destroys its part stream with an error too ("Unexpected end of file").
      stream.on('error', (error) => fail(error));
      if (received || failed) {
        stream.resume();
        return;
      }
      const mimeType = fields.contentType || info.mimeType || 'application/octet-stream';
      try {
        checkMimeType(mimeType, limits.allowedMimeTypes);
      } catch (error) {
        stream.resume();
        fail(error);
        return;
      }
      received = disk.receive(stream, limits.maxBytes, request.signal).then((file) => ({ file, mimeType }));
      received.catch(fail);
    });
    parser.on('error', (error: Error) => fail(error instanceof StorageError ? error : ERRORS.invalidRequest(error.message)));
    parser.on('close', () => {
      void (async () => {
        const upload = received ? await received.catch(() => null) : null;
        if (failed || !upload) {
          if (upload) await disk.discard(upload.file);
          reject(failed ?? ERRORS.noContent());
          return;
        }
        const cacheTime = fields.cacheControl;
        resolve({
          file: upload.file,
          mimeType: upload.mimeType,
          cacheControl: cacheTime ? `max-age=${cacheTime}` : 'no-cache',
          userMetadata: parseUserMetadata(fields.metadata ?? fields.userMetadata, false),
        });
      })();
    });
    request.body.on('error', (error) => fail(error));
    request.body.on('aborted', () => fail(new Error('request aborted')));
    request.body.pipe(parser);
  });
}
