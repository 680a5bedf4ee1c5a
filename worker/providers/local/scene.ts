import type { LifestyleScene } from '../../../lib/images/image-params.ts';
import type { Raster } from './raster.ts';

type Rgb = readonly [number, number, number];

interface Palette {
  wallTop: Rgb;
  wallBottom: Rgb;
  floorNear: Rgb;
  floorFar: Rgb;
}

/** Wall and floor colours of each scene (a painted studio set, not a photo). */
const PALETTES: Record<LifestyleScene, Palette> = {
  warm: { wallTop: [239, 229, 214], wallBottom: [219, 203, 182], floorFar: [201, 172, 139], floorNear: [156, 124, 94] },
  cool: { wallTop: [229, 235, 242], wallBottom: [199, 210, 222], floorFar: [172, 182, 195], floorNear: [120, 132, 149] },
  neutral: { wallTop: [242, 241, 238], wallBottom: [216, 215, 210], floorFar: [192, 190, 185], floorNear: [141, 139, 134] },
};

/** Where the wall meets the floor, as a share of the canvas height. */
export const HORIZON = 0.64;

const mix = (a: number, b: number, t: number) => a + (b - a) * t;

/**
 * A generated set: a wall with a vertical gradient and a soft light pool behind the product, a darker
 * shade where it meets the floor, and a floor that darkens towards the viewer and the sides. Pure
 * arithmetic per pixel: the same size and scene always give the same pixels.
 */
export function paintScene(width: number, height: number, scene: LifestyleScene): Raster {
  const palette = PALETTES[scene];
  const data = Buffer.alloc(width * height * 3);
  const horizon = Math.round(height * HORIZON);
  const lightX = width / 2;
  const lightY = height * 0.32;
  const lightRadius = Math.max(width, height) * 0.62;
  for (let y = 0; y < height; y += 1) {
    const onWall = y < horizon;
    const t = onWall ? y / Math.max(1, horizon) : (y - horizon) / Math.max(1, height - horizon);
    const from = onWall ? palette.wallTop : palette.floorFar;
    const to = onWall ? palette.wallBottom : palette.floorNear;
    // A soft shade on the wall just above the floor line.
    const shade = onWall ? 1 - 0.07 * Math.max(0, 1 - (horizon - y) / (height * 0.04)) : 1;
    for (let x = 0; x < width; x += 1) {
      const dx = (x - lightX) / lightRadius;
      const dy = (y - lightY) / lightRadius;
      const light = 1 + 0.09 * Math.max(0, 1 - (dx * dx + dy * dy));
      const side = (x - width / 2) / (width / 2);
      const vignette = onWall ? 1 : 1 - 0.1 * side * side;
      const factor = light * shade * vignette;
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c += 1) data[i + c] = Math.max(0, Math.min(255, Math.round(mix(from[c], to[c], t) * factor)));
    }
  }
  return { data, width, height, channels: 3 };
}
