'use client';

import { ImageOff, Trash2 } from 'lucide-react';
import { useState } from 'react';
import type { Asset } from '@/lib/db/job-types';
import { buttonClass } from '@/components/ui/button-styles';
import { ModalDialog } from '@/components/ui/modal-dialog';
import { Panel } from './panel';
import { PhotoUpload } from './photo-upload';
import type { ActionResult } from './use-jobs-dashboard';
import { formatBytes } from './format';

interface AssetPanelProps {
  projectId: string | null;
  assets: Asset[];
  /** Signed thumbnail URLs by asset id. */
  thumbnails: Record<string, string>;
  onUpload: (file: File) => Promise<ActionResult>;
  onDelete: (asset: Asset) => Promise<ActionResult>;
}

function describe(asset: Asset): string {
  const parts = [asset.mime_type];
  if (asset.width && asset.height) parts.push(`${asset.width}×${asset.height}`);
  if (asset.size_bytes !== null) parts.push(formatBytes(asset.size_bytes));
  return parts.join(' · ');
}

/** The selected project's photos with thumbnails, an upload area and delete (file and row). */
export function AssetPanel({ projectId, assets, thumbnails, onUpload, onDelete }: AssetPanelProps) {
  const [deleting, setDeleting] = useState<Asset | null>(null);
  const [pending, setPending] = useState(false);

  return (
    <Panel titleId="assets-heading" title="Product photos">
      {assets.length === 0 ? (
        <p className="mb-4 text-sm text-slate-600">{projectId ? 'This project has no photos yet.' : 'Select or create a project first.'}</p>
      ) : (
        <ul className="mb-4 divide-y divide-slate-100 text-sm" aria-label="Assets of the selected project">
          {assets.map((asset) => (
            <li key={asset.id} className="flex items-center gap-3 py-2" data-testid="asset-item">
              {thumbnails[asset.id] ? (
                // Storage already renders a small signed thumbnail; next/image would only proxy it again.
                // eslint-disable-next-line @next/next/no-img-element
                <img src={thumbnails[asset.id]} alt={`Thumbnail of ${asset.name}`} width={48} height={48} className="size-12 shrink-0 rounded object-cover" />
              ) : (
                <span className="flex size-12 shrink-0 items-center justify-center rounded bg-slate-100 text-slate-500" title={asset.bucket ? 'Loading thumbnail' : 'No file stored'}>
                  <ImageOff aria-hidden="true" className="size-5" />
                </span>
              )}
              <span className="min-w-0 flex-1">
                <span className="block truncate font-medium">{asset.name}</span>
                <span className="block truncate text-slate-600">
                  {describe(asset)} · {asset.kind}
                </span>
              </span>
              <button
                type="button"
                onClick={() => setDeleting(asset)}
                className={buttonClass('ghost', 'px-2 py-1.5')}
                aria-label={`Delete asset ${asset.name}`}
              >
                <Trash2 aria-hidden="true" className="size-4" />
              </button>
            </li>
          ))}
        </ul>
      )}

      <PhotoUpload disabled={!projectId} onUpload={onUpload} />

      {deleting && (
        <ModalDialog titleId={`delete-asset-${deleting.id}-title`} title={`Delete asset “${deleting.name}”?`} onClose={() => setDeleting(null)}>
          <p className="mb-4 text-sm text-slate-700">
            The file and its record are removed for good. Jobs that used it keep their history without an input asset.
          </p>
          <div className="flex justify-end gap-2">
            <button type="button" onClick={() => setDeleting(null)} autoFocus className={buttonClass('secondary')}>
              Cancel
            </button>
            <button
              type="button"
              disabled={pending}
              className={buttonClass('danger')}
              onClick={async () => {
                setPending(true);
                await onDelete(deleting);
                setPending(false);
                setDeleting(null);
              }}
            >
              {pending ? 'Deleting…' : 'Delete asset'}
            </button>
          </div>
        </ModalDialog>
      )}
    </Panel>
  );
}
