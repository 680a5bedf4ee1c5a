import { isIP } from 'node:net';
import type { HttpRequest } from './types.ts';

/**
 * The client's address as GoTrue's GetIPAddress reads it (first valid address in X-Forwarded-For, then
 * X-Real-IP, then the socket): recorded on sessions and MFA challenges.
 */
export function clientIp(request: HttpRequest): string {
  const forwarded = (request.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((part) => part.trim())
    .find((part) => isIP(part) !== 0);
  if (forwarded) return forwarded;
  const realIp = request.headers['x-real-ip']?.trim();
  if (realIp && isIP(realIp) !== 0) return realIp;
  return normalizeAddress(request.remoteAddress) ?? '127.0.0.1';
}

/**
 * The key rate limits count against. Hosted GoTrue trusts a header set by Supabase's own edge; nothing
 * trustworthy stands in front of the local gateway, so the socket address decides and forwarding headers
 * (which any client can forge to get a fresh bucket) are used only when the socket address is unknown.
 */
export function rateLimitKey(request: HttpRequest): string {
  return normalizeAddress(request.remoteAddress) ?? clientIp(request);
}

/** `::ffff:127.0.0.1` (IPv4 on a dual-stack socket) is the same client as `127.0.0.1`. */
function normalizeAddress(address: string | undefined): string | undefined {
  if (!address) return undefined;
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Where a session is started from, as GoTrue's GrantParams records it. */
export function clientOf(request: HttpRequest): { userAgent: string | undefined; ip: string } {
  return { userAgent: request.headers['user-agent'], ip: clientIp(request) };
}
