/**
 * The app's security headers. The fixed ones go on every response (next.config.ts); the Content Security
 * Policy carries a fresh nonce per request, so the proxy (proxy.ts) builds it.
 */

/** For every path, static files included. */
export const STATIC_SECURITY_HEADERS: { key: string; value: string }[] = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()' },
  // frame-ancestors 'none' in the CSP is the modern form; this is for browsers that predate it.
  { key: 'X-Frame-Options', value: 'DENY' },
];

/** 128 random bits, base64: unguessable and new for every request. */
export function createNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

export interface CspOptions {
  nonce: string;
  /** The Supabase project's URL: the browser calls its APIs (REST, Auth, Realtime) and shows its Storage images. */
  supabaseUrl: string;
  /** The app's own origin, for the dev server's HMR WebSocket. */
  appOrigin: string;
  development: boolean;
}

function webSocketOrigin(origin: string): string {
  return origin.replace(/^http/, 'ws');
}

/**
 * Scripts run only with this request's nonce (Next.js puts it on its own scripts; 'strict-dynamic' lets them
 * load their chunks). Inline styles stay allowed: sonner injects its stylesheet without a nonce, and
 * style attributes cannot carry one. In development React needs eval (server error stacks) and Next.js
 * an HMR WebSocket on the app's origin.
 */
export function contentSecurityPolicy({ nonce, supabaseUrl, appOrigin, development }: CspOptions): string {
  const supabase = new URL(supabaseUrl).origin;
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(development ? ["'unsafe-eval'"] : [])],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'blob:', 'data:', supabase],
    'font-src': ["'self'"],
    'connect-src': ["'self'", supabase, webSocketOrigin(supabase), ...(development ? [webSocketOrigin(appOrigin)] : [])],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}
