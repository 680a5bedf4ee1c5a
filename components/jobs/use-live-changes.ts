'use client';

import { useEffect, useRef, useState } from 'react';
import { subscribeToOwnChanges, type ChangeFeedStatus, type ChangeHandlers } from '@/lib/db/job-changes';
import { createClient } from '@/lib/supabase/client';

/**
 * The signed-in user's live changes (jobs, projects, assets) for as long as the component is mounted.
 * Subscribing and unsubscribing are idempotent, so React StrictMode's mount, unmount, mount in development
 * leaves exactly one channel. Handlers may change on every render; the latest ones are called.
 */
export function useLiveChanges(userId: string | null, handlers: ChangeHandlers): ChangeFeedStatus {
  const [status, setStatus] = useState<ChangeFeedStatus>('connecting');
  const latest = useRef(handlers);
  useEffect(() => {
    latest.current = handlers;
  });

  useEffect(() => {
    if (!userId) return;
    const unsubscribe = subscribeToOwnChanges(createClient(), userId, {
      onJob: (change) => latest.current.onJob(change),
      onProjectOrAsset: () => latest.current.onProjectOrAsset(),
      onStatus: (next) => {
        setStatus(next);
        latest.current.onStatus(next);
      },
    });
    return () => {
      void unsubscribe();
    };
  }, [userId]);

  return userId ? status : 'interrupted';
}
