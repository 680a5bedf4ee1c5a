import { ImageOff, Loader2 } from 'lucide-react';
import type { Asset } from '@/lib/db/job-types';
import { CHECKERBOARD_CLASS } from './checkerboard';

interface JobImageTileProps {
  /** "Before" or "After". */
  caption: string;
  /** What the image is, for its button and alt text ("output of studio-white"). */
  label: string;
  asset: Asset | null;
  thumbnailUrl: string | undefined;
  /** Shown instead of an image: why there is none (yet). */
  placeholder: string;
  busy?: boolean;
  onOpen: (asset: Asset) => void;
}

/** One side of a job's before/after: its thumbnail, a button that opens it full size. */
export function JobImageTile({ caption, label, asset, thumbnailUrl, placeholder, busy = false, onOpen }: JobImageTileProps) {
  return (
    <figure className="w-24 shrink-0 sm:w-28">
      {asset && thumbnailUrl ? (
        <button
          type="button"
          onClick={() => onOpen(asset)}
          aria-label={`Open the ${label} full size`}
          className={`block size-24 overflow-hidden rounded-md border border-slate-200 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 sm:size-28 ${CHECKERBOARD_CLASS}`}
        >
          {/* Storage renders the small thumbnail; next/image would only proxy it again. */}
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img src={thumbnailUrl} alt={`Thumbnail of the ${label}`} width={112} height={112} className="size-full object-cover" data-asset-id={asset.id} />
        </button>
      ) : (
        <div className="flex size-24 flex-col items-center justify-center gap-1 rounded-md border border-dashed border-slate-300 bg-slate-50 p-2 text-center text-xs text-slate-600 sm:size-28">
          {busy ? <Loader2 aria-hidden="true" className="size-5 motion-safe:animate-spin" /> : <ImageOff aria-hidden="true" className="size-5" />}
          {placeholder}
        </div>
      )}
      <figcaption className="mt-1 text-center text-xs font-medium text-slate-700">{caption}</figcaption>
    </figure>
  );
}
