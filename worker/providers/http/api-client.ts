import { abortableSleep } from '../abortable-sleep.ts';
import { PermanentError, RetryableError } from '../provider.ts';

/** The largest JSON answer read from the API (a prediction with logs is a few KB). */
const MAX_JSON_BYTES = 1024 * 1024;
/** How many times one request waits out a 429 (or, for reads, a 5xx) before the attempt gives up. */
const MAX_TRIES = 5;

export interface ApiClientOptions {
  baseUrl: string;
  token: string | null;
  requestTimeoutMs: number;
  /** A Retry-After longer than this ends the attempt instead (the queue retries the job later). */
  maxRetryAfterMs: number;
}

/** Retry-After as seconds or an HTTP date (RFC 9110), in ms; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Reads a body up to `maxBytes`; a longer one is refused without being held in memory. */
export async function readCapped(response: Response, maxBytes: number, what: string): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new PermanentError(`${what} is ${declared} bytes; at most ${maxBytes} are accepted`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > maxBytes) {
        await response.body.cancel().catch(() => undefined);
        throw new PermanentError(`${what} is more than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks);
}

function describe(body: unknown): string {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    for (const key of ['detail', 'error', 'message', 'title']) {
      if (typeof record[key] === 'string' && record[key]) return record[key];
    }
  }
  return typeof body === 'string' && body ? body.slice(0, 300) : 'no detail';
}

/**
 * JSON over HTTP to a hosted model API, with the failures a queue must tell apart: the job's signal
 * (rethrown as its reason), timeouts and network errors (retryable), 429 (waits its Retry-After, then
 * tries again; too long a wait is retryable later), 5xx (reads are tried again; writes are retryable
 * later, since the server may have acted), and other 4xx (permanent: another attempt would repeat it).
 */
export class ApiClient {
  private readonly origin: string;

  constructor(private readonly options: ApiClientOptions) {
    this.origin = new URL(options.baseUrl).origin;
  }

  url(path: string): string {
    return `${this.options.baseUrl}${path}`;
  }

  /** The token goes only to the API's own origin, never to a URL an answer named elsewhere. */
  headersFor(url: string, extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { ...extra };
    if (this.options.token && new URL(url).origin === this.origin) headers.authorization = `Bearer ${this.options.token}`;
    return headers;
  }

  /** A fetch bounded by the request timeout and the job's signal; failures classified as above. */
  async fetch(url: string, init: RequestInit, signal: AbortSignal, what: string): Promise<Response> {
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    try {
      return await fetch(url, { ...init, redirect: 'follow', signal: AbortSignal.any([signal, timeout]) });
    } catch (error) {
      signal.throwIfAborted();
      if (timeout.aborted) throw new RetryableError(`${what}: no answer within ${this.options.requestTimeoutMs} ms`);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new RetryableError(`${what}: network error (${cause?.code ?? cause?.message ?? (error as Error).message})`);
    }
  }

  /** `allow`: statuses returned to the caller instead of thrown (e.g. 404 when looking for a prediction). */
  async json(
    method: 'GET' | 'POST',
    url: string,
    body: unknown,
    signal: AbortSignal,
    what: string,
    allow: readonly number[] = [],
  ): Promise<{ status: number; body: unknown }> {
    const idempotent = method === 'GET';
    for (let attempt = 1; ; attempt += 1) {
      const response = await this.fetch(
        url,
        {
          method,
          headers: this.headersFor(url, body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' }),
          body: body === undefined ? undefined : JSON.stringify(body),
        },
        signal,
        what,
      );
      const text = (await readCapped(response, MAX_JSON_BYTES, `${what}: the answer`)).toString('utf8');
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: kept as text for the message
      }
      if (response.ok || allow.includes(response.status)) return { status: response.status, body: parsed };

      const status = response.status;
      const wait = retryAfterMs(response.headers.get('retry-after'));
      const transient = status === 429 || status === 408 || (status >= 500 && idempotent);
      if (transient && attempt < MAX_TRIES) {
        const delay = wait ?? Math.min(10_000, 500 * 2 ** (attempt - 1));
        if (delay <= this.options.maxRetryAfterMs) {
          await abortableSleep(delay, signal);
          continue;
        }
      }
      const detail = `${what}: HTTP ${status} (${describe(parsed)})`;
      if (status === 429 || status === 408 || status >= 500) {
        throw new RetryableError(wait !== null ? `${detail}; retry after ${Math.ceil(wait / 1000)} s` : detail);
      }
      throw new PermanentError(detail);
    }
  }
}
