import pino from 'pino';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { readImageInfo } from '../../lib/images/image-info.ts';
import { IMAGE_MODES, parseImageParams, type ImageMode } from '../../lib/images/image-params.ts';
import { productPhoto, type SamplePhoto } from '../../scripts/sample-photos.ts';
import type { ImageOutput } from '../../worker/providers/image-provider.ts';
import { localImageProvider } from '../../worker/providers/local/index.ts';
import type { LocalLimits } from '../../worker/providers/local/limits.ts';
import { JobAbortedError, PermanentError, type ProviderJob } from '../../worker/providers/provider.ts';

// The local provider on real product photos (an object on a plain backdrop, drawn with sharp), checked by
// what its outputs are: size, alpha, corner colours, the product's own pixels, and byte-for-byte repeats.

const LIMITS: LocalLimits = { maxInputPixels: 4_000_000, maxOutputPixels: 4_000_000 };
const provider = localImageProvider(LIMITS);
const log = pino({ level: 'silent' });
const JOB = { id: 'job', userId: 'u', projectId: 'p', inputAssetId: 'a', provider: 'local', attempt: 1, maxAttempts: 3, costCents: 0, timeoutMs: 60_000 } as const;

async function run(bytes: Buffer, mode: ImageMode, params: Record<string, unknown> = {}, options: { signal?: AbortSignal; limits?: LocalLimits } = {}): Promise<ImageOutput> {
  const parsed = parseImageParams(mode, params);
  if (!parsed.ok) throw new Error(parsed.error);
  const info = readImageInfo(bytes);
  if (!info) throw new Error('test input is not an image');
  const job: ProviderJob = { ...JOB, mode, params };
  return (options.limits ? localImageProvider(options.limits) : provider).run({ bytes, info, name: 'photo.png', signedUrl: async () => 'unused' }, parsed.value, {
    job,
    signal: options.signal ?? new AbortController().signal,
    log,
    previousProviderJobId: null,
    recordProviderJobId: async () => true,
  });
}

interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

async function pixelsOf(bytes: Buffer): Promise<Pixels> {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

const at = (image: Pixels, x: number, y: number) => [...image.data.subarray((y * image.width + x) * image.channels, (y * image.width + x + 1) * image.channels)];
const corners = (image: Pixels) => [at(image, 1, 1), at(image, image.width - 2, 1), at(image, 1, image.height - 2), at(image, image.width - 2, image.height - 2)];

/** Mean absolute difference per channel (RGB) between two same-sized regions. */
function meanDifference(a: Pixels, ax: number, ay: number, b: Pixels, bx: number, by: number, width: number, height: number): number {
  let total = 0;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const p = at(a, ax + x, ay + y);
      const q = at(b, bx + x, by + y);
      for (let c = 0; c < 3; c += 1) total += Math.abs(p[c] - q[c]);
    }
  }
  return total / (width * height * 3);
}

/** The box of pixels that differ from `color` by more than `threshold` (an alpha channel counts as such a difference). */
function boxOfNot(image: Pixels, color: number[], threshold = 40) {
  let left = image.width;
  let right = -1;
  let top = image.height;
  let bottom = -1;
  for (let y = 0; y < image.height; y += 1) {
    for (let x = 0; x < image.width; x += 1) {
      const p = at(image, x, y);
      if (Math.max(...color.map((value, c) => Math.abs(p[c] - value))) > threshold) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = y;
      }
    }
  }
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

let mug: SamplePhoto;
let mugPixels: Pixels;
beforeAll(async () => {
  mug = await productPhoto({ shape: 'mug', width: 320, height: 240 });
  mugPixels = await pixelsOf(mug.bytes);
});

describe('local provider: each mode on a product photo', () => {
  it('studio-white: the product, trimmed, centred on a white square with the margin, alpha flattened, its pixels kept', async () => {
    const output = await run(mug.bytes, 'studio-white');
    expect(output).toMatchObject({ mimeType: 'image/jpeg' });
    const image = await pixelsOf(output.bytes);
    expect(image.channels).toBe(3);
    // The product as drawn: the pixels of the input that are not the backdrop.
    const source = boxOfNot(mugPixels, mug.background);
    const natural = Math.ceil(Math.max(source.width, source.height) / (1 - 2 * 0.08));
    expect(image.width).toBe(image.height);
    expect(Math.abs(image.width - natural)).toBeLessThanOrEqual(3);
    for (const corner of corners(image)) expect(Math.min(...corner)).toBeGreaterThanOrEqual(250);
    const box = boxOfNot(image, [255, 255, 255]);
    expect(Math.abs(box.width - source.width)).toBeLessThanOrEqual(3);
    expect(Math.abs(box.height - source.height)).toBeLessThanOrEqual(3);
    expect(Math.abs(box.left - (image.width - box.width) / 2)).toBeLessThanOrEqual(2);
    expect(Math.abs(box.top - (image.height - box.height) / 2)).toBeLessThanOrEqual(2);
    // Same pixel size: the product's interior matches the input's, within JPEG's error.
    const inset = 6;
    expect(meanDifference(image, box.left + inset, box.top + inset, mugPixels, source.left + inset, source.top + inset, box.width - 2 * inset, box.height - 2 * inset)).toBeLessThan(6);

    const sized = await run(mug.bytes, 'studio-white', { size: 128, format: 'png', margin: 0.2 });
    expect(sized).toMatchObject({ mimeType: 'image/png', width: 128, height: 128 });
    const small = await pixelsOf(sized.bytes);
    const smallBox = boxOfNot(small, [255, 255, 255]);
    expect(Math.max(smallBox.width, smallBox.height)).toBeLessThanOrEqual(Math.ceil(128 * 0.6) + 2);
  });

  it('upscale: 2× and 4× with Lanczos, the input\'s format, the picture unchanged at the original size', async () => {
    const twice = await run(mug.bytes, 'upscale');
    expect(twice).toMatchObject({ mimeType: 'image/png', width: 640, height: 480 });
    const four = await run(mug.bytes, 'upscale', { scale: 4, format: 'webp' });
    expect(four).toMatchObject({ mimeType: 'image/webp', width: 1280, height: 960 });
    const big = await pixelsOf(twice.bytes);
    for (const corner of corners(big)) expect(Math.max(...corner.map((v, c) => Math.abs(v - mug.background[c])))).toBeLessThanOrEqual(2);
    const back = await pixelsOf(await sharp(twice.bytes).resize(320, 240, { kernel: 'lanczos3' }).png().toBuffer());
    expect(meanDifference(back, 0, 0, mugPixels, 0, 0, 320, 240)).toBeLessThan(2);
    const soft = await run(mug.bytes, 'upscale', { sharpen: false });
    expect(soft.bytes.equals(twice.bytes)).toBe(false);
  });

  it('background-removal: same size, transparent backdrop, the product\'s pixels exactly as they were', async () => {
    const output = await run(mug.bytes, 'background-removal');
    expect(output).toMatchObject({ mimeType: 'image/png', width: 320, height: 240 });
    const image = await pixelsOf(output.bytes);
    expect(image.channels).toBe(4);
    for (const corner of corners(image)) expect(corner[3]).toBe(0);
    const { left, top, width, height } = mug.product;
    // The mug's body, well inside its outline: opaque and unchanged.
    let opaque = 0;
    for (let y = top + 8; y < top + height - 8; y += 3) {
      for (let x = left + 8; x < left + Math.round(width * 0.7); x += 3) {
        const p = at(image, x, y);
        const q = at(mugPixels, x, y);
        expect(p.slice(0, 3)).toEqual(q.slice(0, 3));
        expect(p[3]).toBe(255);
        opaque += 1;
      }
    }
    expect(opaque).toBeGreaterThan(100);
    expect((output.metadata as { backgroundShare: number }).backgroundShare).toBeGreaterThan(0.5);
    const webp = await run(mug.bytes, 'background-removal', { format: 'webp', feather: 0, tolerance: 10 });
    expect(webp.mimeType).toBe('image/webp');
    expect((await sharp(webp.bytes).metadata()).hasAlpha).toBe(true);
  });

  it('shadow: the product on white with a soft contact shadow under it', async () => {
    const output = await run(mug.bytes, 'shadow', { opacity: 0.8 });
    expect(output.mimeType).toBe('image/jpeg');
    const image = await pixelsOf(output.bytes);
    expect(image.width).toBe(image.height);
    for (const corner of corners(image)) expect(Math.min(...corner)).toBeGreaterThanOrEqual(250);
    const box = boxOfNot(image, [255, 255, 255], 60);
    // The product, and right under its base a darker band that fades out below.
    const centreX = box.left + Math.round(box.width * 0.4);
    const base = box.top + box.height - 1;
    const below = at(image, centreX, base + 2);
    expect(Math.max(...below)).toBeLessThan(235);
    expect(Math.min(...at(image, centreX, Math.min(image.height - 2, base + Math.round(box.height * 0.2))))).toBeGreaterThan(245);
    const productCentre = at(image, box.left + Math.round(box.width * 0.35), box.top + Math.round(box.height * 0.5));
    const inputCentre = at(mugPixels, mug.product.left + Math.round(mug.product.width * 0.35), mug.product.top + Math.round(mug.product.height * 0.5));
    for (let c = 0; c < 3; c += 1) expect(Math.abs(productCentre[c] - inputCentre[c])).toBeLessThan(12);
  });

  it('lifestyle: the product standing in a painted scene (wall and floor), its colours kept', async () => {
    const warm = await pixelsOf((await run(mug.bytes, 'lifestyle')).bytes);
    const cool = await pixelsOf((await run(mug.bytes, 'lifestyle', { scene: 'cool', size: 300 })).bytes);
    expect(cool.width).toBe(300);
    const [warmTop, , , warmFloor] = corners(warm);
    const [coolTop] = corners(cool);
    expect(warmTop[0]).toBeGreaterThan(warmTop[2]); // warm: red over blue
    expect(coolTop[2]).toBeGreaterThan(coolTop[0]); // cool: blue over red
    expect(Math.max(...warmTop)).toBeLessThan(252); // not a white studio
    expect(warmFloor[0]).toBeLessThan(warmTop[0] - 40); // the floor is darker than the wall
    // The mug's body sits in the middle, in its own red.
    const centre = at(warm, Math.round(warm.width * 0.45), Math.round(warm.height * 0.6));
    const inputCentre = at(mugPixels, mug.product.left + Math.round(mug.product.width * 0.35), mug.product.top + Math.round(mug.product.height * 0.5));
    expect(Math.abs(centre[0] - inputCentre[0]) + Math.abs(centre[1] - inputCentre[1]) + Math.abs(centre[2] - inputCentre[2])).toBeLessThan(60);
  });

  it('is deterministic: the same input and params give the same bytes, in every mode', async () => {
    const bottle = await productPhoto({ shape: 'bottle', width: 200, height: 260, color: '#2e86de', format: 'jpeg' });
    for (const mode of IMAGE_MODES) {
      const [first, second] = [await run(bottle.bytes, mode), await run(bottle.bytes, mode)];
      expect(first.bytes.equals(second.bytes), mode).toBe(true);
      expect(first.metadata).toEqual(second.metadata);
    }
  });
});

describe('local provider: inputs it cannot work with fail at once, permanently', () => {
  async function refusal(promise: Promise<unknown>): Promise<Error> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(PermanentError);
    return error!;
  }

  it('too small, too many pixels, unreadable, animated', async () => {
    const tiny = await productPhoto({ shape: 'box', width: 48, height: 40 });
    expect((await refusal(run(tiny.bytes, 'studio-white'))).message).toMatch(/48×40 pixels; the local provider needs at least 64×64/);
    expect((await refusal(run(mug.bytes, 'upscale', {}, { limits: { maxInputPixels: 50_000, maxOutputPixels: 1e6 } }))).message).toMatch(/LOCAL_MAX_INPUT_PIXELS/);
    const truncated = mug.bytes.subarray(0, Math.floor(mug.bytes.length / 2));
    expect((await refusal(run(truncated, 'background-removal'))).message).toMatch(/could not be (read|decoded)/);
    const frames = await Promise.all(['#ff0000', '#00ff00'].map((color) => sharp({ create: { width: 80, height: 80, channels: 3, background: color } }).png().toBuffer()));
    const animated = await sharp(frames, { join: { animated: true } }).webp().toBuffer();
    expect((await refusal(run(animated, 'lifestyle'))).message).toMatch(/animated \(2 frames\)/);
  });

  it('an upscale beyond the output limit, a photo without a product, a backdrop that is not plain', async () => {
    expect((await refusal(run(mug.bytes, 'upscale', { scale: 4 }, { limits: { maxInputPixels: 1e6, maxOutputPixels: 1e6 } }))).message).toMatch(
      /1280×960 .*\(LOCAL_MAX_OUTPUT_PIXELS\): try scale 2/,
    );
    const blank = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#dddddd' } }).png().toBuffer();
    expect((await refusal(run(blank, 'background-removal'))).message).toMatch(/no product found/);
    // A deterministic texture: neighbouring pixels differ by more than the tolerance, so no backdrop is found.
    const stripes = Buffer.alloc(200 * 200 * 3);
    for (let p = 0; p < 200 * 200; p += 1) stripes.fill(((p % 200) * 7 + Math.floor(p / 200) * 13) % 256, p * 3, p * 3 + 3);
    const busy = await sharp(stripes, { raw: { width: 200, height: 200, channels: 3 } }).png().toBuffer();
    expect((await refusal(run(busy, 'shadow', { tolerance: 5 }))).message).toMatch(/no plain background found/);
  });

  it('stops at its signal: an aborted job ends with the abort reason, not a result', async () => {
    const controller = new AbortController();
    controller.abort(new JobAbortedError('canceled', 'canceled at the owner\'s request'));
    await expect(run(mug.bytes, 'lifestyle', {}, { signal: controller.signal })).rejects.toMatchObject({ name: 'JobAbortedError', reason: 'canceled' });
  });
});
