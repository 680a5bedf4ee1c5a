/**
 * At most `size` holders at a time; the others wait in order. Waiting ends early when the caller's signal
 * fires (a canceled or timed-out job stops queueing for a slot it no longer needs).
 */
export class Semaphore {
  private held = 0;
  private readonly waiting: { grant: () => void; signal: AbortSignal; onAbort: () => void }[] = [];

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.held;
  }

  /** Resolves with a release function once a slot is free; rejects with the signal's reason if it fires first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.held < this.size) {
      this.held += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        signal,
        grant: () => {
          signal.removeEventListener('abort', entry.onAbort);
          resolve(this.releaser());
        },
        onAbort: () => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', entry.onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.grant(); // the slot passes on: `held` stays
      else this.held -= 1;
    };
  }
}
