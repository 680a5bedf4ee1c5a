import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageInfo } from '../../lib/images/image-info.ts';
import { parseImageParams, type ImageMode } from '../../lib/images/image-params.ts';
import { productPhoto } from '../../scripts/sample-photos.ts';
import type { HttpProviderConfig } from '../../worker/config.ts';
import { ApiClient, retryAfterMs } from '../../worker/providers/http/api-client.ts';
import { httpImageProvider } from '../../worker/providers/http/http-provider.ts';
import type { ImageOutput } from '../../worker/providers/image-provider.ts';
import { JobAbortedError, PermanentError, RetryableError } from '../../worker/providers/provider.ts';
import { startFakePredictionServer, type FakePredictionServer } from '../support/fake-prediction-server.ts';

// The http provider against a real HTTP server that speaks the prediction protocol (create, poll, output
// URL, cancel), scripted per model: slow predictions, failures, rate limits, timeouts.

let server: FakePredictionServer;
let photo: Buffer;
let inputUrl: string;

beforeAll(async () => {
  server = await startFakePredictionServer({
    'acme/slow': { polls: 3 },
    'acme/versioned': {},
    abc123def4567890abc123def4567890: { polls: 1 },
    'acme/throttled': { rateLimit: { times: 2, retryAfterSeconds: 1 } },
    'acme/throttled-long': { rateLimit: { times: 1, retryAfterSeconds: 3600 } },
    'acme/broken': { serverErrors: 1 },
    'acme/crashes': { outcome: 'fail' },
    'acme/picky': { outcome: 'fail-validation' },
    'acme/wants-img': { inputKey: 'img' },
    'acme/sluggish': { createDelayMs: 2000 },
    'acme/forever': { outcome: 'hang' },
    'acme/pdf': { outcome: 'not-an-image' },
  });
  photo = (await productPhoto({ shape: 'box', width: 160, height: 120 })).bytes;
  inputUrl = server.host(photo);
});
afterAll(async () => {
  await server?.close();
});

function config(model: string, overrides: Partial<HttpProviderConfig> = {}): HttpProviderConfig {
  return {
    baseUrl: server.baseUrl,
    token: server.token,
    models: { upscale: model },
    pollMs: 100,
    requestTimeoutMs: 5_000,
    maxRetryAfterMs: 5_000,
    imageInput: 'url',
    inputKey: 'image',
    ...overrides,
  };
}

interface Run {
  result: Promise<ImageOutput>;
  recorded: string[];
  controller: AbortController;
}

function start(model: string, options: { params?: Record<string, unknown>; previous?: string | null; overrides?: Partial<HttpProviderConfig>; mode?: ImageMode } = {}): Run {
  const mode = options.mode ?? 'upscale';
  const parsed = parseImageParams(mode, options.params ?? {});
  if (!parsed.ok) throw new Error(parsed.error);
  const recorded: string[] = [];
  const controller = new AbortController();
  const provider = httpImageProvider(config(model, options.overrides));
  const result = provider.run({ bytes: photo, info: readImageInfo(photo)!, name: 'box.png', signedUrl: async () => inputUrl }, parsed.value, {
    job: { id: 'j', userId: 'u', projectId: 'p', inputAssetId: 'a', mode, provider: 'http', params: options.params ?? {}, attempt: 1, maxAttempts: 3, costCents: 60, timeoutMs: 60_000 },
    signal: controller.signal,
    log: pino({ level: 'silent' }),
    previousProviderJobId: options.previous ?? null,
    recordProviderJobId: async (id) => {
      recorded.push(id);
      return true;
    },
  });
  return { result, recorded, controller };
}

const requestsTo = (pattern: RegExp) => server.requests.filter((request) => pattern.test(`${request.method} ${request.path}`));

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('http provider: the prediction protocol', () => {
  it('creates a prediction with the input URL and params, records its id, polls a slow one to the end, downloads the output', async () => {
    const run = start('acme/slow', { params: { scale: 4 } });
    const output = await run.result;
    const created = requestsTo(/^POST \/v1\/models\/acme\/slow\/predictions$/);
    expect(created).toHaveLength(1);
    expect(created[0].authorization).toBe(`Bearer ${server.token}`);
    expect(created[0].body).toEqual({ input: { image: inputUrl, scale: 4 } });
    const id = run.recorded[0];
    expect(server.predictions.get(id)).toMatchObject({ status: 'succeeded', polls: 4 });
    expect(requestsTo(new RegExp(`^GET /v1/predictions/${id}$`))).toHaveLength(4);
    // The output is the model's work on this input (the fake mirrors it).
    expect(output).toMatchObject({ mimeType: 'image/png', width: 160, height: 120, metadata: { predictionId: id, model: 'acme/slow', predictTime: 1.25 } });
    const mirrored = await sharp(photo).flop().png().toBuffer();
    expect(output.bytes.equals(mirrored)).toBe(true);
    // The token goes to the API's origin only, never to a URL an answer names elsewhere.
    const client = new ApiClient(config('acme/slow'));
    expect(client.headersFor(`${server.origin}/files/x.png`)).toEqual({ authorization: `Bearer ${server.token}` });
    expect(client.headersFor('https://cdn.example.com/x.png')).toEqual({});
  });

  it('runs a pinned version (owner/name:version, or a bare version id) through POST /predictions', async () => {
    await start('acme/versioned:abc123def4567890abc123def4567890').result;
    const created = requestsTo(/^POST \/v1\/predictions$/);
    expect(created.at(-1)?.body).toMatchObject({ version: 'abc123def4567890abc123def4567890', input: { image: inputUrl } });
    await start('abc123def4567890abc123def4567890', { overrides: { imageInput: 'data-uri' } }).result;
    expect(JSON.stringify(requestsTo(/^POST \/v1\/predictions$/).at(-1)?.body)).toContain('data:image/png;base64,');
  });

  it('waits out a 429 for its Retry-After, then goes on', async () => {
    const before = requestsTo(/acme\/throttled\/predictions/).length;
    await start('acme/throttled').result;
    const creates = requestsTo(/acme\/throttled\/predictions/).slice(before);
    expect(creates).toHaveLength(3);
    for (let i = 1; i < creates.length; i += 1) expect(creates[i].at - creates[i - 1].at).toBeGreaterThanOrEqual(950);
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThan(25_000);
    expect(retryAfterMs('soon')).toBeNull();
  });

  it('classifies failures: retryable (429 too long to wait, 5xx, failed run, timeout, network) or permanent (4xx, validation)', async () => {
    const error = async (run: Run) => run.result.then(() => null, (e: unknown) => e as Error);

    const throttled = await error(start('acme/throttled-long'));
    expect(throttled).toBeInstanceOf(RetryableError);
    expect(throttled?.message).toMatch(/HTTP 429 .* retry after 3600 s/);
    const broken = await error(start('acme/broken'));
    expect(broken).toBeInstanceOf(RetryableError);
    expect(broken?.message).toMatch(/HTTP 500/);
    const crashes = await error(start('acme/crashes'));
    expect(crashes).toBeInstanceOf(RetryableError);
    expect(crashes?.message).toMatch(/failed: CUDA out of memory/);
    const picky = await error(start('acme/picky'));
    expect(picky).toBeInstanceOf(PermanentError);
    expect(picky?.message).toMatch(/Validation error/);
    const refused = await error(start('acme/wants-img'));
    expect(refused).toBeInstanceOf(PermanentError);
    expect(refused?.message).toMatch(/HTTP 422 .*input.img: img is required/);
    const forged = await error(start('acme/slow', { overrides: { token: 'wrong' } }));
    expect(forged).toBeInstanceOf(PermanentError);
    expect(forged?.message).toMatch(/HTTP 401/);
    const slow = await error(start('acme/sluggish', { overrides: { requestTimeoutMs: 300 } }));
    expect(slow).toBeInstanceOf(RetryableError);
    expect(slow?.message).toMatch(/no answer within 300 ms/);
    const nowhere = await error(start('acme/slow', { overrides: { baseUrl: 'http://127.0.0.1:9/v1' } }));
    expect(nowhere).toBeInstanceOf(RetryableError);
    expect(nowhere?.message).toMatch(/network error/);
    const pdf = await error(start('acme/pdf'));
    expect(pdf).toBeInstanceOf(PermanentError);
    expect(pdf?.message).toMatch(/not a PNG, JPEG or WebP/);
  });

  it('a cancel request (or a timeout) cancels the prediction at the provider', async () => {
    for (const reason of ['canceled', 'timeout'] as const) {
      const run = start('acme/forever');
      await until(() => run.recorded.length === 1 && (server.predictions.get(run.recorded[0])?.polls ?? 0) > 0, 'the prediction to be running');
      run.controller.abort(new JobAbortedError(reason, reason));
      await expect(run.result).rejects.toMatchObject({ name: 'JobAbortedError', reason });
      const id = run.recorded[0];
      expect(requestsTo(new RegExp(`^POST /v1/predictions/${id}/cancel$`))).toHaveLength(1);
      expect(server.predictions.get(id)?.status).toBe('canceled');
    }
  });

  it('after a shutdown the prediction keeps running, and the next attempt resumes it instead of paying twice', async () => {
    const first = start('acme/forever');
    await until(() => first.recorded.length === 1, 'the prediction to start');
    first.controller.abort(new JobAbortedError('shutdown', 'the worker is shutting down'));
    await expect(first.result).rejects.toMatchObject({ reason: 'shutdown' });
    const id = first.recorded[0];
    expect(requestsTo(/\/cancel$/).some((request) => request.path.includes(id))).toBe(false);
    // The model finishes meanwhile; the next attempt picks the same prediction up.
    server.predictions.get(id)!.status = 'succeeded';
    const creates = requestsTo(/acme\/forever\/predictions/).length;
    const second = start('acme/forever', { previous: id });
    const output = await second.result;
    expect(output.metadata.predictionId).toBe(id);
    expect(requestsTo(/acme\/forever\/predictions/)).toHaveLength(creates);
    expect(second.recorded).toEqual([]);
    // An earlier prediction that cannot deliver any more (canceled, failed, unknown) gives way to a new one.
    const fresh = start('acme/slow', { previous: 'no-such-prediction' });
    await fresh.result;
    expect(fresh.recorded).toHaveLength(1);
  });
});
