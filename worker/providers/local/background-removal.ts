import { IMAGE_PARAM_DEFAULTS, type ImageParams } from '../../../lib/images/image-params.ts';
import type { ImageInput, ImageOutput } from '../image-provider.ts';
import { encodeRaster } from './encode.ts';
import type { ModeContext } from './mode-context.ts';
import { findProduct } from './product.ts';

/**
 * background-removal, for plain backgrounds: the backdrop colour is estimated from the border, a matte is
 * flooded from the edges over pixels within `tolerance` of it, feathered by `feather` pixels, and becomes
 * the alpha channel of a PNG (or WebP) of the same size. The product's pixels are kept as they are. It is
 * not a segmentation model: see matte.ts for what it cannot separate.
 */
export async function backgroundRemoval(input: ImageInput, params: ImageParams<'background-removal'>, context: ModeContext): Promise<ImageOutput> {
  const feather = params.feather ?? IMAGE_PARAM_DEFAULTS.feather;
  const { image, cut, box, tolerance } = await findProduct(input, { tolerance: params.tolerance, feather, backdrop: 'required' }, context);
  const data = image.data;
  for (let p = 0; p < cut.matte.data.length; p += 1) {
    const alpha = Math.min(data[p * 4 + 3], cut.matte.data[p]);
    data[p * 4 + 3] = alpha;
    // Invisible pixels carry no colour: zeros compress better and leak nothing of the old backdrop.
    if (alpha === 0) data[p * 4] = data[p * 4 + 1] = data[p * 4 + 2] = 0;
  }
  const encoded = await encodeRaster(image, params.format ?? 'png');
  return {
    ...encoded,
    metadata: { background: cut.background, backgroundShare: Number(cut.backgroundShare.toFixed(4)), productBox: box, tolerance, feather },
  };
}
