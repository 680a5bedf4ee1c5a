import type { RealtimeChannel, RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import type { DbClient } from './client-binding';
import { JOB_PROVIDERS, JOB_STATUSES, type GenerationJob } from './job-types';

/**
 * Live changes of the signed-in user's jobs, projects and assets through Supabase Realtime
 * (`postgres_changes`, filtered by user_id; RLS decides per subscriber what reaches it). The tables are in
 * the `supabase_realtime` publication with REPLICA IDENTITY FULL (migration 20261130120400), so deletes
 * arrive too, as the deleted row's primary key.
 */

/** What one change of generation_jobs means for a screen that lists jobs. */
export type JobChange =
  | { type: 'upsert'; job: GenerationJob }
  | { type: 'delete'; id: string }
  /** The row could not be sent whole (hosted trims records above 1 MB): read it again. */
  | { type: 'incomplete'; id: string | null };

/** Connecting (first join), live (joined, changes flowing), or interrupted (the client rejoins by itself). */
export type ChangeFeedStatus = 'connecting' | 'live' | 'interrupted';

export interface ChangeHandlers {
  onJob(change: JobChange): void;
  /** A project or asset of the user changed (rare: the caller reloads them). */
  onProjectOrAsset(): void;
  /** Every (re)join: changes made while not joined never arrive, so callers read again. */
  onStatus(status: ChangeFeedStatus): void;
}

const REQUIRED_COLUMNS = ['id', 'user_id', 'project_id', 'mode', 'status', 'provider', 'cost_cents', 'created_at', 'updated_at'] as const;

/** A Realtime record of generation_jobs as a GenerationJob, or null when it is not a whole, known row. */
export function jobFromRecord(record: Record<string, unknown>): GenerationJob | null {
  if (REQUIRED_COLUMNS.some((column) => record[column] === undefined)) return null;
  if (!(JOB_STATUSES as readonly unknown[]).includes(record.status) || !(JOB_PROVIDERS as readonly unknown[]).includes(record.provider)) return null;
  return record as unknown as GenerationJob;
}

export function toJobChange(payload: RealtimePostgresChangesPayload<Record<string, unknown>>): JobChange {
  const errors = (payload as { errors?: unknown }).errors;
  if (payload.eventType === 'DELETE') {
    const id = payload.old?.id;
    return typeof id === 'string' ? { type: 'delete', id } : { type: 'incomplete', id: null };
  }
  const id = typeof payload.new?.id === 'string' ? payload.new.id : null;
  const job = Array.isArray(errors) && errors.length > 0 ? null : jobFromRecord(payload.new);
  return job ? { type: 'upsert', job } : { type: 'incomplete', id };
}

/**
 * Subscribes to the user's changes on one channel (a fresh topic per call, so a quick unsubscribe and
 * subscribe, as React StrictMode does in development, never reuses a channel being closed). The Realtime
 * connection gets the session's access token before joining (RLS sees the user, not anon) and again
 * whenever Auth refreshes the session. Returns the function that unsubscribes (idempotent).
 */
export function subscribeToOwnChanges(client: DbClient, userId: string, handlers: ChangeHandlers): () => Promise<void> {
  let closed = false;
  let channel: RealtimeChannel | null = null;
  const filter = `user_id=eq.${userId}`;
  const { data: authListener } = client.auth.onAuthStateChange((event, session) => {
    if ((event === 'TOKEN_REFRESHED' || event === 'SIGNED_IN') && session) void client.realtime.setAuth(session.access_token);
  });

  const ready = client.realtime.setAuth().then(() => {
    if (closed) return;
    handlers.onStatus('connecting');
    const topic = `own-changes:${userId}:${Math.random().toString(36).slice(2, 10)}`;
    channel = client
      .channel(topic)
      .on('postgres_changes', { event: '*', schema: 'public', table: 'generation_jobs', filter }, (payload) => {
        if (!closed) handlers.onJob(toJobChange(payload as RealtimePostgresChangesPayload<Record<string, unknown>>));
      })
      .on('postgres_changes', { event: '*', schema: 'public', table: 'projects', filter }, () => {
        if (!closed) handlers.onProjectOrAsset();
      })
      .on('postgres_changes', { event: '*', schema: 'public', table: 'assets', filter }, () => {
        if (!closed) handlers.onProjectOrAsset();
      })
      .on('system', {}, (message: { extension?: string; status?: string }) => {
        // The server refused the postgres_changes bindings (a table missing from the publication, say).
        if (!closed && message.extension === 'postgres_changes' && message.status !== 'ok') handlers.onStatus('interrupted');
      })
      .subscribe((state) => {
        if (closed) return;
        handlers.onStatus(state === 'SUBSCRIBED' ? 'live' : 'interrupted');
      });
  }, () => {
    // No session to join with: stay off the live feed (callers keep polling).
    if (!closed) handlers.onStatus('interrupted');
  });

  return async () => {
    if (closed) return;
    closed = true;
    authListener.subscription.unsubscribe();
    await ready.catch(() => undefined);
    if (channel) await client.removeChannel(channel);
  };
}
