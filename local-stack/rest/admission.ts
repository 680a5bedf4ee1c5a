/**
 * A fair share of the connection pool: each requester (the JWT's `sub`, else its role and client address) runs
 * at most `perRequester` transactions at once; the rest wait in a bounded queue, in order, and give up with
 * PostgREST's pool-timeout error after `waitMs`. One user's flood of slow requests thus leaves connections
 * for everyone else.
 */
import { acquisitionTimeout } from './errors.ts';

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

interface Lane {
  active: number;
  queue: Waiter[];
}

export interface AdmissionOptions {
  perRequester: number;
  maxQueued: number;
  waitMs: number;
}

export class Admission {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly options: AdmissionOptions) {}

  async run<T>(requester: string, task: () => Promise<T>): Promise<T> {
    const lane = this.lanes.get(requester) ?? { active: 0, queue: [] };
    this.lanes.set(requester, lane);
    if (lane.active >= this.options.perRequester) await this.wait(requester, lane);
    else lane.active += 1;
    try {
      return await task();
    } finally {
      this.release(requester, lane);
    }
  }

  private wait(requester: string, lane: Lane): Promise<void> {
    if (lane.queue.length >= this.options.maxQueued) return Promise.reject(acquisitionTimeout());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        // The slot is handed over by release(): `active` stays counted.
        start: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          lane.queue.splice(lane.queue.indexOf(waiter), 1);
          if (lane.active === 0 && lane.queue.length === 0) this.lanes.delete(requester);
          reject(acquisitionTimeout());
        }, this.options.waitMs),
      };
      lane.queue.push(waiter);
    });
  }

  private release(requester: string, lane: Lane): void {
    const next = lane.queue.shift();
    if (next) {
      next.start();
      return;
    }
    lane.active -= 1;
    if (lane.active === 0) this.lanes.delete(requester);
  }
}
