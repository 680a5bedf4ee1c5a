import postgres from 'postgres';
import type { Logger } from './log.ts';

/** Channel NOTIFYed by the generation_jobs triggers when jobs become due; the payload is how many. */
export const DUE_JOBS_CHANNEL = 'generation_jobs_due';

/**
 * LISTEN on a dedicated connection that is never recycled: `generation_jobs_due`, and on the same
 * connection any channel added with `addChannel()` before the first `ensureListening()` (webhook
 * deliveries). When the connection drops (a database restart), `ensureListening()` (called by the
 * runner's loops) listens again and wakes every handler, since notifications sent meanwhile are lost. Behind a transaction pooler LISTEN does not work at all: the
 * runner's polling still finds the jobs.
 */
export class DueJobsListener {
  private readonly sql: postgres.Sql;
  private readonly handlers = new Map<string, (count: number) => void>();
  private listening = false;
  private attempt: Promise<void> | null = null;

  constructor(
    databaseUrl: string,
    onDue: (count: number) => void,
    private readonly log: Logger,
  ) {
    this.handlers.set(DUE_JOBS_CHANNEL, onDue);
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
        this.handlers.get(channel)?.(Math.max(1, Number.parseInt(payload, 10) || 1));
      },
      onclose: () => {
        if (this.listening) this.log.warn('LISTEN connection closed; polling until it is back');
        this.listening = false;
      },
    };
    this.sql = postgres(databaseUrl, options);
  }

  /** Another channel whose payload is a count (the webhook outbox's); call before listening starts. */
  addChannel(channel: string, onDue: (count: number) => void): void {
    this.handlers.set(channel, onDue);
  }

  get active(): boolean {
    return this.listening;
  }

  /** Listens if not listening yet; never throws (polling covers the gap). */
  ensureListening(): Promise<void> {
    if (this.listening) return Promise.resolve();
    this.attempt ??= this.sql
      .unsafe([...this.handlers.keys()].map((channel) => `listen "${channel}"`).join(';'))
      .then(() => {
        this.listening = true;
        this.log.debug({ channels: [...this.handlers.keys()] }, 'listening');
        for (const onDue of this.handlers.values()) onDue(1); // whatever was notified while we were not listening
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
