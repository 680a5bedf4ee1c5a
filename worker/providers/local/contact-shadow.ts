import { blurMask, resizeMask, type Mask } from './raster.ts';

/** Share of the silhouette's height, from its base, that casts the contact shadow (the footprint). */
const FOOTPRINT = 0.3;
/** Thickness of the shadow band, as a share of the product's height. */
const BAND = 0.06;

/**
 * A soft contact shadow from a product's alpha: the lower part of its silhouette squashed into a thin band
 * centred on its base line, blurred by `softness` × its width. Returned with its offset from the product's
 * top-left corner, to be darkened onto the canvas before the product is drawn.
 */
export async function contactShadow(silhouette: Mask, softness: number): Promise<{ mask: Mask; left: number; top: number }> {
  const { width, height } = silhouette;
  const footprintRows = Math.max(1, Math.round(height * FOOTPRINT));
  const footprint: Mask = {
    data: silhouette.data.subarray((height - footprintRows) * width),
    width,
    height: footprintRows,
  };
  const bandHeight = Math.max(2, Math.round(height * BAND));
  const band = await resizeMask(footprint, width, bandHeight);
  const sigma = Math.max(0.3, softness * width);
  const pad = Math.ceil(sigma * 3);
  const padded: Mask = { data: new Uint8Array((width + 2 * pad) * (bandHeight + 2 * pad)), width: width + 2 * pad, height: bandHeight + 2 * pad };
  for (let y = 0; y < bandHeight; y += 1) padded.data.set(band.data.subarray(y * width, (y + 1) * width), (y + pad) * padded.width + pad);
  const mask = await blurMask(padded, sigma);
  return { mask, left: -pad, top: height - Math.round(bandHeight / 2) - pad };
}
