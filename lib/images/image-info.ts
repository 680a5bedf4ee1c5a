/**
 * What an image file is, read from its first bytes (never from its name or a declared type): PNG, JPEG or
 * WebP, and its pixel size. Pure TypeScript over a Uint8Array, so the browser (before an upload), the
 * server and the worker (before processing) share one implementation.
 */

export type ImageMimeType = 'image/png' | 'image/jpeg' | 'image/webp';

export interface ImageInfo {
  mimeType: ImageMimeType;
  /** File extension for object keys. */
  extension: 'png' | 'jpg' | 'webp';
  width: number;
  height: number;
}

/** Enough of the file to find the size: JPEG puts it after its metadata segments (EXIF can be 64 KiB). */
export const IMAGE_HEADER_BYTES = 256 * 1024;

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const ascii = (b: Uint8Array, i: number, length: number) => String.fromCharCode(...b.subarray(i, i + length));

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function png(b: Uint8Array): ImageInfo | null {
  if (b.length < 24 || !PNG_SIGNATURE.every((byte, i) => b[i] === byte)) return null;
  if (ascii(b, 12, 4) !== 'IHDR') return null; // IHDR must be the first chunk
  return { mimeType: 'image/png', extension: 'png', width: u32be(b, 16), height: u32be(b, 20) };
}

/** Start-of-frame markers carry the size (C0–CF, except DHT C4, JPG C8 and DAC CC). */
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

function jpeg(b: Uint8Array): ImageInfo | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan data before any frame header
    const length = u16be(b, i + 2);
    if (length < 2) return null;
    if (isStartOfFrame(marker)) {
      if (i + 9 > b.length) return null;
      return { mimeType: 'image/jpeg', extension: 'jpg', height: u16be(b, i + 5), width: u16be(b, i + 7) };
    }
    i += 2 + length;
  }
  return null;
}

function webp(b: Uint8Array): ImageInfo | null {
  if (b.length < 30 || ascii(b, 0, 4) !== 'RIFF' || ascii(b, 8, 4) !== 'WEBP') return null;
  const chunk = ascii(b, 12, 4);
  const info = (width: number, height: number): ImageInfo => ({ mimeType: 'image/webp', extension: 'webp', width, height });
  if (chunk === 'VP8 ') {
    // Key frame start code, then 14-bit width and height.
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return null;
    return info(u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) return null;
    const bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
    return info((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') return info(u24le(b, 24) + 1, u24le(b, 27) + 1);
  return null;
}

/** The image's type and size from its leading bytes, or null when it is not a PNG, JPEG or WebP we can read. */
export function readImageInfo(bytes: Uint8Array): ImageInfo | null {
  const info = png(bytes) ?? jpeg(bytes) ?? webp(bytes);
  return info && info.width > 0 && info.height > 0 ? info : null;
}
