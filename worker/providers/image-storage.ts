import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { StorageConfig } from '../config.ts';
import { PermanentError, RetryableError } from './provider.ts';
import { nodeRealtimeOptions } from '../../lib/supabase/node-realtime.ts';

/** Where generated images go (a bucket of the storage migration; the service role writes it). */
export const OUTPUT_BUCKET = 'generated-images';
/** The generated-images bucket's file_size_limit. */
export const MAX_OUTPUT_BYTES = 25 * 1024 * 1024;
/** The product-images bucket's file_size_limit; generated images can be inputs too, up to theirs. */
export const MAX_INPUT_BYTES = MAX_OUTPUT_BYTES;

interface StorageFailure {
  message: string;
  statusCode?: string;
  status?: number;
}

/** Storage's semantic status ("404", "413", …) of a storage-js error. */
const statusOf = (error: StorageFailure) => Number(error.statusCode ?? error.status ?? 0);

/**
 * The worker's Storage access, with the service role (it bypasses Storage's RLS: the worker reads any
 * user's inputs and writes outputs into generated-images, where users may not write). Failures are
 * classified for the queue: a refusal another attempt would repeat is permanent, the rest retryable.
 */
export class ImageStorage {
  private readonly client: SupabaseClient;

  constructor(config: StorageConfig) {
    this.client = createClient(config.url, config.serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // supabase-js will not build a client on Node < 22 without a WebSocket; the worker never subscribes.
      realtime: nodeRealtimeOptions,
    });
  }

  async download(bucket: string, path: string, signal: AbortSignal): Promise<Buffer> {
    const { data, error } = await this.client.storage.from(bucket).download(path, {}, { signal });
    if (error) {
      signal.throwIfAborted();
      const status = statusOf(error as StorageFailure);
      if (status === 404 || status === 400) throw new PermanentError(`the input file ${bucket}/${path} is not in Storage (${error.message})`);
      throw new RetryableError(`could not download the input from Storage: ${error.message}`);
    }
    if (data.size > MAX_INPUT_BYTES) throw new PermanentError(`the input file is ${data.size} bytes; at most ${MAX_INPUT_BYTES} can be processed`);
    return Buffer.from(await data.arrayBuffer());
  }

  /** Writes (or overwrites: a retried attempt replaces its own output) an object of generated-images. */
  async upload(path: string, bytes: Buffer, contentType: string, signal: AbortSignal): Promise<void> {
    const { error } = await this.client.storage
      .from(OUTPUT_BUCKET)
      .upload(path, bytes, { contentType, upsert: true, cacheControl: '3600' });
    if (error) {
      signal.throwIfAborted();
      const status = statusOf(error as StorageFailure);
      if (status === 413 || status === 415) throw new PermanentError(`Storage refused the output image: ${error.message}`);
      throw new RetryableError(`could not store the output image: ${error.message}`);
    }
  }

  /** Removes objects; missing ones are not an error. Throws on failure (callers decide whether it matters). */
  async remove(bucket: string, paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    const { error } = await this.client.storage.from(bucket).remove(paths);
    if (error) throw new Error(`could not remove ${paths.join(', ')} from ${bucket}: ${error.message}`);
  }

  /** A URL anyone holding it can read the object with, until it expires. */
  async signedUrl(bucket: string, path: string, expiresInSeconds: number): Promise<string> {
    const { data, error } = await this.client.storage.from(bucket).createSignedUrl(path, expiresInSeconds);
    if (error) throw new RetryableError(`could not sign a URL for the input: ${error.message}`);
    return data.signedUrl;
  }
}
