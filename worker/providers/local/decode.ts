import sharp, { type Metadata, type Sharp } from 'sharp';
import { PRODUCT_PHOTO_RULES } from '../../../lib/images/product-photo-rules.ts';
import type { ImageInput } from '../image-provider.ts';
import { PermanentError } from '../provider.ts';
import { megapixels, type LocalLimits } from './limits.ts';
import type { Raster } from './raster.ts';

/** Smaller photos have too few pixels to find a product in (the same floor as uploads). */
export const MIN_INPUT_SIDE = PRODUCT_PHOTO_RULES.minDimension;

/** sharp over the input: pixel limit enforced by libvips, corrupt data an error, EXIF orientation applied. */
export function openInput(input: ImageInput, limits: LocalLimits): Sharp {
  return sharp(input.bytes, { limitInputPixels: limits.maxInputPixels, failOn: 'error', autoOrient: true });
}

/**
 * Refuses inputs no mode can work with, before any pixel is decoded: too small, too many pixels, unreadable,
 * animated. Returns the upright size (after EXIF orientation) and whether the image has an alpha channel.
 */
export async function inspectInput(input: ImageInput, limits: LocalLimits): Promise<{ width: number; height: number; hasAlpha: boolean }> {
  const { width, height } = input.info;
  if (width < MIN_INPUT_SIDE || height < MIN_INPUT_SIDE) {
    throw new PermanentError(`the input is ${width}×${height} pixels; the local provider needs at least ${MIN_INPUT_SIDE}×${MIN_INPUT_SIDE}`);
  }
  if (width * height > limits.maxInputPixels) {
    throw new PermanentError(
      `the input is ${width}×${height} (${megapixels(width * height)}); the local provider processes at most ${megapixels(limits.maxInputPixels)} (LOCAL_MAX_INPUT_PIXELS)`,
    );
  }
  let metadata: Metadata;
  try {
    metadata = await openInput(input, limits).metadata();
  } catch (error) {
    throw new PermanentError(`the input could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if ((metadata.pages ?? 1) > 1) {
    throw new PermanentError(`the input is animated (${metadata.pages} frames): the image modes work on still photos`);
  }
  const upright = metadata.autoOrient ?? { width: metadata.width, height: metadata.height };
  return { width: upright.width, height: upright.height, hasAlpha: metadata.hasAlpha };
}

/** The input as sRGB RGBA pixels (a corrupt or truncated file fails here, permanently). */
export async function decodeRgba(input: ImageInput, limits: LocalLimits): Promise<Raster> {
  try {
    const { data, info } = await openInput(input, limits).toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: 4 };
  } catch (error) {
    throw new PermanentError(`the input could not be decoded: ${error instanceof Error ? error.message : String(error)}`);
  }
}
