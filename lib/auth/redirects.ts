/** Where relative `next` paths are resolved when checking them; only its origin matters. */
const SITE = 'https://site.invalid';

/**
 * The one check for every `next` redirect target (sign-in, sign-up, /auth/confirm, MFA): resolved against
 * the site origin, it must stay on that origin and be a path that starts with exactly one `/`. Control
 * characters and backslashes refuse the whole value: URL parsers drop tabs and newlines (`/\t/evil.example`
 * becomes `//evil.example`) and read `\` as `/`, and a newline must never reach a Location header.
 */
export function safeNextPath(next: string | null | undefined, fallback = '/jobs-test'): string {
  if (!next || next.length > 2048) return fallback;
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return fallback;
  if (!next.startsWith('/') || next.startsWith('//')) return fallback;
  let url: URL;
  try {
    url = new URL(next, SITE);
  } catch {
    return fallback;
  }
  if (url.origin !== SITE || url.pathname.startsWith('//')) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

export function loginPath(next: string): string {
  return `/login?next=${encodeURIComponent(safeNextPath(next))}`;
}

/** The second-factor step of signing in, with the way back. */
export function mfaChallengePath(next: string): string {
  return `/auth/mfa?next=${encodeURIComponent(safeNextPath(next))}`;
}
