import sharp, { type Sharp } from 'sharp';
import type { ImageMimeType } from '../../../lib/images/image-info.ts';
import type { OutputFormat } from '../../../lib/images/image-params.ts';
import type { Raster } from './raster.ts';

/**
 * Encoder settings, pinned so the same pixels always give the same bytes: fixed quality and chroma
 * subsampling, no progressive scans, fixed PNG compression and filtering, no palette quantisation (which
 * searches), and no metadata (sharp strips EXIF, ICC and timestamps unless asked to keep them).
 */
export function encodeAs(pipeline: Sharp, format: OutputFormat): Sharp {
  switch (format) {
    case 'jpeg':
      // JPEG has no alpha: transparent pixels become white, as on a studio backdrop.
      return pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: 90, chromaSubsampling: '4:2:0', progressive: false, mozjpeg: false, optimiseCoding: true });
    case 'png':
      return pipeline.png({ compressionLevel: 6, adaptiveFiltering: false, palette: false, progressive: false });
    case 'webp':
      return pipeline.webp({ quality: 90, alphaQuality: 100, effort: 4, lossless: false, nearLossless: false, smartSubsample: false });
  }
}

export const MIME_TYPES: Record<OutputFormat, ImageMimeType> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

export interface Encoded {
  bytes: Buffer;
  mimeType: ImageMimeType;
  width: number;
  height: number;
}

export async function encodeRaster(raster: Raster, format: OutputFormat): Promise<Encoded> {
  const pipeline = sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: raster.channels } });
  const { data, info } = await encodeAs(pipeline, format).toBuffer({ resolveWithObject: true });
  return { bytes: data, mimeType: MIME_TYPES[format], width: info.width, height: info.height };
}
