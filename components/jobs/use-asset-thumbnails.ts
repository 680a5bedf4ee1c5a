'use client';

import { useEffect, useRef, useState } from 'react';
import { getAssetThumbnailUrlsClient } from '@/lib/db/generation-jobs-client';
import type { Asset } from '@/lib/db/job-types';

const EXPIRES_IN_SECONDS = 3600;
/** Re-sign a while before the URLs expire. */
const RENEW_AFTER_MS = (EXPIRES_IN_SECONDS - 300) * 1000;

/**
 * Signed thumbnail URLs for the assets shown, signed once per asset (the dashboard's polling re-renders the
 * list every few seconds; new URLs each time would make every image load again).
 */
export function useAssetThumbnails(assets: Asset[]): Record<string, string> {
  const [urls, setUrls] = useState<Record<string, string>>({});
  const signedAt = useRef(new Map<string, number>());
  const key = assets
    .filter((asset) => asset.bucket)
    .map((asset) => `${asset.id}:${asset.storage_path}`)
    .join(',');

  useEffect(() => {
    let cancelled = false;
    const now = Date.now();
    const missing = assets.filter((asset) => asset.bucket && now - (signedAt.current.get(asset.id) ?? 0) > RENEW_AFTER_MS);
    if (missing.length === 0) return;
    getAssetThumbnailUrlsClient(missing, { size: 160, expiresIn: EXPIRES_IN_SECONDS })
      .then((signed) => {
        if (cancelled) return;
        for (const id of Object.keys(signed)) signedAt.current.set(id, now);
        setUrls((previous) => ({ ...previous, ...signed }));
      })
      .catch(() => {
        // A thumbnail is not worth an error toast: the list shows a placeholder and the next change retries.
      });
    return () => {
      cancelled = true;
    };
    // `key` stands for the assets that have files; the list's identity changes on every poll.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  return urls;
}
