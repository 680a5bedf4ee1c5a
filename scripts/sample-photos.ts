/**
 * Product photos made from nothing: an object on a plain studio backdrop, drawn as SVG and rendered by sharp
 * (librsvg). The demo data (scripts/seed-images.ts), the provider tests and the benchmark use them; none
 * is ever downloaded. The same options always give the same bytes.
 */
import sharp from 'sharp';

export type ProductShape = 'mug' | 'bottle' | 'sneaker' | 'box';
export type Rgb = [number, number, number];

export interface PhotoOptions {
  shape: ProductShape;
  width: number;
  height: number;
  /** Product colour (hex). */
  color?: string;
  /** Backdrop colour (hex). */
  background?: string;
  format?: 'png' | 'jpeg' | 'webp';
}

export interface SamplePhoto {
  bytes: Buffer;
  mimeType: 'image/png' | 'image/jpeg' | 'image/webp';
  width: number;
  height: number;
  background: Rgb;
  /** Where the product is drawn (its bounding box, in pixels). */
  product: { left: number; top: number; width: number; height: number };
}

export function hexToRgb(hex: string): Rgb {
  const value = Number.parseInt(hex.replace('#', ''), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** The product's drawing in a 100 × 100 box (viewBox units), with its shading. */
function drawing(shape: ProductShape, color: string): string {
  const shade = `<linearGradient id="shade" x1="0" x2="1" y1="0" y2="0">
      <stop offset="0" stop-color="#000" stop-opacity="0.18"/><stop offset="0.35" stop-color="#fff" stop-opacity="0.16"/>
      <stop offset="0.7" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.22"/></linearGradient>`;
  switch (shape) {
    case 'mug':
      return `<defs>${shade}</defs>
        <path d="M72 30 h6 a14 14 0 0 1 0 40 h-6 v-9 h6 a5 5 0 0 0 0 -22 h-6 z" fill="${color}"/>
        <rect x="14" y="12" width="62" height="86" rx="7" fill="${color}"/>
        <rect x="14" y="12" width="62" height="86" rx="7" fill="url(#shade)"/>
        <ellipse cx="45" cy="15" rx="29" ry="3" fill="#000" fill-opacity="0.25"/>`;
    case 'bottle':
      return `<defs>${shade}</defs>
        <rect x="41" y="0" width="18" height="10" rx="2" fill="#2d3436"/>
        <path d="M43 10 h14 v12 q18 8 18 26 v46 q0 6 -6 6 h-38 q-6 0 -6 -6 v-46 q0 -18 18 -26 z" fill="${color}"/>
        <rect x="25" y="50" width="50" height="26" fill="#f5f0e6"/>
        <path d="M43 10 h14 v12 q18 8 18 26 v46 q0 6 -6 6 h-38 q-6 0 -6 -6 v-46 q0 -18 18 -26 z" fill="url(#shade)"/>`;
    case 'sneaker':
      return `<defs>${shade}</defs>
        <path d="M4 62 q0 -8 8 -10 l22 -6 q8 -14 20 -18 q10 -2 14 8 l10 14 q18 4 20 14 v8 h-94 z" fill="${color}"/>
        <path d="M4 62 q0 -8 8 -10 l22 -6 q8 -14 20 -18 q10 -2 14 8 l10 14 q18 4 20 14 v8 h-94 z" fill="url(#shade)"/>
        <rect x="2" y="70" width="96" height="10" rx="4" fill="#5b4636"/>
        <path d="M40 44 l16 -4 M44 50 l16 -4 M48 56 l16 -4" stroke="#fff" stroke-width="2.5" stroke-linecap="round"/>`;
    case 'box':
      return `<defs>${shade}</defs>
        <path d="M10 30 l40 -16 l40 16 v52 l-40 16 l-40 -16 z" fill="${color}"/>
        <path d="M10 30 l40 -16 l40 16 l-40 16 z" fill="#fff" fill-opacity="0.28"/>
        <path d="M50 46 v52 l40 -16 v-52 z" fill="#000" fill-opacity="0.16"/>`;
  }
}

/** Shares of the photo the product fills, by shape (bottles are tall, sneakers wide). */
const EXTENT: Record<ProductShape, { width: number; height: number }> = {
  mug: { width: 0.46, height: 0.5 },
  bottle: { width: 0.3, height: 0.62 },
  sneaker: { width: 0.64, height: 0.42 },
  box: { width: 0.44, height: 0.52 },
};

/** Where each shape's visible pixels are inside its 100 × 100 viewBox. */
const INK: Record<ProductShape, { left: number; top: number; right: number; bottom: number }> = {
  mug: { left: 14, top: 12, right: 98, bottom: 98 },
  bottle: { left: 25, top: 0, right: 75, bottom: 96 },
  sneaker: { left: 2, top: 26, right: 98, bottom: 80 },
  box: { left: 10, top: 14, right: 90, bottom: 98 },
};

export async function productPhoto(options: PhotoOptions): Promise<SamplePhoto> {
  const { shape, width, height } = options;
  const color = options.color ?? '#c0392b';
  const background = options.background ?? '#e9e6e1';
  const extent = EXTENT[shape];
  const ink = INK[shape];
  const inkWidth = ink.right - ink.left;
  const inkHeight = ink.bottom - ink.top;
  // The drawing is scaled uniformly to fill its share of the photo, centred a little below the middle.
  const scale = Math.min((width * extent.width) / inkWidth, (height * extent.height) / inkHeight);
  const originX = width / 2 - (ink.left + inkWidth / 2) * scale;
  const originY = height * 0.54 - (ink.top + inkHeight / 2) * scale;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
    <rect width="${width}" height="${height}" fill="${background}"/>
    <g transform="translate(${originX} ${originY}) scale(${scale})">${drawing(shape, color)}</g></svg>`;
  const format = options.format ?? 'png';
  let image = sharp(Buffer.from(svg)).flatten({ background });
  image =
    format === 'jpeg'
      ? image.jpeg({ quality: 92, chromaSubsampling: '4:4:4' })
      : format === 'webp'
        ? image.webp({ quality: 92 })
        : image.png({ compressionLevel: 6 });
  const left = Math.floor(originX + ink.left * scale);
  const top = Math.floor(originY + ink.top * scale);
  return {
    bytes: await image.toBuffer(),
    mimeType: format === 'jpeg' ? 'image/jpeg' : format === 'webp' ? 'image/webp' : 'image/png',
    width,
    height,
    background: hexToRgb(background),
    product: { left, top, width: Math.ceil(originX + ink.right * scale) - left, height: Math.ceil(originY + ink.bottom * scale) - top },
  };
}
