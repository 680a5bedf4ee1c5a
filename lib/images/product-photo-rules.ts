import type { ImageInfo } from './image-info';

/**
 * What a product photo upload must be. The product-images bucket enforces the type and a 10 MiB size too
 * (its allowed_mime_types and file_size_limit); these rules fail earlier, with clearer messages.
 */
export const PRODUCT_PHOTO_RULES = {
  maxBytes: 10 * 1024 * 1024,
  minDimension: 64,
  maxDimension: 8000,
  types: ['image/png', 'image/jpeg', 'image/webp'],
} as const;

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;

/** Problems with a file as a product photo (empty when it is fine), in words a person can act on. */
export function productPhotoProblems(file: { size: number }, info: ImageInfo | null): string[] {
  const { maxBytes, minDimension, maxDimension } = PRODUCT_PHOTO_RULES;
  if (file.size === 0) return ['The file is empty.'];
  if (file.size > maxBytes) return [`The file is ${megabytes(file.size)}; product photos can be at most ${megabytes(maxBytes)}.`];
  if (!info) return ['The file is not a PNG, JPEG or WebP image (checked from its contents, not its name).'];
  const problems: string[] = [];
  if (info.width < minDimension || info.height < minDimension) {
    problems.push(`The image is ${info.width}×${info.height} pixels; it must be at least ${minDimension}×${minDimension}.`);
  }
  if (info.width > maxDimension || info.height > maxDimension) {
    problems.push(`The image is ${info.width}×${info.height} pixels; it can be at most ${maxDimension}×${maxDimension}.`);
  }
  return problems;
}
