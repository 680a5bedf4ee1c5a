import { IMAGE_PARAM_DEFAULTS, type ImageParams } from '../../../lib/images/image-params.ts';
import type { ImageInput, ImageOutput } from '../image-provider.ts';
import { PermanentError } from '../provider.ts';
import { decodeRgba, inspectInput } from './decode.ts';
import { encodeRaster } from './encode.ts';
import { squareSide } from './limits.ts';
import { cutOut } from './matte.ts';
import { cutOutRgba, drawOver, resizeRaster, rgbCanvas } from './raster.ts';
import type { ModeContext } from './mode-context.ts';

/**
 * studio-white: the backdrop (everything connected to the border within the tolerance) becomes white, the
 * product is trimmed to its bounding box and centred on a white square with `margin` on each side; alpha
 * is flattened. Without `size` the product keeps its pixel size (no resampling). When the border is not
 * one colour, nothing is trimmed: the whole photo is centred on the white square.
 */
export async function studioWhite(input: ImageInput, params: ImageParams<'studio-white'>, { limits, check }: ModeContext): Promise<ImageOutput> {
  await inspectInput(input, limits);
  check();
  const image = await decodeRgba(input, limits);
  check();
  const tolerance = params.tolerance ?? IMAGE_PARAM_DEFAULTS.tolerance;
  const cut = await cutOut(image, { tolerance, feather: 0.6 });
  if (!cut.box) throw new PermanentError(`no product found: the whole photo is within tolerance ${tolerance} of its border colour`);
  check();
  const margin = params.margin ?? IMAGE_PARAM_DEFAULTS.margin;
  const natural = Math.ceil(Math.max(cut.box.width, cut.box.height) / (1 - 2 * margin));
  const side = squareSide(natural, params.size, limits);
  const scale = side / natural;
  const product = await resizeRaster(
    cutOutRgba(image, cut.matte, cut.box),
    Math.max(1, Math.round(cut.box.width * scale)),
    Math.max(1, Math.round(cut.box.height * scale)),
  );
  check();
  const canvas = rgbCanvas(side, side);
  drawOver(canvas, product, Math.floor((side - product.width) / 2), Math.floor((side - product.height) / 2));
  const encoded = await encodeRaster(canvas, params.format ?? 'jpeg');
  return {
    ...encoded,
    metadata: { background: cut.background, backgroundShare: Number(cut.backgroundShare.toFixed(4)), productBox: cut.box, margin, scale: Number(scale.toFixed(4)) },
  };
}
