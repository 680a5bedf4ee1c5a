import os from 'node:os';
import sharp from 'sharp';
import { IMAGE_MODES } from '../../../lib/images/image-params.ts';
import type { ImageProvider } from '../image-provider.ts';
import { backgroundRemoval } from './background-removal.ts';
import type { LocalLimits } from './limits.ts';
import { lifestyle } from './lifestyle.ts';
import type { ModeContext } from './mode-context.ts';
import { shadow } from './shadow.ts';
import { studioWhite } from './studio-white.ts';
import { upscale } from './upscale.ts';

/**
 * libvips settings for a worker process: `threads` per image operation (0: the cores shared among
 * `imageSlots` simultaneous image jobs), and no operation cache (every job is a different image; the cache
 * would only hold memory).
 */
export function configureSharp(threads: number, imageSlots: number): number {
  const perJob = threads > 0 ? threads : Math.max(1, Math.floor(os.availableParallelism() / imageSlots));
  sharp.concurrency(perJob);
  sharp.cache(false);
  return perJob;
}

/**
 * The embedded image provider: real image processing with sharp, on this machine, for plain-background
 * product photos. Deterministic: the same input and params give the same bytes (no randomness, no
 * timestamps, pinned encoder settings). What each mode does and does not do: docs/WORKER.md.
 */
export function localImageProvider(limits: LocalLimits): ImageProvider {
  return {
    name: 'local',
    modes: IMAGE_MODES,
    // Runs on your hardware: no per-run charge to estimate; the mode's price is what the job records.
    estimate: () => null,
    async run(input, { mode, params }, { signal }) {
      const context: ModeContext = { limits, check: () => signal.throwIfAborted() };
      context.check();
      switch (mode) {
        case 'studio-white':
          return studioWhite(input, params, context);
        case 'upscale':
          return upscale(input, params, context);
        case 'background-removal':
          return backgroundRemoval(input, params, context);
        case 'shadow':
          return shadow(input, params, context);
        case 'lifestyle':
          return lifestyle(input, params, context);
      }
    },
  };
}
