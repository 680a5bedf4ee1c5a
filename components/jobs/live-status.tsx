import type { ChangeFeedStatus } from '@/lib/db/job-changes';

/**
 * Whether the dashboard follows changes live (Supabase Realtime) or polls while the live feed (re)connects.
 * A status region: assistive technology hears the switch, without interrupting.
 */
export function LiveStatus({ status, pollIntervalMs }: { status: ChangeFeedStatus; pollIntervalMs: number }) {
  const live = status === 'live';
  return (
    <p role="status" data-testid="live-status" data-live={live} className="inline-flex items-center gap-2 text-xs text-slate-700">
      <span aria-hidden="true" className={`inline-block size-2 rounded-full ${live ? 'bg-emerald-500' : 'bg-amber-500'}`} />
      {live ? 'Live' : `Polling every ${pollIntervalMs / 1000} s (${status === 'connecting' ? 'connecting' : 'reconnecting'})`}
    </p>
  );
}
