import { PermanentError } from '../provider.ts';
import { alphaOf, blurMask, type Box, type Mask, type Raster } from './raster.ts';

/**
 * Separating a product from a plain background, the way a packshot studio's backdrop allows: the background
 * colour is estimated from the image's border, and everything connected to the border within a colour
 * tolerance is background (a flood fill from the edges). What it cannot do: busy or textured backgrounds,
 * backgrounds that do not reach the edges, shadows much darker than the backdrop (they stay with the
 * product), and background enclosed by the product (the hole of a mug's handle stays filled).
 */

export type Rgb = [number, number, number];

export interface CutOut {
  /** 255 = product, 0 = background; feathered at the edge. */
  matte: Mask;
  /** The product's bounding box (matte ≥ 128, before feathering); null when no product was found. */
  box: Box | null;
  /** The backdrop colour estimated from the border (null when the input's own transparency was the matte). */
  background: Rgb | null;
  /** Share of the pixels that are background. */
  backgroundShare: number;
}

/** Width of the border band the background is estimated from: 1% of the short side, at least 1 pixel. */
const bandOf = (image: Raster) => Math.max(1, Math.round(Math.min(image.width, image.height) * 0.01));

function median(histogram: Uint32Array, count: number): number {
  let seen = 0;
  for (let value = 0; value < 256; value += 1) {
    seen += histogram[value];
    if (seen * 2 >= count) return value;
  }
  return 255;
}

/** The per-channel median colour of the border band, and the share of it that is transparent. */
export function borderBackground(image: Raster): { color: Rgb; transparentShare: number } {
  const band = bandOf(image);
  const histograms = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  let count = 0;
  let transparent = 0;
  const visit = (x: number, y: number) => {
    const i = (y * image.width + x) * 4;
    if (image.data[i + 3] < 128) transparent += 1;
    for (let c = 0; c < 3; c += 1) histograms[c][image.data[i + c]] += 1;
    count += 1;
  };
  for (let y = 0; y < image.height; y += 1) {
    if (y < band || y >= image.height - band) {
      for (let x = 0; x < image.width; x += 1) visit(x, y);
    } else {
      for (let x = 0; x < Math.min(band, image.width); x += 1) visit(x, y);
      for (let x = Math.max(band, image.width - band); x < image.width; x += 1) visit(x, y);
    }
  }
  return { color: [median(histograms[0], count), median(histograms[1], count), median(histograms[2], count)], transparentShare: transparent / count };
}

/**
 * Background = pixels reachable from the border through pixels within `tolerance` (per channel) of the
 * background colour, or transparent. A breadth-first flood over a typed-array queue: linear in the pixels,
 * and the same input always gives the same matte.
 */
export function floodMatte(image: Raster, background: Rgb, tolerance: number): Mask {
  const { width, height, data } = image;
  const pixels = width * height;
  const matte = new Uint8Array(pixels).fill(255);
  const queue = new Int32Array(pixels);
  let head = 0;
  let tail = 0;
  const [r, g, b] = background;
  const isBackground = (p: number) => {
    const i = p * 4;
    return (
      data[i + 3] < 128 ||
      (Math.abs(data[i] - r) <= tolerance && Math.abs(data[i + 1] - g) <= tolerance && Math.abs(data[i + 2] - b) <= tolerance)
    );
  };
  const seed = (p: number) => {
    if (matte[p] !== 0 && isBackground(p)) {
      matte[p] = 0;
      queue[tail++] = p;
    }
  };
  for (let x = 0; x < width; x += 1) {
    seed(x);
    seed((height - 1) * width + x);
  }
  for (let y = 0; y < height; y += 1) {
    seed(y * width);
    seed(y * width + width - 1);
  }
  while (head < tail) {
    const p = queue[head++];
    const x = p % width;
    if (x > 0) seed(p - 1);
    if (x < width - 1) seed(p + 1);
    if (p >= width) seed(p - width);
    if (p < pixels - width) seed(p + width);
  }
  return { data: matte, width, height };
}

/** The box of the pixels at or above `threshold`, or null when there are none. */
export function boundingBox(mask: Mask, threshold = 128): Box | null {
  let left = mask.width;
  let right = -1;
  let top = mask.height;
  let bottom = -1;
  for (let y = 0; y < mask.height; y += 1) {
    const row = y * mask.width;
    for (let x = 0; x < mask.width; x += 1) {
      if (mask.data[row + x] >= threshold) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        bottom = y;
      }
    }
  }
  return right < 0 ? null : { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * The product's matte: the input's own transparency when its border is mostly transparent (an image that
 * was cut out already), else a flood from the edges over the estimated backdrop colour; feathered by a
 * Gaussian of `feather` pixels.
 */
export async function cutOut(image: Raster, options: { tolerance: number; feather: number }): Promise<CutOut> {
  const { color, transparentShare } = borderBackground(image);
  let matte: Mask;
  let background: Rgb | null = color;
  if (transparentShare > 0.5) {
    matte = alphaOf(image);
    background = null;
  } else {
    matte = floodMatte(image, color, options.tolerance);
  }
  const box = boundingBox(matte);
  let backgroundPixels = 0;
  for (let p = 0; p < matte.data.length; p += 1) if (matte.data[p] < 128) backgroundPixels += 1;
  return { matte: await blurMask(matte, options.feather), box, background, backgroundShare: backgroundPixels / matte.data.length };
}

/** For modes that need a product on a removable background: refuse what would give a meaningless cut-out. */
export function requireProduct(cut: CutOut, tolerance: number): Box {
  if (!cut.box || cut.backgroundShare > 0.999) {
    throw new PermanentError(
      `no product found: everything within tolerance ${tolerance} of the background colour touches the edges (lower the tolerance, or use a photo with more contrast)`,
    );
  }
  if (cut.backgroundShare < 0.005) {
    throw new PermanentError(
      'no plain background found around the product: the border is not one colour within the tolerance (these modes need a product on a plain backdrop that reaches the edges; try a higher tolerance)',
    );
  }
  return cut.box;
}
