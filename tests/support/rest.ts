import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll } from 'vitest';
import { signJwt } from '../../local-stack/http/jwt.ts';
import { startTestApi, type TestApi } from './api.ts';
import { createTestDatabase, type TestDatabase } from './cluster.ts';
import { untypedClient } from './users.ts';

export interface RestResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (null when empty, the text when it is not JSON). */
  json: never;
}

export interface RestInit {
  method?: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

/**
 * Raw requests to /rest/v1 (the anon key unless headers say otherwise), for what supabase-js does not
 * expose: exact status lines, headers, bodies and media types.
 */
export function restFetcher(api: TestApi) {
  return async (pathAndQuery: string, init: RestInit = {}): Promise<RestResponse> => {
    const response = await fetch(`${api.url}/rest/v1${pathAndQuery}`, {
      method: init.method ?? 'GET',
      headers: { apikey: api.anonKey, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, headers: response.headers, text, json: json as never };
  };
}

/** A signed-in user's access token for `sub`, as the Auth API would issue it. */
export function userToken(api: TestApi, sub: string, extra: Record<string, unknown> = {}): Promise<string> {
  return signJwt({ sub, role: 'authenticated', aud: 'authenticated', exp: Math.floor(Date.now() / 1000) + 3600, ...extra }, api.jwtSecret);
}

/** Waits until the API answers `check` truthily (after NOTIFY-driven reloads), or fails after a generous timeout. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface RestSuite {
  db: TestDatabase;
  api: TestApi;
  /** Raw requests (anon key). */
  rest: ReturnType<typeof restFetcher>;
  /** supabase-js with the anon key. */
  anon: SupabaseClient;
}

/**
 * A test file's own database (the migrated template plus `fixture`) and REST API over it, set up before its
 * tests and dropped after them; the returned object is filled in by then.
 */
export function restSuite(fixture: string): RestSuite {
  const suite = {} as RestSuite;
  beforeAll(async () => {
    suite.db = await createTestDatabase();
    await suite.db.sql.unsafe(fixture);
    suite.api = await startTestApi(suite.db);
    suite.rest = restFetcher(suite.api);
    suite.anon = untypedClient(suite.api);
  });
  afterAll(async () => {
    await suite.api?.stop();
    await suite.db?.drop();
  });
  return suite;
}
