import { IMAGE_PARAM_DEFAULTS, type ImageParams } from '../../../lib/images/image-params.ts';
import type { ImageInput, ImageOutput } from '../image-provider.ts';
import { alphaOf, contactShadow } from './contact-shadow.ts';
import { decodeRgba, inspectInput } from './decode.ts';
import { encodeRaster } from './encode.ts';
import { squareSide } from './limits.ts';
import { cutOut, requireProduct } from './matte.ts';
import type { ModeContext } from './mode-context.ts';
import { cutOutRgba, darken, drawOver, resizeRaster } from './raster.ts';
import { HORIZON, paintScene } from './scene.ts';

/** The product's height, and its widest allowed width, as shares of the scene's side. */
const PRODUCT_HEIGHT = 0.55;
const PRODUCT_MAX_WIDTH = 0.7;
/** Where the product's base stands on the floor, as a share of the scene's height. */
const BASE_LINE = 0.84;

/**
 * lifestyle: the cut-out product standing on the floor of a generated set (scene.ts: `warm`, `cool` or
 * `neutral` wall and floor gradients with a light pool), grounded by a contact shadow. A composite on a
 * painted backdrop, not a photographed or AI-generated room: for that, use the http provider.
 */
export async function lifestyle(input: ImageInput, params: ImageParams<'lifestyle'>, { limits, check }: ModeContext): Promise<ImageOutput> {
  await inspectInput(input, limits);
  check();
  const image = await decodeRgba(input, limits);
  check();
  const tolerance = params.tolerance ?? IMAGE_PARAM_DEFAULTS.tolerance;
  const cut = await cutOut(image, { tolerance, feather: 0.6 });
  const box = requireProduct(cut, tolerance);
  check();
  const natural = Math.ceil(Math.max(box.height / PRODUCT_HEIGHT, box.width / PRODUCT_MAX_WIDTH));
  const side = squareSide(natural, params.size, limits);
  const scale = side / natural;
  const product = await resizeRaster(cutOutRgba(image, cut.matte, box), Math.max(1, Math.round(box.width * scale)), Math.max(1, Math.round(box.height * scale)));
  check();
  const scene = params.scene ?? IMAGE_PARAM_DEFAULTS.scene;
  const canvas = paintScene(side, side, scene);
  check();
  const left = Math.floor((side - product.width) / 2);
  const top = Math.round(side * BASE_LINE) - product.height;
  const contact = await contactShadow(alphaOf(product), 0.035);
  darken(canvas, contact.mask, left + contact.left, top + contact.top, 0.55);
  drawOver(canvas, product, left, top);
  const encoded = await encodeRaster(canvas, params.format ?? 'jpeg');
  return { ...encoded, metadata: { background: cut.background, productBox: box, scene, horizon: HORIZON, scale: Number(scale.toFixed(4)) } };
}
