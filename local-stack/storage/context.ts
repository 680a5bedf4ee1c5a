import type { StreamRequest, StreamResponse } from '../http/types.ts';
import type { StorageDb } from './db.ts';
import type { DiskStore } from './disk.ts';
import { ERRORS } from './errors.ts';
import { MAX_BODY_BYTES } from '../http/gateway.ts';

/** What every Storage route handler gets: the database, the bytes on disk and the project's settings. */
export interface StorageContext {
  db: StorageDb;
  disk: DiskStore;
  jwtSecret: string;
  /** `[storage] file_size_limit` of config.toml: no upload or bucket limit may exceed it. */
  fileSizeLimit: number;
  log: (line: string) => void;
}

/** A route handler: the request and the path's captured parts (bucket, object name), already decoded. */
export type StorageHandler = (ctx: StorageContext, request: StreamRequest, params: string[]) => Promise<StreamResponse>;

/** A small JSON request body (list, sign, move…), read through the gateway's in-memory budget. */
export async function jsonBody(request: StreamRequest): Promise<Record<string, unknown>> {
  const raw = await request.readBody(MAX_BODY_BYTES);
  if (raw.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw ERRORS.invalidRequest('Body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw ERRORS.invalidRequest('body must be object');
  return value as Record<string, unknown>;
}

export function queryOf(request: StreamRequest): URLSearchParams {
  return new URLSearchParams(request.query);
}
