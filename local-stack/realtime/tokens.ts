import { JwtError, verifyJwt } from '../http/jwt.ts';

/** The claims a Realtime socket or channel runs with: `role` and `exp` are required, as hosted Realtime requires. */
export interface ChannelClaims {
  role: string;
  exp: number;
  sub?: string;
  [claim: string]: unknown;
}

/** Why a token was refused, with hosted Realtime's error code (the prefix of its join-error `reason`). */
export class TokenError extends Error {
  constructor(
    readonly code: 'MalformedJWT' | 'InvalidJWTToken' | 'JwtSignatureError' | 'MissingAPIKey',
    message: string,
    /** The HTTP status hosted Realtime answers a refused WebSocket handshake with. */
    readonly status = 401,
  ) {
    super(message);
  }

  /** The `reason` of a join error reply or the `message` of a system error: `Code: message`. */
  get reason(): string {
    return `${this.code}: ${this.message}`;
  }
}

function decodeClaims(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Verifies a token with the stack's secret (HS256, as the other APIs) and applies hosted Realtime's rules:
 * malformed → "The token provided is not a valid JWT"; bad signature → "Failed to validate JWT signature";
 * expired → "Token has expired N seconds ago"; no `role` or `exp` → "Fields `role` and `exp` are required in JWT".
 */
export async function verifyChannelToken(token: unknown, secret: string): Promise<ChannelClaims> {
  if (typeof token !== 'string' || token.trim() === '') throw new TokenError('MissingAPIKey', 'API key is missing');
  const cleaned = token.replace(/\s/g, '');
  const unverified = decodeClaims(cleaned);
  if (!unverified) throw new TokenError('MalformedJWT', 'The token provided is not a valid JWT');
  let claims: Record<string, unknown>;
  try {
    claims = await verifyJwt(cleaned, secret);
  } catch (error) {
    if (error instanceof JwtError && error.reason === 'expired' && typeof unverified.exp === 'number') {
      const ago = Math.max(0, Math.floor(Date.now() / 1000) - unverified.exp);
      throw new TokenError('InvalidJWTToken', `Token has expired ${ago} seconds ago`);
    }
    if (error instanceof Error && /signature|"alg"/i.test(error.message)) {
      throw new TokenError('JwtSignatureError', 'Failed to validate JWT signature');
    }
    throw new TokenError('MalformedJWT', 'The token provided is not a valid JWT');
  }
  if (typeof claims.role !== 'string' || claims.role === '' || typeof claims.exp !== 'number') {
    throw new TokenError('InvalidJWTToken', 'Fields `role` and `exp` are required in JWT');
  }
  return claims as ChannelClaims;
}
