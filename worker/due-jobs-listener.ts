import postgres from 'postgres';
import type { Logger } from './log.ts';

/** Channel NOTIFYed by the generation_jobs triggers when jobs become due; the payload is how many. */
export const DUE_JOBS_CHANNEL = 'generation_jobs_due';

/**
 * LISTEN on a dedicated connection that is never recycled. When the connection drops (a database
 * restart), `ensureListening()` (called by the runner's loops) listens again and wakes the runner, since
 * notifications sent meanwhile are lost. Behind a transaction pooler LISTEN does not work at all: the
 * runner's polling still finds the jobs.
 */
export class DueJobsListener {
  private readonly sql: postgres.Sql;
  private listening = false;
  private attempt: Promise<void> | null = null;

  constructor(
    databaseUrl: string,
    private readonly onDue: (count: number) => void,
    private readonly log: Logger,
  ) {
    // postgres.js calls `onnotify` for every notification (it is what its own sql.listen() is built on);
    // its type declarations leave the option out.
    const options: postgres.Options<Record<string, postgres.PostgresType>> & { onnotify(channel: string, payload: string): void } = {
      max: 1,
      idle_timeout: 0,
      max_lifetime: 0,
      connect_timeout: 10,
      onnotice: () => {},
      connection: { application_name: 'generation-worker-listen' },
      onnotify: (channel, payload) => {
        if (channel === DUE_JOBS_CHANNEL) this.onDue(Math.max(1, Number.parseInt(payload, 10) || 1));
      },
      onclose: () => {
        if (this.listening) this.log.warn('LISTEN connection closed; polling until it is back');
        this.listening = false;
      },
    };
    this.sql = postgres(databaseUrl, options);
  }

  get active(): boolean {
    return this.listening;
  }

  /** Listens if not listening yet; never throws (polling covers the gap). */
  ensureListening(): Promise<void> {
    if (this.listening) return Promise.resolve();
    this.attempt ??= this.sql
      .unsafe(`listen "${DUE_JOBS_CHANNEL}"`)
      .then(() => {
        this.listening = true;
        this.log.debug({ channel: DUE_JOBS_CHANNEL }, 'listening');
        this.onDue(1); // whatever was notified while we were not listening
      })
      .catch((error: unknown) => {
        this.log.debug({ err: error }, 'LISTEN failed; will retry');
      })
      .finally(() => {
        this.attempt = null;
      });
    return this.attempt;
  }

  async close(): Promise<void> {
    this.listening = false;
    await this.sql.end({ timeout: 2 });
  }
}
