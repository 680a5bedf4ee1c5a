import { IMAGE_PARAM_DEFAULTS, type ImageParams } from '../../../lib/images/image-params.ts';
import type { ImageInput, ImageOutput } from '../image-provider.ts';
import { contactShadow } from './contact-shadow.ts';
import { encodeRaster } from './encode.ts';
import type { ModeContext } from './mode-context.ts';
import { findProduct, productOnSquare } from './product.ts';
import { alphaOf, darken, drawOver, rgbCanvas } from './raster.ts';

/** Room below the product for its shadow, as a share of the product's height. */
const SHADOW_ROOM = 0.12;

/**
 * shadow: the product is cut out (as background-removal does), centred on a white square with `margin`,
 * and a soft contact shadow is drawn under it from its own silhouette (contact-shadow.ts): `opacity` is its
 * darkest point, `softness` its blur as a share of the product's width. A grounding shadow, not a cast
 * shadow from a light direction.
 */
export async function shadow(input: ImageInput, params: ImageParams<'shadow'>, context: ModeContext): Promise<ImageOutput> {
  const found = await findProduct(input, { tolerance: params.tolerance, feather: 0.6, backdrop: 'required' }, context);
  const margin = params.margin ?? IMAGE_PARAM_DEFAULTS.shadowMargin;
  const groupHeight = Math.ceil(found.box.height * (1 + SHADOW_ROOM));
  const natural = Math.ceil(Math.max(found.box.width, groupHeight) / (1 - 2 * margin));
  const { product, side, scale } = await productOnSquare(found, natural, params.size, context);
  const left = Math.floor((side - product.width) / 2);
  const top = Math.floor((side - Math.round(groupHeight * scale)) / 2);
  const opacity = params.opacity ?? IMAGE_PARAM_DEFAULTS.opacity;
  const softness = params.softness ?? IMAGE_PARAM_DEFAULTS.softness;
  const contact = await contactShadow(alphaOf(product), softness);
  const canvas = rgbCanvas(side, side);
  darken(canvas, contact.mask, left + contact.left, top + contact.top, opacity);
  drawOver(canvas, product, left, top);
  const encoded = await encodeRaster(canvas, params.format ?? 'jpeg');
  return { ...encoded, metadata: { background: found.cut.background, productBox: found.box, margin, opacity, softness, scale: Number(scale.toFixed(4)) } };
}
