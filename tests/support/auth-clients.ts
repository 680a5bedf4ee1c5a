import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { nodeRealtimeOptions } from '../../lib/supabase/node-realtime.ts';
import type { TestApi } from './api.ts';

/** A browser-like client: PKCE flow, its code verifier kept in memory as a browser keeps it in storage. */
export function pkceClient(api: TestApi): SupabaseClient {
  const store = new Map<string, string>();
  return createClient(api.url, api.anonKey, {
    auth: {
      flowType: 'pkce',
      persistSession: true,
      autoRefreshToken: false,
      detectSessionInUrl: false,
      storage: {
        getItem: (key) => store.get(key) ?? null,
        setItem: (key, value) => void store.set(key, value),
        removeItem: (key) => void store.delete(key),
      },
    },
    realtime: nodeRealtimeOptions,
  });
}

/** A raw call to the Auth API, for statuses, headers and bodies supabase-js hides. */
export async function authRequest(
  api: TestApi,
  path: string,
  init: { method?: string; token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { apikey: api.anonKey, 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01', ...init.headers };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(`${api.url}/auth/v1${path}`, {
    method: init.method ?? (init.body !== undefined || init.rawBody !== undefined ? 'POST' : 'GET'),
    headers,
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    redirect: 'manual',
  });
  const text = await response.text();
  let body: Record<string, unknown> | null = null;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    body = { text };
  }
  return { status: response.status, headers: response.headers, body };
}

/** Follows a mail's link one hop, as a browser would, and returns where /verify sends it. */
export async function followLink(link: string): Promise<URL> {
  const response = await fetch(link, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 303 || !location) throw new Error(`expected a 303 redirect from ${link}, got ${response.status}`);
  return new URL(location);
}
