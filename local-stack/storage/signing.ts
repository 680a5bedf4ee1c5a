import { signJwt, verifyJwt, type JwtClaims } from '../http/jwt.ts';
import { jwtMessage } from './caller.ts';
import { ERRORS } from './errors.ts';

/** What a signed URL's token carries: the object it opens and, for render URLs, the transformations. */
export interface SignedUrlClaims extends JwtClaims {
  url: string;
  transformations?: string;
  format?: string;
  /** Signed upload URLs: who the object will belong to, and whether it may replace one. */
  owner?: string;
  upsert?: boolean;
}

/** Tokens are JWTs under the project's JWT secret, as hosted Storage signs them. */
export async function signUrlToken(claims: Omit<SignedUrlClaims, 'iat' | 'exp'>, secret: string, expiresIn: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { role: _role, ...rest } = claims; // never a signing oracle for a role claim
  return signJwt({ ...rest, iat: now, exp: now + expiresIn }, secret);
}

/** Verifies a URL token and that it was issued for `url` (bucket/name). */
export async function verifyUrlToken(token: string | null, url: string, secret: string): Promise<SignedUrlClaims> {
  if (!token) throw ERRORS.missingParameter('token');
  let claims: SignedUrlClaims;
  try {
    claims = (await verifyJwt(token, secret)) as SignedUrlClaims;
  } catch (error) {
    throw ERRORS.invalidJwt(jwtMessage(error, token));
  }
  if (claims.url !== url) throw ERRORS.invalidSignature();
  return claims;
}
