import { ERRORS } from './errors.ts';

/** Storage's safe key characters (S3's "safe" set plus a few that need special handling). */
const KEY = /^(\w|\/|!|-|\.|\*|'|\(|\)| |&|\$|@|=|;|:|\+|,|\?)*$/;
const BUCKET_NAME = /^(\w|!|-|\.|\*|'|\(|\)| |&|\$|@|=|;|:|\+|,|\?)*$/;

export function mustBeValidKey(key: string | undefined): string {
  if (!key || !KEY.test(key)) throw ERRORS.invalidKey(key ?? '');
  return key;
}

export function mustBeValidBucketName(name: string | undefined): string {
  if (!name || name.length > 100 || !BUCKET_NAME.test(name) || name.trim() !== name) throw ERRORS.invalidBucketName();
  return name;
}

/** "20MB", "1.5GB", "300KB", "7B" → bytes, as Storage parses a bucket's file_size_limit string (decimal units). */
export function parseFileSize(value: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(gb|mb|kb|b)$/i.exec(value.trim());
  if (!match) throw ERRORS.invalidFileSizeLimit();
  const amount = Number.parseFloat(Number.parseFloat(match[1]).toPrecision(3));
  const unit = { GB: 1e9, MB: 1e6, KB: 1e3, B: 1 }[match[2].toUpperCase() as 'GB' | 'MB' | 'KB' | 'B'];
  return Math.floor(amount * unit);
}

export function validateAllowedMimeTypes(types: string[]): void {
  for (const type of types) {
    if (type.length > 1000 || !/^([a-zA-Z0-9\-+.]+)\/([a-zA-Z0-9\-+.]+)(;\s*charset=[a-zA-Z0-9-]+)?$|\*$/.test(type)) {
      throw ERRORS.invalidMimeType(type);
    }
  }
}

/** A bucket's allowed types: exact (`image/png`) or by family (`image/*`). */
export function checkMimeType(mimeType: string, allowed: string[] | null): void {
  if (!allowed || allowed.length === 0) return;
  const [type, subtype] = mimeType.split(';')[0].trim().toLowerCase().split('/');
  if (!subtype) throw ERRORS.invalidMimeType(mimeType);
  const ok = allowed.some((candidate) => {
    const [allowedType, allowedSubtype] = candidate.toLowerCase().split('/');
    return allowedType === type && (allowedSubtype === '*' || allowedSubtype === subtype);
  });
  if (!ok) throw ERRORS.invalidMimeType(mimeType);
}

/** The effective upload limit: the bucket's when set, never above the project's `[storage] file_size_limit`. */
export function uploadLimit(globalLimit: number, bucketLimit: number | null): number {
  return bucketLimit === null ? globalLimit : Math.min(bucketLimit, globalLimit);
}
