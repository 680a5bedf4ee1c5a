import { IMAGE_PARAM_DEFAULTS, type ImageParams } from '../../../lib/images/image-params.ts';
import type { ImageInput, ImageOutput } from '../image-provider.ts';
import { contactShadow } from './contact-shadow.ts';
import { encodeRaster } from './encode.ts';
import type { ModeContext } from './mode-context.ts';
import { findProduct, productOnSquare } from './product.ts';
import { alphaOf, darken, drawOver } from './raster.ts';
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
export async function lifestyle(input: ImageInput, params: ImageParams<'lifestyle'>, context: ModeContext): Promise<ImageOutput> {
  const found = await findProduct(input, { tolerance: params.tolerance, feather: 0.6, backdrop: 'required' }, context);
  const natural = Math.ceil(Math.max(found.box.height / PRODUCT_HEIGHT, found.box.width / PRODUCT_MAX_WIDTH));
  const { product, side, scale } = await productOnSquare(found, natural, params.size, context);
  const scene = params.scene ?? IMAGE_PARAM_DEFAULTS.scene;
  const canvas = paintScene(side, side, scene);
  context.check();
  const left = Math.floor((side - product.width) / 2);
  const top = Math.round(side * BASE_LINE) - product.height;
  const contact = await contactShadow(alphaOf(product), 0.035);
  darken(canvas, contact.mask, left + contact.left, top + contact.top, 0.55);
  drawOver(canvas, product, left, top);
  const encoded = await encodeRaster(canvas, params.format ?? 'jpeg');
  return { ...encoded, metadata: { background: found.cut.background, productBox: found.box, scene, horizon: HORIZON, scale: Number(scale.toFixed(4)) } };
}
