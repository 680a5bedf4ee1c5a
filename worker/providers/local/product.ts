import { IMAGE_PARAM_DEFAULTS } from '../../../lib/images/image-params.ts';
import type { ImageInput } from '../image-provider.ts';
import { PermanentError } from '../provider.ts';
import { decodeRgba, inspectInput } from './decode.ts';
import { squareSide } from './limits.ts';
import { cutOut, requireProduct, type CutOut } from './matte.ts';
import type { ModeContext } from './mode-context.ts';
import { cutOutRgba, resizeRaster, type Box, type Raster } from './raster.ts';

export interface Product {
  image: Raster;
  cut: CutOut;
  /** The product's bounding box in the input. */
  box: Box;
  tolerance: number;
}

/**
 * The stages every cut-out mode starts with: refuse unusable inputs, decode, separate the product from the
 * backdrop. `backdrop: 'required'` refuses a photo without a plain backdrop (a cut-out would be the whole
 * frame); `'optional'` keeps the whole photo as the product then (studio-white centres it as it is).
 */
export async function findProduct(
  input: ImageInput,
  options: { tolerance?: number; feather: number; backdrop: 'required' | 'optional' },
  { limits, check }: ModeContext,
): Promise<Product> {
  await inspectInput(input, limits);
  check();
  const image = await decodeRgba(input, limits);
  check();
  const tolerance = options.tolerance ?? IMAGE_PARAM_DEFAULTS.tolerance;
  const cut = await cutOut(image, { tolerance, feather: options.feather });
  check();
  if (options.backdrop === 'required') return { image, cut, box: requireProduct(cut, tolerance), tolerance };
  if (!cut.box) throw new PermanentError(`no product found: the whole photo is within tolerance ${tolerance} of its border colour`);
  return { image, cut, box: cut.box, tolerance };
}

/**
 * The cut-out product (RGBA, its matte as alpha) for a square canvas whose side the product needs at its own
 * pixel size is `natural`: the canvas side (the `size` param, or `natural`, within the output limits) and the
 * product resized by the same factor.
 */
export async function productOnSquare(
  { image, cut, box }: Product,
  natural: number,
  size: number | undefined,
  { limits, check }: ModeContext,
): Promise<{ product: Raster; side: number; scale: number }> {
  const side = squareSide(natural, size, limits);
  const scale = side / natural;
  const product = await resizeRaster(cutOutRgba(image, cut.matte, box), Math.max(1, Math.round(box.width * scale)), Math.max(1, Math.round(box.height * scale)));
  check();
  return { product, side, scale };
}
