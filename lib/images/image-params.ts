import { z } from 'zod';

/**
 * The options of the image modes, shared by the worker's providers (which parse them before running) and
 * the dashboard's form (which builds them). The database mirrors these rules for `local` and `http` jobs
 * (public.image_params_problem(), SQLSTATE PI001), so a job with options a provider cannot honour is
 * refused when it is created, not when it runs.
 */

export const IMAGE_MODES = ['studio-white', 'upscale', 'background-removal', 'shadow', 'lifestyle'] as const;
export type ImageMode = (typeof IMAGE_MODES)[number];

/** Providers that turn an input photo into an output image: their jobs need an input asset with a file (PI002). */
export const IMAGE_PROVIDERS = ['local', 'http'] as const;
export type ImageProviderName = (typeof IMAGE_PROVIDERS)[number];

export const OUTPUT_FORMATS = ['jpeg', 'png', 'webp'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** Formats that keep transparency. */
export const ALPHA_FORMATS = ['png', 'webp'] as const;

export const LIFESTYLE_SCENES = ['warm', 'cool', 'neutral'] as const;
export type LifestyleScene = (typeof LIFESTYLE_SCENES)[number];

export function isImageMode(mode: string): mode is ImageMode {
  return (IMAGE_MODES as readonly string[]).includes(mode);
}

export function isImageProvider(provider: string): provider is ImageProviderName {
  return (IMAGE_PROVIDERS as readonly string[]).includes(provider);
}

const number = (name: string, min: number, max: number) =>
  z
    .number({ message: `${name} must be a number` })
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);
const integer = (name: string, min: number, max: number) => number(name, min, max).int(`${name} must be a whole number`);

/** Colour distance (per channel, 0-255) within which a pixel counts as background. */
const tolerance = integer('tolerance', 0, 128);
/** Empty space around the product, as a fraction of the canvas side. */
const margin = number('margin', 0, 0.4);
/** Side of the square output in pixels (the product is resized to fit); without it, the product keeps its pixels. */
const size = integer('size', 64, 4096);
const format = z.enum(OUTPUT_FORMATS, { message: `format must be one of ${OUTPUT_FORMATS.join(', ')}` });

export const imageParamsSchemas = {
  'studio-white': z.object({ margin: margin.optional(), size: size.optional(), format: format.optional(), tolerance: tolerance.optional() }).strict(),
  upscale: z
    .object({
      scale: z.union([z.literal(2), z.literal(4)], { message: 'scale must be 2 or 4' }).optional(),
      sharpen: z.boolean({ message: 'sharpen must be true or false' }).optional(),
      format: format.optional(),
    })
    .strict(),
  'background-removal': z
    .object({
      tolerance: tolerance.optional(),
      feather: number('feather', 0, 20).optional(),
      format: z.enum(ALPHA_FORMATS, { message: 'format must be png or webp (formats with transparency)' }).optional(),
    })
    .strict(),
  shadow: z
    .object({
      opacity: number('opacity', 0, 1).optional(),
      softness: number('softness', 0.005, 0.2).optional(),
      margin: margin.optional(),
      size: size.optional(),
      format: format.optional(),
      tolerance: tolerance.optional(),
    })
    .strict(),
  lifestyle: z
    .object({
      scene: z.enum(LIFESTYLE_SCENES, { message: `scene must be one of ${LIFESTYLE_SCENES.join(', ')}` }).optional(),
      size: size.optional(),
      format: format.optional(),
      tolerance: tolerance.optional(),
    })
    .strict(),
} as const satisfies Record<ImageMode, z.ZodType>;

export type ImageParams<M extends ImageMode = ImageMode> = z.infer<(typeof imageParamsSchemas)[M]>;

/** What an option means when it is left out (the local provider's behaviour; documented in docs/WORKER.md). */
export const IMAGE_PARAM_DEFAULTS = {
  tolerance: 24,
  margin: 0.08,
  feather: 1.5,
  scale: 2,
  sharpen: true,
  opacity: 0.5,
  softness: 0.03,
  shadowMargin: 0.12,
  scene: 'warm',
} as const;

export type ParsedImageParams = { [M in ImageMode]: { mode: M; params: ImageParams<M> } }[ImageMode];

/**
 * A mode's options checked against its schema; the error lists every problem ("scale: scale must be 2 or 4").
 * Modes that are not image modes have no schema here: they parse to an error.
 */
export function parseImageParams(mode: string, params: unknown): { ok: true; value: ParsedImageParams } | { ok: false; error: string } {
  if (!isImageMode(mode)) return { ok: false, error: `${mode} is not an image mode (${IMAGE_MODES.join(', ')})` };
  const parsed = imageParamsSchemas[mode].safeParse(params ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      error: parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; '),
    };
  }
  return { ok: true, value: { mode, params: parsed.data } as ParsedImageParams };
}
