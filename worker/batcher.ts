import type { Logger } from './log.ts';

/** A connection-level failure (the database restarted, the network dropped): worth trying again later. */
export function isTransientDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  // postgres.js's connection codes (CONNECTION_CLOSED, CONNECT_TIMEOUT, ...), socket errors, and the
  // SQLSTATE classes of connection exceptions (08), operator intervention (57: shutdown, cannot connect
  // now), insufficient resources (53) and transaction rollbacks (40: deadlock, serialization).
  return /^(CONNECTION_|CONNECT_TIMEOUT|E[A-Z]+$)/.test(code) || /^(08|57|53|40)[0-9A-Z]{3}$/.test(code);
}

interface Pending<Item, Outcome> {
  item: Item;
  done?: boolean;
  resolve(outcome: Outcome): void;
  reject(error: unknown): void;
}

export interface BatcherOptions<Item, Outcome> {
  name: string;
  /** Gather items for this long before writing (0: the next tick). */
  delayMs: number;
  maxSize: number;
  /** Writes a batch; returns one outcome per item, by key. */
  write(items: Item[]): Promise<Map<string, Outcome>>;
  key(item: Item): string;
  log: Logger;
}

/**
 * Turns single writes into batched statements, as graphile-worker does with completions: items added
 * within `delayMs` go out together, and the caller does not wait for the write to claim more work. A
 * connection failure keeps the items and retries with backoff; any other error writes the batch one by
 * one, so one bad item cannot hold back the others (its own promise rejects).
 */
export class Batcher<Item, Outcome> {
  private queue: Pending<Item, Outcome>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private failures = 0;

  constructor(private readonly options: BatcherOptions<Item, Outcome>) {}

  get size(): number {
    return this.queue.length;
  }

  add(item: Item): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxSize) this.schedule(0);
      else this.schedule(this.options.delayMs);
    });
  }

  /** Writes everything queued now; resolves when the queue is empty or `deadline` (epoch ms) passes. */
  async drain(deadline: number): Promise<void> {
    while ((this.queue.length > 0 || this.writing) && Date.now() < deadline) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      if (!this.writing) this.writing = this.writeNext();
      await this.writing;
    }
  }

  private schedule(delayMs: number): void {
    if (this.writing) return; // the running write schedules the next one
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.writing = this.writeNext();
    }, delayMs);
  }

  private async writeNext(): Promise<void> {
    const batch = this.queue.splice(0, this.options.maxSize);
    let retryIn = 0;
    try {
      if (batch.length > 0) await this.writeBatch(batch);
      this.failures = 0;
    } catch (error) {
      // Connection trouble: keep the unsettled items, in order, and try again after a backoff.
      this.queue.unshift(...batch.filter((pending) => !pending.done));
      this.failures += 1;
      retryIn = Math.min(5_000, 100 * 2 ** Math.min(this.failures, 6));
      this.options.log.warn({ err: error, batch: this.options.name, items: batch.length, retryInMs: retryIn }, 'batch write failed; will retry');
    } finally {
      this.writing = null;
    }
    if (this.queue.length > 0) this.schedule(retryIn || (this.queue.length >= this.options.maxSize ? 0 : this.options.delayMs));
  }

  private async writeBatch(batch: Pending<Item, Outcome>[]): Promise<void> {
    try {
      this.settle(batch, await this.options.write(batch.map((p) => p.item)));
      return;
    } catch (error) {
      if (isTransientDatabaseError(error)) throw error;
      if (batch.length === 1) {
        batch[0].done = true;
        batch[0].reject(error);
        return;
      }
    }
    for (const pending of batch) {
      try {
        this.settle([pending], await this.options.write([pending.item]));
      } catch (error) {
        if (isTransientDatabaseError(error)) throw error;
        pending.done = true;
        pending.reject(error);
      }
    }
  }

  private settle(batch: Pending<Item, Outcome>[], outcomes: Map<string, Outcome>): void {
    for (const pending of batch) {
      pending.done = true;
      const outcome = outcomes.get(this.options.key(pending.item));
      if (outcome === undefined) pending.reject(new Error(`no outcome for ${this.options.key(pending.item)} in ${this.options.name}`));
      else pending.resolve(outcome);
    }
  }
}
