import { PermanentError } from '../provider.ts';

/** What the local provider accepts and makes (LOCAL_MAX_INPUT_PIXELS, LOCAL_MAX_OUTPUT_PIXELS). */
export interface LocalLimits {
  maxInputPixels: number;
  maxOutputPixels: number;
}

/** The assets table's limit on a side (assets_dimensions_check). */
export const MAX_OUTPUT_SIDE = 20_000;

const megapixels = (pixels: number) => `${(pixels / 1e6).toFixed(1)} MP`;

/**
 * The side of a square output: `requested` (the size param) or `natural` (what the product needs at its own
 * pixel size), shrunk to fit the output limits. The caller scales the product by side / natural.
 */
export function squareSide(natural: number, requested: number | undefined, limits: LocalLimits): number {
  const wanted = requested ?? natural;
  return Math.max(1, Math.min(wanted, Math.floor(Math.sqrt(limits.maxOutputPixels)), MAX_OUTPUT_SIDE));
}

export function refuseLargeOutput(width: number, height: number, limits: LocalLimits, advice: string): void {
  if (width * height > limits.maxOutputPixels || width > MAX_OUTPUT_SIDE || height > MAX_OUTPUT_SIDE) {
    throw new PermanentError(
      `the output would be ${width}×${height} (${megapixels(width * height)}); the local provider makes at most ` +
        `${megapixels(limits.maxOutputPixels)} and ${MAX_OUTPUT_SIDE} pixels a side (LOCAL_MAX_OUTPUT_PIXELS): ${advice}`,
    );
  }
}

export { megapixels };
