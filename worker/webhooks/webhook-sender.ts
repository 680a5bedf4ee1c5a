import http from 'node:http';
import https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/** How much of a receiver's answer is read and kept in the attempt log; the rest is never read. */
export const RESPONSE_EXCERPT_BYTES = 2048;

export interface WebhookRequest {
  url: string;
  /** The signature headers (signing.ts); content type and length are added here. */
  headers: Record<string, string>;
  body: string;
}

export interface AttemptResult {
  /** The receiver's status; null when there was no answer (refused, unreachable, timed out). */
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseExcerpt: string | null;
  /** False when sending again cannot help (a refused target, a malformed URL). */
  retryable: boolean;
}

export interface WebhookSenderOptions {
  timeoutMs: number;
  /** Deliver to loopback, private, link-local, CGNAT, ULA… addresses (the local stack). */
  allowPrivateTargets: boolean;
}

const USER_AGENT = 'commerce-pix-webhooks/1.0';

/**
 * POSTs webhooks. Where it may connect is checked by request-filtering-agent on every connection: a literal
 * IP in the URL, and every address DNS returns for a name (so a name that resolves to one public and one
 * private address is refused); the socket then connects to the address that was checked, so a DNS answer
 * that changes between a check and the connection (rebinding) cannot slip through. Loopback, RFC 1918,
 * link-local (169.254.169.254 included), CGNAT, IPv6 ULA, link-local and loopback, IPv4-mapped IPv6 and
 * every other non-unicast range are refused unless `allowPrivateTargets`; 0.0.0.0 and :: always are.
 * Redirects are not followed (a 3xx is a failed attempt), connections are not reused, and only the first
 * RESPONSE_EXCERPT_BYTES of an answer are read.
 */
export class WebhookSender {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(private readonly options: WebhookSenderOptions) {
    const filter = { allowPrivateIPAddress: options.allowPrivateTargets, keepAlive: false };
    this.httpAgent = new RequestFilteringHttpAgent(filter);
    this.httpsAgent = new RequestFilteringHttpsAgent(filter);
  }

  send(request: WebhookRequest): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return Promise.resolve({ statusCode: null, durationMs: 0, error: 'invalid URL', responseExcerpt: null, retryable: false });
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
      return Promise.resolve({ statusCode: null, durationMs: 0, error: 'only http(s) URLs without credentials are delivered to', responseExcerpt: null, retryable: false });
    }

    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: Omit<AttemptResult, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        resolve({ ...result, durationMs: elapsed() });
      };
      const signal = AbortSignal.timeout(this.options.timeoutMs);
      const transport = url.protocol === 'https:' ? https : http;
      const outgoing = transport.request(
        url,
        {
          method: 'POST',
          agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
          signal,
          headers: {
            ...request.headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(request.body)),
            'user-agent': USER_AGENT,
          },
        },
        (response) => {
          const status = response.statusCode ?? null;
          const chunks: Buffer[] = [];
          let size = 0;
          const done = () =>
            finish({
              statusCode: status,
              error: null,
              responseExcerpt: excerpt(chunks),
              retryable: true,
            });
          response.on('data', (chunk: Buffer) => {
            if (size < RESPONSE_EXCERPT_BYTES) {
              const part = chunk.subarray(0, RESPONSE_EXCERPT_BYTES - size);
              chunks.push(part);
              size += part.length;
            }
            // Enough read: the rest of the body (however large) is never read.
            if (size >= RESPONSE_EXCERPT_BYTES) {
              done();
              response.destroy();
            }
          });
          response.on('end', done);
          // The status decides the attempt; a body cut short (timeout, reset) only shortens the excerpt.
          response.on('error', done);
          response.on('close', done);
        },
      );
      outgoing.on('error', (error: Error) => {
        if (signal.aborted) {
          finish({ statusCode: null, error: `timed out after ${this.options.timeoutMs} ms`, responseExcerpt: null, retryable: true });
        } else if (isRefusedTarget(error)) {
          finish({
            statusCode: null,
            error: `refused: ${url.hostname} is a private or reserved address (${error.message.trim()}); set WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow private targets`,
            responseExcerpt: null,
            retryable: false,
          });
        } else {
          finish({ statusCode: null, error: describe(error), responseExcerpt: null, retryable: true });
        }
      });
      outgoing.end(request.body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** request-filtering-agent's refusal ("DNS lookup 10.0.0.1(...) is not allowed. Because, ..."). */
function isRefusedTarget(error: Error): boolean {
  return /^DNS lookup .* is not allowed\./.test(error.message);
}

function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

function excerpt(chunks: Buffer[]): string | null {
  if (chunks.length === 0) return null;
  // Lossy on a multi-byte character cut at the limit.
  return Buffer.concat(chunks).toString('utf8');
}
