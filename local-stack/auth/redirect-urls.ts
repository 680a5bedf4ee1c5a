import { isIP } from 'node:net';
import type { HttpRequest } from '../http/types.ts';
import type { AuthConfig } from './auth-config.ts';

/**
 * GoTrue compiles each GOTRUE_URI_ALLOW_LIST entry as a glob whose separators are `.` and `/`
 * (gobwas/glob): `*` stays within one label or path segment, `**` crosses them, `?` is one character,
 * `[...]` a class and `{a,b}` alternatives. Exact URLs match only themselves.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  let inAlternatives = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '*') {
      if (pattern[index + 1] === '*') {
        source += '.*';
        index++;
      } else {
        source += '[^./]*';
      }
    } else if (char === '?') {
      source += '[^./]';
    } else if (char === '[') {
      const end = pattern.indexOf(']', index + 1);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      const body = pattern.slice(index + 1, end);
      const negated = body.startsWith('!');
      source += `[${negated ? '^' : ''}${(negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&')}]`;
      index = end;
    } else if (char === '{' && !inAlternatives) {
      inAlternatives = true;
      source += '(?:';
    } else if (char === '}' && inAlternatives) {
      inAlternatives = false;
      source += ')';
    } else if (char === ',' && inAlternatives) {
      source += '|';
    } else if (char === '\\' && index + 1 < pattern.length) {
      source += pattern[++index].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  if (inAlternatives) source += ')';
  return new RegExp(`^${source}$`);
}

function rawHostname(url: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url);
  return (match?.[1] ?? '').replace(/^\[|\]$/g, '').toLowerCase();
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * GoTrue's IsRedirectURLValid: the site URL's host (any port or path), a loopback IP, or an allow-list
 * pattern. Decimal-only hosts (`http://2130706433/`) are refused, since browsers read them as IPs.
 */
export function isRedirectUrlValid(config: Pick<AuthConfig, 'siteUrl' | 'uriAllowList'>, redirectUrl: string): boolean {
  if (redirectUrl === '') return false;
  const target = parseUrl(redirectUrl);
  if (!target) return false;
  // The host as written: WHATWG parsing turns `2130706433` or `0x7f.1` into 127.0.0.1, Go's parser does not.
  const hostname = rawHostname(redirectUrl);
  const siteHostname = rawHostname(config.siteUrl);
  if (hostname !== '' && siteHostname === hostname) return true;
  if (/^[0-9]+$/.test(hostname)) return false;
  if (isIP(hostname) !== 0) return hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
  return config.uriAllowList.some((pattern) => globToRegExp(pattern.trim()).test(target.href) || globToRegExp(pattern.trim()).test(redirectUrl));
}

/**
 * GoTrue's GetReferrer: `redirect_to` (query string, or a `redirect_to` header) when allowed, else the
 * Referer header when allowed, else the site URL. `explicit` replaces the query value (bodies that carry it).
 */
export function referrer(config: AuthConfig, request: HttpRequest, explicit?: string): string {
  const requested = explicit ?? request.headers.redirect_to ?? new URLSearchParams(request.query).get('redirect_to') ?? '';
  if (isRedirectUrlValid(config, requested)) return requested;
  const referer = request.headers.referer ?? '';
  if (isRedirectUrlValid(config, referer)) return referer;
  return config.siteUrl;
}
