import { IMAGE_PARAM_DEFAULTS, type ImageParams } from '../../../lib/images/image-params.ts';
import type { ImageInput, ImageOutput } from '../image-provider.ts';
import { encodeRaster } from './encode.ts';
import type { ModeContext } from './mode-context.ts';
import { findProduct, productOnSquare } from './product.ts';
import { drawOver, rgbCanvas } from './raster.ts';

/**
 * studio-white: the backdrop (everything connected to the border within the tolerance) becomes white, the
 * product is trimmed to its bounding box and centred on a white square with `margin` on each side; alpha
 * is flattened. Without `size` the product keeps its pixel size (no resampling). When the border is not
 * one colour, nothing is trimmed: the whole photo is centred on the white square.
 */
export async function studioWhite(input: ImageInput, params: ImageParams<'studio-white'>, context: ModeContext): Promise<ImageOutput> {
  const found = await findProduct(input, { tolerance: params.tolerance, feather: 0.6, backdrop: 'optional' }, context);
  const margin = params.margin ?? IMAGE_PARAM_DEFAULTS.margin;
  const natural = Math.ceil(Math.max(found.box.width, found.box.height) / (1 - 2 * margin));
  const { product, side, scale } = await productOnSquare(found, natural, params.size, context);
  const canvas = rgbCanvas(side, side);
  drawOver(canvas, product, Math.floor((side - product.width) / 2), Math.floor((side - product.height) / 2));
  const encoded = await encodeRaster(canvas, params.format ?? 'jpeg');
  return {
    ...encoded,
    metadata: { background: found.cut.background, backgroundShare: Number(found.cut.backgroundShare.toFixed(4)), productBox: found.box, margin, scale: Number(scale.toFixed(4)) },
  };
}
