import { JwtError, verifyJwt, type JwtClaims } from '../http/jwt.ts';
import { jwtClaimsError, jwtDecodeError } from './errors.ts';

/** The database role is `anon` when no token comes with the request (PostgREST's db-anon-role). */
export const ANON_ROLE = 'anon';

export interface AuthResult {
  role: string;
  /** What `request.jwt.claims` holds for the transaction. */
  claims: Record<string, unknown>;
  /** A role other than anon: insufficient privilege is then 403 instead of 401. */
  authenticated: boolean;
}

interface CachedClaims {
  claims: JwtClaims;
  /** Seconds since the epoch after which the token must be verified again (its `exp`). */
  expiresAt: number;
}

const CACHE_LIMIT = 1000;

function decodeSegment(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Where the token comes from: `Authorization: Bearer`, else the `apikey` header when it holds a JWT (as Supabase's gateway does). */
function tokenFrom(headers: Record<string, string | undefined>): string | null {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^bearer(?:\s+(.*))?$/i.exec(authorization.trim());
    if (match) {
      const token = (match[1] ?? '').trim();
      if (token === '') throw jwtDecodeError('Empty JWT is sent in Authorization header');
      return token;
    }
  }
  const apikey = headers.apikey?.trim();
  if (apikey && apikey.split('.').length === 3) return apikey;
  return null;
}

/** Verifies the request's JWT (HS256 with the stack's secret) and picks the database role from its `role` claim. */
export class Authenticator {
  private readonly cache = new Map<string, CachedClaims>();

  constructor(private readonly secret: string) {}

  async authenticate(headers: Record<string, string | undefined>): Promise<AuthResult> {
    const token = tokenFrom(headers);
    if (token === null) return { role: ANON_ROLE, claims: { role: ANON_ROLE }, authenticated: false };
    const claims = await this.verify(token);
    const role = typeof claims.role === 'string' && claims.role !== '' ? claims.role : ANON_ROLE;
    return { role, claims: claims as Record<string, unknown>, authenticated: role !== ANON_ROLE };
  }

  private async verify(token: string): Promise<JwtClaims> {
    const now = Date.now() / 1000;
    const cached = this.cache.get(token);
    if (cached && cached.expiresAt > now) return cached.claims;
    if (cached) this.cache.delete(token);

    const parts = token.split('.');
    if (parts.length !== 3) throw jwtDecodeError(`Expected 3 parts in JWT; got ${parts.length}`);
    const header = decodeSegment(parts[0]);
    if (!header) throw jwtDecodeError("JWT couldn't be decoded");
    if (header.alg !== 'HS256') {
      throw jwtDecodeError('Wrong or unsupported encoding algorithm', `JWT algorithm ${JSON.stringify(header.alg ?? null)} is not supported; only HS256 is`);
    }
    let claims: JwtClaims;
    try {
      claims = await verifyJwt(token, this.secret);
    } catch (error) {
      if (error instanceof JwtError && error.reason === 'expired') throw jwtClaimsError('JWT expired');
      const message = error instanceof Error ? error.message : '';
      if (/"nbf"/.test(message)) throw jwtClaimsError('JWT not yet valid');
      if (/"exp"/.test(message)) throw jwtClaimsError("The JWT 'exp' claim must be a number");
      if (/signature/i.test(message)) throw jwtDecodeError('JWT cryptographic operation failed');
      throw jwtDecodeError("JWT couldn't be decoded");
    }
    const expiresAt = typeof claims.exp === 'number' ? claims.exp : now + 60;
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(token, { claims, expiresAt });
    return claims;
  }
}
