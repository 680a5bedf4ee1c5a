import { IMAGE_PARAM_DEFAULTS, type ImageParams } from '../../../lib/images/image-params.ts';
import type { ImageInput, ImageOutput } from '../image-provider.ts';
import { alphaOf, contactShadow } from './contact-shadow.ts';
import { decodeRgba, inspectInput } from './decode.ts';
import { encodeRaster } from './encode.ts';
import { squareSide } from './limits.ts';
import { cutOut, requireProduct } from './matte.ts';
import type { ModeContext } from './mode-context.ts';
import { cutOutRgba, darken, drawOver, resizeRaster, rgbCanvas } from './raster.ts';

/** Room below the product for its shadow, as a share of the product's height. */
const SHADOW_ROOM = 0.12;

/**
 * shadow: the product is cut out (as background-removal does), centred on a white square with `margin`,
 * and a soft contact shadow is drawn under it from its own silhouette (contact-shadow.ts): `opacity` is its
 * darkest point, `softness` its blur as a share of the product's width. A grounding shadow, not a cast
 * shadow from a light direction.
 */
export async function shadow(input: ImageInput, params: ImageParams<'shadow'>, { limits, check }: ModeContext): Promise<ImageOutput> {
  await inspectInput(input, limits);
  check();
  const image = await decodeRgba(input, limits);
  check();
  const tolerance = params.tolerance ?? IMAGE_PARAM_DEFAULTS.tolerance;
  const cut = await cutOut(image, { tolerance, feather: 0.6 });
  const box = requireProduct(cut, tolerance);
  check();
  const margin = params.margin ?? IMAGE_PARAM_DEFAULTS.shadowMargin;
  const groupHeight = Math.ceil(box.height * (1 + SHADOW_ROOM));
  const natural = Math.ceil(Math.max(box.width, groupHeight) / (1 - 2 * margin));
  const side = squareSide(natural, params.size, limits);
  const scale = side / natural;
  const product = await resizeRaster(cutOutRgba(image, cut.matte, box), Math.max(1, Math.round(box.width * scale)), Math.max(1, Math.round(box.height * scale)));
  check();
  const left = Math.floor((side - product.width) / 2);
  const top = Math.floor((side - Math.round(groupHeight * scale)) / 2);
  const opacity = params.opacity ?? IMAGE_PARAM_DEFAULTS.opacity;
  const softness = params.softness ?? IMAGE_PARAM_DEFAULTS.softness;
  const contact = await contactShadow(alphaOf(product), softness);
  const canvas = rgbCanvas(side, side);
  darken(canvas, contact.mask, left + contact.left, top + contact.top, opacity);
  drawOver(canvas, product, left, top);
  const encoded = await encodeRaster(canvas, params.format ?? 'jpeg');
  return { ...encoded, metadata: { background: cut.background, productBox: box, margin, opacity, softness, scale: Number(scale.toFixed(4)) } };
}
