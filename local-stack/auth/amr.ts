import { randomUUID } from 'node:crypto';
import type { Db } from './db.ts';

/** GoTrue's AuthenticationMethod names, as they appear in `amr` and flow_state.authentication_method. */
export type AuthenticationMethod =
  | 'password'
  | 'otp'
  | 'oauth'
  | 'totp'
  | 'recovery'
  | 'invite'
  | 'magiclink'
  | 'email/signup'
  | 'email_change'
  | 'anonymous'
  | 'mfa/phone';

/** Methods that prove a second factor: a session holding one is AAL2. */
const SECOND_FACTORS = new Set(['totp', 'mfa/phone', 'mfa/webauthn']);

/** The verification types of /verify and the method each proves (GoTrue's ParseAuthenticationMethod). */
export function methodForVerificationType(type: string): AuthenticationMethod | null {
  switch (type) {
    case 'signup':
      return 'email/signup';
    case 'invite':
      return 'invite';
    case 'recovery':
      return 'recovery';
    case 'magiclink':
      return 'magiclink';
    case 'email_change':
      return 'email_change';
    default:
      return null;
  }
}

/** GoTrue's AddClaimToSession: one row per session and method, refreshed when the method is used again. */
export async function addAmrClaim(tx: Db, sessionId: string, method: AuthenticationMethod): Promise<void> {
  await tx`
    insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
    values (${randomUUID()}, ${sessionId}, now(), now(), ${method})
    on conflict (session_id, authentication_method) do update set updated_at = excluded.updated_at`;
}

export interface AmrEntry {
  method: string;
  timestamp: number;
}

/** GoTrue's CalculateAALAndAMR: most recent method first; AAL2 once a second factor was proven. */
export async function sessionAssurance(db: Db, sessionId: string): Promise<{ aal: 'aal1' | 'aal2'; amr: AmrEntry[] }> {
  const claims = await db<{ method: string; at: Date }[]>`
    select authentication_method as method, updated_at as at from auth.mfa_amr_claims
    where session_id = ${sessionId} order by updated_at desc, authentication_method`;
  return {
    aal: claims.some((claim) => SECOND_FACTORS.has(claim.method)) ? 'aal2' : 'aal1',
    amr: claims.map((claim) => ({ method: claim.method, timestamp: Math.floor(claim.at.getTime() / 1000) })),
  };
}
