import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/**
 * A hosted model API for tests, over real HTTP on a free port, speaking the asynchronous prediction protocol
 * as Replicate does: POST /v1/predictions {version, input} or /v1/models/{owner}/{name}/predictions {input}
 * → 201 prediction {id, status: starting, urls}; GET /v1/predictions/{id} moves it through processing to
 * succeeded (output: a URL on this server), failed or canceled; POST …/cancel. Bearer token required.
 * Each model's behaviour is scripted; every request is recorded.
 */
export interface FakeModel {
  /** Polls answered before the prediction finishes (the first answers `starting`, then `processing`). */
  polls?: number;
  outcome?: 'succeed' | 'fail' | 'fail-validation' | 'hang' | 'not-an-image';
  /** Answer the first N creates with 429 and this Retry-After (seconds). */
  rateLimit?: { times: number; retryAfterSeconds: number };
  /** Answer the first N creates with 500. */
  serverErrors?: number;
  /** Hold each create this long before answering. */
  createDelayMs?: number;
  /** The input key the model requires (422 without it). */
  inputKey?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
  at: number;
}

interface PredictionState {
  id: string;
  model: string;
  status: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled';
  polls: number;
  error: string | null;
  output: Buffer | null;
  input: Record<string, unknown>;
}

export interface FakePredictionServer {
  /** API base URL, e.g. http://127.0.0.1:40123/v1 */
  baseUrl: string;
  origin: string;
  token: string;
  requests: RecordedRequest[];
  predictions: Map<string, PredictionState>;
  /** Serves bytes at a URL of this server (an input a model fetches, as from a signed Storage URL). */
  host(bytes: Buffer, type?: string): string;
  close(): Promise<void>;
}

async function readBody(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

/** The model's work: fetch the input image and mirror it (so a test can tell the output came from its input). */
async function predict(input: unknown): Promise<Buffer> {
  if (typeof input !== 'string') throw new Error('input image is not a string');
  let bytes: Buffer;
  if (input.startsWith('data:')) {
    bytes = Buffer.from(input.slice(input.indexOf(',') + 1), 'base64');
  } else {
    const response = await fetch(input);
    if (!response.ok) throw new Error(`could not fetch the input image: HTTP ${response.status}`);
    bytes = Buffer.from(await response.arrayBuffer());
  }
  return sharp(bytes).flop().png().toBuffer();
}

export async function startFakePredictionServer(models: Record<string, FakeModel>): Promise<FakePredictionServer> {
  const token = `r8_${randomBytes(12).toString('hex')}`;
  const requests: RecordedRequest[] = [];
  const predictions = new Map<string, PredictionState>();
  const hosted = new Map<string, { bytes: Buffer; type: string }>();
  const creates = new Map<string, number>();
  let origin = '';

  const json = (response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
  const view = (state: PredictionState) => ({
    id: state.id,
    model: state.model,
    status: state.status,
    input: state.input,
    output: state.status === 'succeeded' ? `${origin}/files/${state.id}.png` : null,
    error: state.error,
    metrics: state.status === 'succeeded' ? { predict_time: 1.25 } : {},
    urls: { get: `${origin}/v1/predictions/${state.id}`, cancel: `${origin}/v1/predictions/${state.id}/cancel` },
  });

  async function create(response: http.ServerResponse, model: string, body: unknown) {
    const behaviour = models[model];
    if (!behaviour) return json(response, 404, { detail: `model ${model} not found`, status: 404 });
    const count = (creates.get(model) ?? 0) + 1;
    creates.set(model, count);
    if (behaviour.createDelayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.createDelayMs));
    if (behaviour.rateLimit && count <= behaviour.rateLimit.times) {
      return json(response, 429, { detail: 'Request was throttled.', status: 429 }, { 'retry-after': String(behaviour.rateLimit.retryAfterSeconds) });
    }
    if (behaviour.serverErrors && count <= behaviour.serverErrors) return json(response, 500, { detail: 'Internal server error', status: 500 });
    const input = ((body as { input?: Record<string, unknown> } | null)?.input ?? {}) as Record<string, unknown>;
    const key = behaviour.inputKey ?? 'image';
    if (!(key in input)) return json(response, 422, { detail: `- input.${key}: ${key} is required`, status: 422, title: 'Input validation failed' });
    const state: PredictionState = { id: randomBytes(10).toString('hex'), model, status: 'starting', polls: 0, error: null, output: null, input };
    predictions.set(state.id, state);
    try {
      state.output = behaviour.outcome === 'not-an-image' ? Buffer.from('%PDF-1.4 not an image') : await predict(input[key]);
    } catch (error) {
      state.status = 'failed';
      state.error = (error as Error).message;
    }
    json(response, 201, view(state));
  }

  function poll(response: http.ServerResponse, state: PredictionState) {
    const behaviour = models[state.model];
    if (state.status === 'starting' || state.status === 'processing') {
      state.polls += 1;
      state.status = 'processing';
      if (behaviour.outcome !== 'hang' && state.polls > (behaviour.polls ?? 0)) {
        if (behaviour.outcome === 'fail') Object.assign(state, { status: 'failed', error: 'CUDA out of memory' });
        else if (behaviour.outcome === 'fail-validation') Object.assign(state, { status: 'failed', error: 'Validation error: scale must be at most 4' });
        else state.status = 'succeeded';
      }
    }
    json(response, 200, view(state));
  }

  const server = http.createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', origin);
      const body = request.method === 'POST' ? await readBody(request) : null;
      requests.push({ method: request.method ?? '', path: url.pathname, authorization: request.headers.authorization, body, at: Date.now() });
      const file = /^\/(files|inputs)\/([^/]+)$/.exec(url.pathname);
      if (file && request.method === 'GET') {
        if (file[1] === 'inputs') {
          const input = hosted.get(file[2]);
          if (!input) return json(response, 404, { detail: 'not found' });
          response.writeHead(200, { 'content-type': input.type, 'content-length': String(input.bytes.length) });
          return response.end(input.bytes);
        }
        const state = predictions.get(file[2].replace(/\.png$/, ''));
        if (!state?.output) return json(response, 404, { detail: 'not found' });
        response.writeHead(200, { 'content-type': 'image/png', 'content-length': String(state.output.length) });
        return response.end(state.output);
      }
      if (request.headers.authorization !== `Bearer ${token}`) return json(response, 401, { detail: 'Invalid token.', status: 401 });
      const modelCreate = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(url.pathname);
      if (modelCreate && request.method === 'POST') return create(response, `${modelCreate[1]}/${modelCreate[2]}`, body);
      if (url.pathname === '/v1/predictions' && request.method === 'POST') {
        return create(response, String((body as { version?: unknown } | null)?.version ?? ''), body);
      }
      const prediction = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(url.pathname);
      const state = prediction ? predictions.get(prediction[1]) : undefined;
      if (prediction && !state) return json(response, 404, { detail: 'Not found.', status: 404 });
      if (state && prediction?.[2] && request.method === 'POST') {
        if (state.status === 'starting' || state.status === 'processing') state.status = 'canceled';
        return json(response, 200, view(state));
      }
      if (state && request.method === 'GET') return poll(response, state);
      json(response, 404, { detail: 'Not found.' });
    })().catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { detail: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: `${origin}/v1`,
    origin,
    token,
    requests,
    predictions,
    host(bytes, type = 'image/png') {
      const id = randomBytes(8).toString('hex');
      hosted.set(id, { bytes, type });
      return `${origin}/inputs/${id}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
