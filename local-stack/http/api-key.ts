import type { HttpResponse } from './types.ts';
import { json } from './types.ts';

/**
 * Routes hosted Supabase's gateway serves without an API key (its Kong `key-auth` plugin is not on them):
 * Auth's links opened from emails and browsers, its JWKS, and all of Storage, which checks the JWT itself
 * (public objects and signed URLs must work in an <img> tag).
 */
const OPEN_PREFIXES = [
  '/auth/v1/verify',
  '/auth/v1/callback',
  '/auth/v1/authorize',
  '/auth/v1/.well-known/jwks.json',
  '/auth/v1/sso/saml/acs',
  '/auth/v1/sso/saml/metadata',
  '/storage/v1',
];

export function isOpenRoute(pathname: string): boolean {
  return OPEN_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

/** The key as Kong's key-auth finds it: the `apikey` header, else the `apikey` query parameter. */
export function apiKeyOf(headers: Record<string, string | string[] | undefined>, search: URLSearchParams): string | undefined {
  const header = headers.apikey;
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value !== '') return value;
  return search.get('apikey') ?? undefined;
}

/** Hosted Supabase's answers when the key is missing or not one of the project's keys. */
export function missingApiKey(): HttpResponse {
  return json(401, { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' });
}

export function invalidApiKey(): HttpResponse {
  return json(401, { message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' });
}
