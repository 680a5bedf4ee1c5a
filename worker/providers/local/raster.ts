import sharp from 'sharp';

/** Raw 8-bit pixels, row by row: RGBA (4 channels) or RGB (3). */
export interface Raster {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** One byte per pixel (a matte or a shadow mask: 0 = nothing, 255 = full). */
export interface Mask {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The alpha channel of an RGBA raster, as a mask. */
export function alphaOf(raster: Raster): Mask {
  const data = new Uint8Array(raster.width * raster.height);
  for (let p = 0; p < data.length; p += 1) data[p] = raster.data[p * 4 + 3];
  return { data, width: raster.width, height: raster.height };
}

export function rgbCanvas(width: number, height: number, value = 255): Raster {
  return { data: Buffer.alloc(width * height * 3, value), width, height, channels: 3 };
}

/** The RGBA pixels of `box`, their alpha replaced by the matte's (both cropped alike). */
export function cutOutRgba(image: Raster, matte: Mask, box: Box): Raster {
  const data = Buffer.alloc(box.width * box.height * 4);
  for (let y = 0; y < box.height; y += 1) {
    for (let x = 0; x < box.width; x += 1) {
      const source = (box.top + y) * image.width + box.left + x;
      const target = (y * box.width + x) * 4;
      data[target] = image.data[source * 4];
      data[target + 1] = image.data[source * 4 + 1];
      data[target + 2] = image.data[source * 4 + 2];
      // A transparent input pixel stays transparent whatever the matte says.
      data[target + 3] = Math.min(matte.data[source], image.data[source * 4 + 3]);
    }
  }
  return { data, width: box.width, height: box.height, channels: 4 };
}

/** Lanczos resampling through sharp (alpha premultiplied by libvips, so edges do not darken). */
export async function resizeRaster(raster: Raster, width: number, height: number): Promise<Raster> {
  if (width === raster.width && height === raster.height) return raster;
  const data = await sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: raster.channels } })
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .raw()
    .toBuffer();
  return { data, width, height, channels: raster.channels };
}

/** A mask resized (area-averaged: squashing a silhouette keeps its weight). */
export async function resizeMask(mask: Mask, width: number, height: number): Promise<Mask> {
  const data = await sharp(Buffer.from(mask.data.buffer, mask.data.byteOffset, mask.data.byteLength), {
    raw: { width: mask.width, height: mask.height, channels: 1 },
  })
    .resize(width, height, { kernel: 'linear', fit: 'fill' })
    // A one-band image would come out as three (sRGB) bands otherwise.
    .extractChannel(0)
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}

/** Gaussian blur of a mask; sigmas below sharp's minimum (0.3) leave it as it is. */
export async function blurMask(mask: Mask, sigma: number): Promise<Mask> {
  if (sigma < 0.3) return mask;
  const data = await sharp(Buffer.from(mask.data.buffer, mask.data.byteOffset, mask.data.byteLength), {
    raw: { width: mask.width, height: mask.height, channels: 1 },
  })
    .blur(Math.min(sigma, 1000))
    .extractChannel(0)
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: mask.width, height: mask.height };
}

/** Draws an RGBA raster onto an RGB canvas at (left, top), "over" with its alpha, clipped to the canvas. */
export function drawOver(canvas: Raster, layer: Raster, left: number, top: number): void {
  for (let y = Math.max(0, -top); y < layer.height && top + y < canvas.height; y += 1) {
    for (let x = Math.max(0, -left); x < layer.width && left + x < canvas.width; x += 1) {
      const source = (y * layer.width + x) * 4;
      const alpha = layer.data[source + 3];
      if (alpha === 0) continue;
      const target = ((top + y) * canvas.width + left + x) * 3;
      for (let c = 0; c < 3; c += 1) {
        canvas.data[target + c] = Math.round((layer.data[source + c] * alpha + canvas.data[target + c] * (255 - alpha)) / 255);
      }
    }
  }
}

/** Darkens an RGB canvas by a mask placed at (left, top): pixel × (1 − mask × strength / 255). */
export function darken(canvas: Raster, mask: Mask, left: number, top: number, strength: number): void {
  for (let y = Math.max(0, -top); y < mask.height && top + y < canvas.height; y += 1) {
    for (let x = Math.max(0, -left); x < mask.width && left + x < canvas.width; x += 1) {
      const amount = mask.data[y * mask.width + x] * strength;
      if (amount <= 0) continue;
      const target = ((top + y) * canvas.width + left + x) * 3;
      const keep = 1 - amount / 255;
      for (let c = 0; c < 3; c += 1) canvas.data[target + c] = Math.round(canvas.data[target + c] * keep);
    }
  }
}
