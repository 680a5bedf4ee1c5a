import type { Readable } from 'node:stream';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request body exceeds ${limit} bytes`);
  }
}

/** No room in the body budget within the wait: the server is saturated (503). */
export class BodyBudgetExhaustedError extends Error {
  constructor() {
    super('Too many request bodies in flight; try again');
  }
}

interface Waiter {
  bytes: number;
  grant(): void;
}

/**
 * Bytes of request bodies held in memory at once, across all requests. A buffered body reserves its
 * declared length (or the route's limit when chunked) before a byte is read; while the budget is spent,
 * later requests wait in line with their sockets paused (TCP backpressure), so a flood of large bodies
 * cannot grow the process beyond the budget.
 */
export class BodyBudget {
  private used = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly capacity: number,
    private readonly waitMs = 30_000,
  ) {}

  get inUse(): number {
    return this.used;
  }

  /** Resolves with a release function once `bytes` fit; one request may take the whole budget. */
  reserve(bytes: number, signal?: AbortSignal): Promise<() => void> {
    const amount = Math.min(Math.max(bytes, 0), this.capacity);
    const release = this.releaser(amount);
    if (this.queue.length === 0 && this.used + amount <= this.capacity) {
      this.used += amount;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        bytes: amount,
        grant: () => {
          cleanup();
          resolve(release);
        },
      };
      const leave = (error: Error) => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        cleanup();
        reject(error);
        this.drain();
      };
      const timer = setTimeout(() => leave(new BodyBudgetExhaustedError()), this.waitMs);
      const onAbort = () => leave(new Error('request aborted while waiting for the body budget'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.queue.push(waiter);
    });
  }

  private releaser(amount: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= amount;
      this.drain();
    };
  }

  private drain(): void {
    while (this.queue.length > 0 && this.used + this.queue[0].bytes <= this.capacity) {
      const next = this.queue.shift()!;
      this.used += next.bytes;
      next.grant();
    }
  }
}

/**
 * The body's declared length: Content-Length, 0 when a request has neither it nor Transfer-Encoding (HTTP/1.1:
 * no body, so a GET never waits for the body budget), undefined when chunked (length unknown).
 */
export function declaredLength(headers: Record<string, string | string[] | undefined>): number | undefined {
  const raw = headers['content-length'];
  if (typeof raw === 'string' && /^\d+$/.test(raw.trim())) return Number(raw.trim());
  return headers['transfer-encoding'] === undefined ? 0 : undefined;
}

/**
 * Reads a whole body of at most `limit` bytes, holding a reservation in `budget` for it. The returned
 * release must be called once the body is no longer needed (the gateway does it when the response ends).
 */
export async function readBody(
  stream: Readable,
  options: { limit: number; budget: BodyBudget; declared?: number; signal?: AbortSignal },
): Promise<{ body: Buffer; release: () => void }> {
  const { limit, budget, declared } = options;
  if (declared !== undefined && declared > limit) throw new BodyTooLargeError(limit);
  if (declared === 0) return { body: Buffer.alloc(0), release: () => {} };
  const release = await budget.reserve(declared ?? limit, options.signal);
  try {
    const body = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (error: Error | null, value?: Buffer) => {
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('error', onError);
        stream.off('aborted', onAborted);
        if (error) reject(error);
        else resolve(value!);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          // Stop holding bytes; the gateway closes the connection after its 413.
          stream.pause();
          finish(new BodyTooLargeError(limit));
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => finish(null, Buffer.concat(chunks, size));
      const onError = (error: Error) => finish(error);
      const onAborted = () => finish(new Error('request aborted'));
      stream.on('data', onData);
      stream.once('end', onEnd);
      stream.once('error', onError);
      stream.once('aborted', onAborted);
    });
    return { body, release };
  } catch (error) {
    release();
    throw error;
  }
}
