import sharp from 'sharp';
import type { StreamRequest, StreamResponse } from '../http/types.ts';
import type { DiskStore } from './disk.ts';
import { ERRORS } from './errors.ts';
import type { ObjectRow } from './queries.ts';

export interface RenderOptions {
  /** `?download` (empty: attachment; a name: attachment with that file name). */
  download?: string | null;
  /** Signed URLs answer with an Expires header instead of Cache-Control. */
  expires?: Date;
}

/** Never let a stored object render as a page of this origin. */
function servedContentType(mimetype: string | undefined): string {
  if (!mimetype) return 'application/octet-stream';
  return mimetype.includes('text/html') ? 'text/plain' : mimetype;
}

function dispositionHeader(download: string | null | undefined): Record<string, string> {
  if (download === undefined || download === null) return {};
  if (download === '') return { 'content-disposition': 'attachment;' };
  const encoded = encodeURIComponent(download);
  return { 'content-disposition': `attachment; filename=${encoded}; filename*=UTF-8''${encoded};` };
}

function cachingHeaders(object: ObjectRow, options: RenderOptions): Record<string, string> {
  return options.expires
    ? { expires: options.expires.toUTCString() }
    : { 'cache-control': object.metadata?.cacheControl ?? 'no-cache' };
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` (one range); null when absent; 'invalid' when unsatisfiable. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'invalid' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'invalid';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}

/** An object's bytes streamed from disk, with Storage's headers, conditional GET and single ranges. */
export async function objectResponse(request: StreamRequest, disk: DiskStore, object: ObjectRow, options: RenderOptions = {}): Promise<StreamResponse> {
  if (!object.version) throw ERRORS.noSuchKey();
  const size = object.metadata?.size ?? (await disk.size(object.version));
  if (size === undefined) throw ERRORS.noSuchKey();
  const etag = object.metadata?.eTag ?? `"${object.version}"`;
  const common: Record<string, string> = {
    'accept-ranges': 'bytes',
    etag,
    'last-modified': new Date(object.metadata?.lastModified ?? object.updated_at).toUTCString(),
    ...cachingHeaders(object, options),
    ...dispositionHeader(options.download),
  };
  if (request.headers['if-none-match'] === etag) return { status: 304, headers: common };
  const range = parseRange(request.headers.range, size);
  if (range === 'invalid') {
    return { status: 416, headers: { ...common, 'content-range': `bytes */${size}` } };
  }
  const headers = { ...common, 'content-type': servedContentType(object.metadata?.mimetype) };
  if (request.method === 'HEAD') return { status: 200, headers: { ...headers, 'content-length': String(size) } };
  const body = await disk.open(object.version, range ?? undefined);
  if (!body) throw ERRORS.noSuchKey();
  if (range) {
    return {
      status: 206,
      headers: { ...headers, 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${size}` },
      body,
    };
  }
  return { status: 200, headers: { ...headers, 'content-length': String(size) }, body };
}

// ---- image transformations (/render/image) ----------------------------------------------------------

export interface TransformOptions {
  width?: number;
  height?: number;
  resize?: 'cover' | 'contain' | 'fill';
  quality?: number;
  format?: 'origin' | 'avif' | 'webp';
}

/** Storage's bounds for transformations (imgproxy's defaults on hosted projects). */
const SIZE = { min: 1, max: 2500 };
const MAX_INPUT_PIXELS = 71_000_000;

function integer(value: string | null | undefined, name: string): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw ERRORS.invalidParameter(`${name} must be a positive integer`);
  return Number(value);
}

export function transformFromQuery(query: URLSearchParams): TransformOptions {
  const resize = query.get('resize') ?? undefined;
  if (resize !== undefined && !['cover', 'contain', 'fill'].includes(resize)) {
    throw ERRORS.invalidParameter('resize must be one of cover, contain, fill');
  }
  const format = query.get('format') ?? undefined;
  if (format !== undefined && !['origin', 'avif', 'webp'].includes(format)) throw ERRORS.invalidParameter('format must be origin, avif or webp');
  const quality = integer(query.get('quality'), 'quality');
  if (quality !== undefined && (quality < 20 || quality > 100)) throw ERRORS.invalidParameter('quality must be between 20 and 100');
  return {
    width: integer(query.get('width'), 'width'),
    height: integer(query.get('height'), 'height'),
    resize: resize as TransformOptions['resize'],
    quality,
    format: format as TransformOptions['format'],
  };
}

/** The `transformations` claim of a signed render URL ("width:100,height:100,resize:cover"). */
export function transformToString(options: TransformOptions): string {
  const parts: string[] = [];
  if (options.height) parts.push(`height:${options.height}`);
  if (options.width) parts.push(`width:${options.width}`);
  if (options.width || options.height) parts.push(`resize:${options.resize ?? 'cover'}`);
  if (options.quality) parts.push(`quality:${options.quality}`);
  if (options.format && options.format !== 'origin') parts.push(`format:${options.format}`);
  return parts.join(',');
}

export function transformFromString(value: string | undefined): TransformOptions {
  const options: TransformOptions = {};
  for (const part of (value ?? '').split(',')) {
    const [name, raw] = part.split(':');
    if (name === 'width' || name === 'height' || name === 'quality') options[name] = Number.parseInt(raw, 10);
    if (name === 'resize') options.resize = raw as TransformOptions['resize'];
    if (name === 'format') options.format = raw as TransformOptions['format'];
  }
  return options;
}

const clamp = (value: number) => Math.min(Math.max(value, SIZE.min), SIZE.max);
const FIT = { cover: 'cover', contain: 'inside', fill: 'fill' } as const;
/** imgproxy's names for the resize modes, which hosted Storage reports in X-Transformations. */
const RESIZING_TYPE = { cover: 'fill', contain: 'fit', fill: 'force' } as const;

/** What was applied, as hosted Storage's X-Transformations header lists it. */
function appliedTransformations(transform: TransformOptions): string {
  const parts: string[] = [];
  if (transform.height) parts.push(`height:${clamp(transform.height)}`);
  if (transform.width) parts.push(`width:${clamp(transform.width)}`);
  if (transform.width || transform.height) parts.push(`resizing_type:${RESIZING_TYPE[transform.resize ?? 'cover']}`);
  if (transform.quality) parts.push(`quality:${transform.quality}`);
  if (transform.format && transform.format !== 'origin') parts.push(`format:${transform.format}`);
  return parts.join(',');
}

/**
 * An object's image, transformed with sharp while it streams from disk: resized (cover crops, contain fits
 * inside, fill stretches; never larger than asked), re-encoded at `quality`, as WebP when the client
 * accepts it unless `format=origin` (hosted Storage optimises the same way).
 */
export async function imageResponse(request: StreamRequest, disk: DiskStore, object: ObjectRow, transform: TransformOptions, options: RenderOptions = {}): Promise<StreamResponse> {
  if (!object.version) throw ERRORS.noSuchKey();
  const file = disk.pathOf(object.version);
  let inputFormat: string | undefined;
  try {
    inputFormat = (await sharp(file, { limitInputPixels: MAX_INPUT_PIXELS }).metadata()).format;
  } catch {
    throw ERRORS.imageProcessing('Source image could not be processed: not a supported image');
  }
  let image = sharp(file, { limitInputPixels: MAX_INPUT_PIXELS }).rotate();
  if (transform.width || transform.height) {
    image = image.resize({
      width: transform.width ? clamp(transform.width) : undefined,
      height: transform.height ? clamp(transform.height) : undefined,
      fit: FIT[transform.resize ?? 'cover'],
      withoutEnlargement: true,
    });
  }
  const accept = request.headers.accept ?? '';
  const quality = transform.quality ?? 80;
  let format: 'jpeg' | 'png' | 'webp' | 'avif' =
    inputFormat === 'jpeg' || inputFormat === 'png' || inputFormat === 'webp' || inputFormat === 'avif' ? inputFormat : 'png';
  if (transform.format === 'avif' || transform.format === 'webp') format = transform.format;
  else if (transform.format !== 'origin' && accept.includes('image/webp')) format = 'webp';
  // A transformed image is bounded (at most 2500 pixels a side) and gets a Content-Length, as imgproxy's
  // answers do; the source is read from disk by libvips, never through a JavaScript buffer.
  let output: Buffer;
  try {
    output = await image.toFormat(format, { quality }).toBuffer();
  } catch {
    throw ERRORS.imageProcessing('Source image could not be processed');
  }
  const transformations = appliedTransformations(transform);
  return {
    status: 200,
    headers: {
      'content-type': `image/${format}`,
      'content-length': String(output.length),
      etag: object.metadata?.eTag ?? `"${object.version}"`,
      'last-modified': new Date(object.metadata?.lastModified ?? object.updated_at).toUTCString(),
      ...cachingHeaders(object, options),
      ...dispositionHeader(options.download),
      ...(transformations ? { 'x-transformations': transformations } : {}),
    },
    body: request.method === 'HEAD' ? undefined : output,
  };
}
