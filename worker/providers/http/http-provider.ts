import { z } from 'zod';
import { readImageInfo } from '../../../lib/images/image-info.ts';
import type { ImageMode } from '../../../lib/images/image-params.ts';
import { httpModelVariable, type HttpProviderConfig } from '../../config.ts';
import { abortableSleep } from '../abortable-sleep.ts';
import type { ImageInput, ImageProvider, ImageRunContext } from '../image-provider.ts';
import { MAX_OUTPUT_BYTES } from '../image-storage.ts';
import { JobAbortedError, PermanentError, RetryableError } from '../provider.ts';
import { ApiClient, readCapped } from './api-client.ts';

/**
 * The asynchronous prediction protocol of hosted model APIs (Replicate's shape): create a prediction, poll
 * it until it is `succeeded`, `failed` or `canceled` (it passes `starting` and `processing`), download the
 * output URL. Cancel is POST …/cancel.
 */
const predictionSchema = z.object({
  id: z.string().min(1).max(200),
  status: z.enum(['starting', 'processing', 'succeeded', 'failed', 'canceled']),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  urls: z.object({ get: z.string().optional(), cancel: z.string().optional() }).partial().nullish(),
  metrics: z.object({ predict_time: z.number().optional() }).partial().nullish(),
});
type Prediction = z.infer<typeof predictionSchema>;

const RUNNING = new Set<Prediction['status']>(['starting', 'processing']);
/** Polling starts quick (fast models answer in a second) and slows down to HTTP_PROVIDER_POLL_MS. */
const FIRST_POLL_MS = 250;
/** Cancel is best effort and must not hold up the job's end for long. */
const CANCEL_TIMEOUT_MS = 5_000;
/** A failed prediction whose error says the input was refused: another attempt would fail the same way. */
const VALIDATION_ERROR = /validation|invalid|unprocessable|not a valid|must be|unsupported|out of range/i;

function parsePrediction(body: unknown, what: string): Prediction {
  const parsed = predictionSchema.safeParse(body);
  if (!parsed.success) throw new RetryableError(`${what}: the answer is not a prediction (${parsed.error.issues[0]?.message ?? 'unreadable'})`);
  return parsed.data;
}

/** The first URL in a prediction's output: a string, a list of them, or an object with `url`. */
function outputUrl(output: unknown): string | null {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) {
    for (const item of output) {
      const url = outputUrl(item);
      if (url) return url;
    }
  }
  if (output && typeof output === 'object' && typeof (output as { url?: unknown }).url === 'string') return (output as { url: string }).url;
  return null;
}

function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object') return JSON.stringify(error).slice(0, 500);
  return 'no reason given';
}

/**
 * The http image provider: each mode runs the model configured for it (HTTP_PROVIDER_MODEL_<MODE>). The
 * input photo reaches the model as a signed Storage URL (or a data URI) under HTTP_PROVIDER_INPUT_KEY, with
 * the job's params beside it. The prediction's id is stored on the job, so an attempt after a crash or a
 * shutdown resumes a prediction that is still running instead of paying for a second one. A timeout or a
 * cancel request cancels the prediction at the provider.
 */
export function httpImageProvider(config: HttpProviderConfig): ImageProvider {
  const api = new ApiClient(config);
  const modes = Object.keys(config.models) as ImageMode[];

  async function inputValue(input: ImageInput, context: ImageRunContext): Promise<string> {
    if (config.imageInput === 'data-uri') return `data:${input.info.mimeType};base64,${input.bytes.toString('base64')}`;
    // Valid for the whole attempt (the model may fetch it late in a queue), plus a margin.
    return input.signedUrl(Math.ceil(context.job.timeoutMs / 1000) + 600);
  }

  async function create(mode: ImageMode, input: ImageInput, params: Record<string, unknown>, context: ImageRunContext): Promise<Prediction> {
    const model = config.models[mode]!;
    const body = { input: { [config.inputKey]: await inputValue(input, context), ...params } };
    const [name, version] = model.includes('/') ? model.split(':') : [null, model];
    const request = version ? { url: api.url('/predictions'), body: { version, ...body } } : { url: api.url(`/models/${name}/predictions`), body };
    const { body: answer } = await api.json('POST', request.url, request.body, context.signal, `creating a ${mode} prediction with ${model}`);
    return parsePrediction(answer, 'creating a prediction');
  }

  /** The prediction an earlier attempt started, if it can still deliver; null to start a new one. */
  async function resume(id: string, context: ImageRunContext): Promise<Prediction | null> {
    const { status, body } = await api.json('GET', api.url(`/predictions/${encodeURIComponent(id)}`), undefined, context.signal, 'looking up the earlier prediction', [404]);
    if (status === 404) return null;
    const prediction = parsePrediction(body, 'looking up the earlier prediction');
    return RUNNING.has(prediction.status) || prediction.status === 'succeeded' ? prediction : null;
  }

  async function cancel(prediction: Prediction, context: ImageRunContext): Promise<void> {
    const url = prediction.urls?.cancel ?? api.url(`/predictions/${encodeURIComponent(prediction.id)}/cancel`);
    try {
      const response = await fetch(url, { method: 'POST', headers: api.headersFor(url), signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) });
      await response.body?.cancel();
      context.log.info({ predictionId: prediction.id, status: response.status }, 'prediction canceled at the provider');
    } catch (error) {
      context.log.warn({ err: error, predictionId: prediction.id }, 'could not cancel the prediction at the provider');
    }
  }

  async function poll(prediction: Prediction, context: ImageRunContext): Promise<Prediction> {
    let current = prediction;
    let delay = FIRST_POLL_MS;
    while (RUNNING.has(current.status)) {
      await abortableSleep(delay, context.signal);
      delay = Math.min(config.pollMs, Math.round(delay * 1.5));
      const url = current.urls?.get ?? api.url(`/predictions/${encodeURIComponent(current.id)}`);
      current = parsePrediction((await api.json('GET', url, undefined, context.signal, 'polling the prediction')).body, 'polling the prediction');
    }
    return current;
  }

  async function download(url: string, signal: AbortSignal): Promise<Buffer> {
    if (url.startsWith('data:')) {
      const match = /^data:[^;,]*(;base64)?,(.*)$/s.exec(url);
      if (!match) throw new PermanentError('the prediction\'s output is a malformed data URI');
      const bytes = match[1] ? Buffer.from(match[2], 'base64') : Buffer.from(decodeURIComponent(match[2]), 'utf8');
      if (bytes.length > MAX_OUTPUT_BYTES) throw new PermanentError(`the prediction's output is more than ${MAX_OUTPUT_BYTES} bytes`);
      return bytes;
    }
    if (!/^https?:\/\//i.test(url)) throw new PermanentError(`the prediction's output is not an http(s) URL: ${url.slice(0, 100)}`);
    const response = await api.fetch(url, { headers: api.headersFor(url) }, signal, 'downloading the output');
    if (!response.ok) {
      await response.body?.cancel();
      const detail = `downloading the output: HTTP ${response.status}`;
      throw response.status === 429 || response.status >= 500 ? new RetryableError(detail) : new PermanentError(detail);
    }
    return readCapped(response, MAX_OUTPUT_BYTES, 'the output');
  }

  return {
    name: 'http',
    modes,
    // Hosted models bill by run time, known only afterwards; the mode's price is what the job reserves.
    estimate: () => null,
    async run(input, { mode, params }, context) {
      const model = config.models[mode];
      if (!model) throw new PermanentError(`no model is configured for ${mode} (${httpModelVariable(mode)})`);
      let prediction = context.previousProviderJobId ? await resume(context.previousProviderJobId, context) : null;
      if (prediction) {
        context.log.info({ predictionId: prediction.id, status: prediction.status }, 'resuming the prediction of an earlier attempt');
      } else {
        prediction = await create(mode, input, params, context);
        if (!(await context.recordProviderJobId(prediction.id))) {
          // Another worker holds the job now; it may resume this prediction, so it is not canceled.
          throw new RetryableError('the lease was lost while the prediction started');
        }
      }
      try {
        prediction = await poll(prediction, context);
      } catch (error) {
        const reason = context.signal.aborted ? context.signal.reason : null;
        // A timeout or the owner's cancel ends the work at the provider too. After a shutdown or a lost
        // lease the prediction keeps running: the next attempt resumes it.
        if (reason instanceof JobAbortedError && (reason.reason === 'timeout' || reason.reason === 'canceled')) await cancel(prediction, context);
        throw error;
      }

      if (prediction.status === 'failed') {
        const text = errorText(prediction.error);
        const message = `the prediction ${prediction.id} failed: ${text}`;
        throw VALIDATION_ERROR.test(text) ? new PermanentError(message) : new RetryableError(message);
      }
      if (prediction.status === 'canceled') throw new PermanentError(`the prediction ${prediction.id} was canceled at the provider`);
      const url = outputUrl(prediction.output);
      if (!url) throw new PermanentError(`the prediction ${prediction.id} succeeded without an output URL`);
      const bytes = await download(url, context.signal);
      const info = readImageInfo(bytes);
      if (!info) throw new PermanentError(`the output of prediction ${prediction.id} is not a PNG, JPEG or WebP image`);
      return {
        bytes,
        mimeType: info.mimeType,
        width: info.width,
        height: info.height,
        metadata: { predictionId: prediction.id, model, predictTime: prediction.metrics?.predict_time ?? null },
      };
    },
  };
}
