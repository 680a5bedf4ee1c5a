'use client';

import { Download, ExternalLink } from 'lucide-react';
import { useEffect, useState } from 'react';
import { getAssetFileUrlsClient } from '@/lib/db/generation-jobs-client';
import type { Asset } from '@/lib/db/job-types';
import { buttonClass } from '@/components/ui/button-styles';
import { ModalDialog } from '@/components/ui/modal-dialog';
import { CHECKERBOARD_CLASS } from './checkerboard';
import { errorMessage } from './report-error';
import { formatBytes } from './format';

interface ImageViewerDialogProps {
  asset: Asset;
  /** "Input of studio-white", "Output of studio-white". */
  title: string;
  onClose: () => void;
}

function describe(asset: Asset): string {
  const parts = [asset.mime_type.replace('image/', '').toUpperCase()];
  if (asset.width && asset.height) parts.push(`${asset.width} × ${asset.height} px`);
  if (asset.size_bytes !== null) parts.push(formatBytes(asset.size_bytes));
  return parts.join(' · ');
}

/** One image at full size (signed URL, fetched when opened), with a download under the asset's name. */
export function ImageViewerDialog({ asset, title, onClose }: ImageViewerDialogProps) {
  const [urls, setUrls] = useState<{ view: string; download: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    getAssetFileUrlsClient(asset, { expiresIn: 600 })
      .then((signed) => !cancelled && setUrls(signed))
      .catch((failure: unknown) => !cancelled && setError(errorMessage(failure)));
    return () => {
      cancelled = true;
    };
  }, [asset]);

  const titleId = `viewer-${asset.id}-title`;
  return (
    <ModalDialog titleId={titleId} title={title} onClose={onClose} wide>
      <div className={`flex min-h-48 items-center justify-center overflow-hidden rounded-md border border-slate-200 ${CHECKERBOARD_CLASS}`}>
        {urls ? (
          // A signed Storage URL of the original: next/image would proxy and re-encode it.
          // eslint-disable-next-line @next/next/no-img-element
          <img src={urls.view} alt={`${title}: ${asset.name}`} width={asset.width ?? undefined} height={asset.height ?? undefined} className="max-h-[65vh] w-auto max-w-full object-contain" />
        ) : (
          <p className="p-6 text-sm text-slate-600" role={error ? 'alert' : 'status'}>
            {error ? `Could not open the image: ${error}` : 'Loading the image…'}
          </p>
        )}
      </div>
      <p className="mt-2 text-sm text-slate-700">
        <span className="font-medium">{asset.name}</span> · {describe(asset)}
      </p>
      <div className="mt-4 flex flex-wrap justify-end gap-2">
        {urls && (
          <>
            <a href={urls.view} target="_blank" rel="noopener noreferrer" className={buttonClass('secondary')}>
              <ExternalLink aria-hidden="true" className="size-4" />
              Open in a new tab
            </a>
            <a href={urls.download} download={asset.name} className={buttonClass('secondary')}>
              <Download aria-hidden="true" className="size-4" />
              Download
            </a>
          </>
        )}
        <button type="button" onClick={onClose} autoFocus className={buttonClass('primary')}>
          Close
        </button>
      </div>
    </ModalDialog>
  );
}
