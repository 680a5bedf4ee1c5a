import { JwtError, verifyJwt, type JwtClaims } from '../http/jwt.ts';
import { ERRORS } from './errors.ts';

/** Who a request runs as: the role and claims the object rows are read and written with. */
export interface Caller {
  role: string;
  claims: JwtClaims;
  /** The JWT's subject: the owner recorded on objects and buckets this caller creates. */
  sub: string | undefined;
  /** A valid JWT came with the request (the anon key counts, as in Storage). */
  authenticated: boolean;
}

const ANON: Caller = { role: 'anon', claims: { role: 'anon' }, sub: undefined, authenticated: false };

/** jsonwebtoken's wording, which hosted Storage passes on in its AccessDenied/InvalidJWT messages. */
export function jwtMessage(error: unknown, token: string): string {
  if (token === '') return 'jwt must be provided';
  if (error instanceof JwtError && error.reason === 'expired') return 'jwt expired';
  const message = error instanceof Error ? error.message : '';
  if (/signature/i.test(message)) return 'invalid signature';
  if (/alg/i.test(message)) return 'invalid algorithm';
  return 'jwt malformed';
}

/**
 * The caller of a Storage route. Like the gateway's request transformer on hosted Supabase, a request with
 * no Authorization header uses its apikey as the bearer token. Routes that serve public objects accept a
 * missing or invalid token as anon; the others refuse it (403 AccessDenied).
 */
export async function callerOf(headers: Record<string, string | undefined>, secret: string, allowAnonymous: boolean): Promise<Caller> {
  const bearer = /^bearer\s+(.*)$/i.exec(headers.authorization?.trim() ?? '');
  const token = (bearer ? bearer[1] : (headers.apikey ?? '')).trim();
  if (token === '' && allowAnonymous) return ANON;
  // Storage's request schema requires the header on these routes (the gateway derives it from the apikey).
  if (headers.authorization === undefined && headers.apikey === undefined) throw ERRORS.missingAuthorization();
  try {
    const claims = await verifyJwt(token, secret);
    const role = typeof claims.role === 'string' && claims.role !== '' ? claims.role : 'anon';
    return { role, claims, sub: typeof claims.sub === 'string' ? claims.sub : undefined, authenticated: true };
  } catch (error) {
    if (allowAnonymous) return ANON;
    throw ERRORS.accessDenied(jwtMessage(error, token));
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `owner` is a uuid column (deprecated), `owner_id` text: Storage fills both when the subject is a uuid. */
export function ownerColumns(sub: string | undefined): { owner: string | null; owner_id: string | null } {
  return { owner: sub && UUID.test(sub) ? sub : null, owner_id: sub ?? null };
}
