import { IMAGE_PARAM_DEFAULTS, type ImageParams, type OutputFormat } from '../../../lib/images/image-params.ts';
import type { ImageMimeType } from '../../../lib/images/image-info.ts';
import type { ImageInput, ImageOutput } from '../image-provider.ts';
import { inspectInput, openInput } from './decode.ts';
import { encodeAs, MIME_TYPES } from './encode.ts';
import { refuseLargeOutput } from './limits.ts';
import type { ModeContext } from './mode-context.ts';

const FORMAT_OF: Record<ImageMimeType, OutputFormat> = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' };

/**
 * upscale: 2× or 4× with Lanczos-3 resampling and, unless `sharpen: false`, a mild unsharp mask. It makes
 * edges crisper; it cannot invent detail the photo does not have (that takes a trained model: the http
 * provider). Refuses outputs beyond LOCAL_MAX_OUTPUT_PIXELS before doing any work. The format is the
 * input's unless `format` says otherwise; alpha is kept (JPEG flattens it onto white).
 */
export async function upscale(input: ImageInput, params: ImageParams<'upscale'>, { limits, check }: ModeContext): Promise<ImageOutput> {
  const { width, height } = await inspectInput(input, limits);
  const scale = params.scale ?? IMAGE_PARAM_DEFAULTS.scale;
  refuseLargeOutput(width * scale, height * scale, limits, scale === 4 ? 'try scale 2, or a smaller photo' : 'use a smaller photo');
  check();
  const sharpen = params.sharpen ?? IMAGE_PARAM_DEFAULTS.sharpen;
  let pipeline = openInput(input, limits).toColourspace('srgb').resize(width * scale, height * scale, { kernel: 'lanczos3', fit: 'fill' });
  if (sharpen) pipeline = pipeline.sharpen({ sigma: scale === 4 ? 1 : 0.6, m1: 0.5, m2: 1 });
  const format = params.format ?? FORMAT_OF[input.info.mimeType];
  const { data, info } = await encodeAs(pipeline, format).toBuffer({ resolveWithObject: true });
  return { bytes: data, mimeType: MIME_TYPES[format], width: info.width, height: info.height, metadata: { scale, sharpen, kernel: 'lanczos3' } };
}
