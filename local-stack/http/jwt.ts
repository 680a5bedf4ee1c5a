import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';

/** Claims the stack reads; everything else in a token is passed through untouched. */
export interface JwtClaims extends JWTPayload {
  role?: string;
  email?: string;
  session_id?: string;
}

export class JwtError extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

const key = (secret: string) => new TextEncoder().encode(secret);

/** Verifies an HS256 token signed with the stack's secret; `alg: none` and other algorithms are refused. */
export async function verifyJwt(token: string, secret: string): Promise<JwtClaims> {
  try {
    const { payload } = await jwtVerify<JwtClaims>(token, key(secret), { algorithms: ['HS256'] });
    return payload;
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new JwtError('expired', 'JWT expired');
    throw new JwtError('invalid', error instanceof Error ? error.message : 'invalid JWT');
  }
}

export async function signJwt(claims: JwtClaims, secret: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key(secret));
}
