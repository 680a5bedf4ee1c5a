'use client';

import { ArrowRight } from 'lucide-react';
import { useState } from 'react';
import type { Asset, GenerationJob } from '@/lib/db/job-types';
import { ImageViewerDialog } from './image-viewer-dialog';
import { JobImageTile } from './job-image-tile';

interface JobImagesProps {
  job: GenerationJob;
  /** The project's assets (inputs and outputs). */
  assets: Asset[];
  /** Signed thumbnail URLs by asset id. */
  thumbnails: Record<string, string>;
}

/** Why a job has no output image to show. */
function outputPlaceholder(job: GenerationJob): { text: string; busy: boolean } {
  switch (job.status) {
    case 'queued':
      return { text: 'Waiting for a worker', busy: false };
    case 'running':
      return { text: 'Processing…', busy: true };
    case 'succeeded':
      return job.output_asset_id ? { text: 'Loading…', busy: true } : { text: 'Output deleted', busy: false };
    case 'failed':
      return { text: 'No output', busy: false };
    case 'canceled':
      return { text: 'Canceled', busy: false };
  }
}

/** A job's input photo and its output side by side; either opens full size with a download. */
export function JobImages({ job, assets, thumbnails }: JobImagesProps) {
  const [open, setOpen] = useState<{ asset: Asset; title: string } | null>(null);
  const input = job.input_asset_id ? (assets.find((asset) => asset.id === job.input_asset_id) ?? null) : null;
  const output = job.output_asset_id ? (assets.find((asset) => asset.id === job.output_asset_id) ?? null) : null;
  const waiting = outputPlaceholder(job);

  return (
    <div className="flex items-start gap-2" data-testid="job-images">
      <JobImageTile
        caption="Before"
        label={`input of ${job.mode}`}
        asset={input}
        thumbnailUrl={input ? thumbnails[input.id] : undefined}
        placeholder={job.input_asset_id ? (input?.bucket === null ? 'No file stored' : 'Loading…') : 'Input deleted'}
        onOpen={(asset) => setOpen({ asset, title: `Input of ${job.mode}` })}
      />
      <ArrowRight aria-hidden="true" className="mt-10 size-4 shrink-0 text-slate-500 sm:mt-12" />
      <JobImageTile
        caption="After"
        label={`output of ${job.mode}`}
        asset={output}
        thumbnailUrl={output ? thumbnails[output.id] : undefined}
        placeholder={waiting.text}
        busy={waiting.busy}
        onOpen={(asset) => setOpen({ asset, title: `Output of ${job.mode}` })}
      />
      {open && <ImageViewerDialog asset={open.asset} title={open.title} onClose={() => setOpen(null)} />}
    </div>
  );
}
