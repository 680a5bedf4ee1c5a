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

/** Opaque API keys (`sb_publishable_…`, `sb_secret_…`) and the JWT of the role each stands for. */
export type OpaqueKeys = Readonly<Record<string, string>>;

const BEARER = /^bearer\s+(\S+)\s*$/i;

/**
 * What the APIs behind the gateway see of the key, as the CLI's Kong hands it on: an opaque key swapped for
 * its role's JWT (in `apikey` and `Authorization: Bearer`; a user's access token is left as it is), and a key
 * given as the `apikey` query parameter moved into the `apikey` header (key-auth's `hide_credentials`), so it
 * never reaches PostgREST as a filter.
 */
export function upstreamCredentials(
  headers: Record<string, string | undefined>,
  query: string,
  opaque: OpaqueKeys,
  /** Realtime's handshake reads the key from the query (as hosted Realtime does): swap it there instead. */
  { keepQueryKey = false }: { keepQueryKey?: boolean } = {},
): { headers: Record<string, string | undefined>; query: string } {
  const jwtOf = (value: string) => (Object.hasOwn(opaque, value) ? opaque[value] : value);
  const upstream = { ...headers };
  const pairs = query === '' ? [] : query.split('&');
  const queryPair = pairs.find((pair) => pair.startsWith('apikey='));
  const queryKey = queryPair === undefined ? undefined : decodeURIComponentSafe(queryPair.slice('apikey='.length));
  const headerKey = headers.apikey?.trim();
  if (headerKey) upstream.apikey = jwtOf(headerKey);
  else if (queryKey && !keepQueryKey) upstream.apikey = jwtOf(queryKey);
  const bearer = BEARER.exec(headers.authorization ?? '')?.[1];
  if (bearer) upstream.authorization = `Bearer ${jwtOf(bearer)}`;
  const kept = keepQueryKey
    ? pairs.map((pair) => (pair === queryPair && queryKey ? `apikey=${encodeURIComponent(jwtOf(queryKey))}` : pair))
    : pairs.filter((pair) => !pair.startsWith('apikey='));
  return { headers: upstream, query: kept.join('&') };
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
