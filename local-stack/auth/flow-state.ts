import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AuthenticationMethod } from './amr.ts';
import type { Db } from './db.ts';
import { badRequest } from './errors.ts';

/** RFC 7636 code challenges: 43 to 128 unreserved characters. */
const CODE_CHALLENGE = /^[a-zA-Z._~0-9-]+$/;

export interface PkceParams {
  code_challenge?: string | null;
  code_challenge_method?: string | null;
}

/** GoTrue's validatePKCEParams; returns true when the request starts a PKCE flow. */
export function validatePkce(params: PkceParams): boolean {
  const challenge = params.code_challenge ?? '';
  const method = params.code_challenge_method ?? '';
  if ((challenge === '') !== (method === '')) {
    throw badRequest('validation_failed', 'PKCE flow requires code_challenge_method and code_challenge');
  }
  if (challenge === '') return false;
  if (challenge.length < 43 || challenge.length > 128) {
    throw badRequest('validation_failed', 'code challenge has to be between 43 and 128 characters');
  }
  if (!CODE_CHALLENGE.test(challenge)) {
    throw badRequest('validation_failed', 'code challenge can only contain alphanumeric characters, hyphens, periods, underscores and tildes');
  }
  if (!['s256', 'plain'].includes(method.toLowerCase())) {
    throw badRequest('validation_failed', `unsupported code_challenge method "${method}"`);
  }
  return true;
}

export interface FlowStateRow {
  id: string;
  user_id: string | null;
  auth_code: string;
  code_challenge_method: string;
  code_challenge: string;
  provider_type: string;
  authentication_method: string;
  created_at: Date;
  auth_code_issued_at: Date | null;
}

/** Stores the challenge of a PKCE flow started for `userId` (GoTrue's generateFlowState). */
export async function createFlowState(
  tx: Db,
  userId: string,
  providerType: string,
  method: AuthenticationMethod,
  params: PkceParams,
): Promise<void> {
  await tx`
    insert into auth.flow_state (
      id, user_id, auth_code, code_challenge_method, code_challenge, provider_type, authentication_method, created_at, updated_at
    ) values (
      ${randomUUID()}, ${userId}, ${randomUUID()}, ${(params.code_challenge_method ?? '').toLowerCase()}::auth.code_challenge_method,
      ${params.code_challenge ?? ''}, ${providerType}, ${method}, now(), now()
    )`;
}

/** GoTrue's issueAuthCode: the user's latest flow for `method` hands out its auth code. */
export async function issueAuthCode(tx: Db, userId: string, method: AuthenticationMethod): Promise<string | null> {
  const [flow] = await tx<{ id: string; auth_code: string }[]>`
    select id, auth_code from auth.flow_state
    where user_id = ${userId} and authentication_method = ${method}
    order by created_at desc limit 1`;
  if (!flow) return null;
  await tx`update auth.flow_state set auth_code_issued_at = now(), updated_at = now() where id = ${flow.id}`;
  return flow.auth_code;
}

export async function findFlowStateByAuthCode(db: Db, authCode: string): Promise<FlowStateRow | null> {
  const [flow] = await db<FlowStateRow[]>`
    select id, user_id, auth_code, code_challenge_method::text as code_challenge_method, code_challenge, provider_type,
      authentication_method, created_at, auth_code_issued_at
    from auth.flow_state where auth_code = ${authCode}`;
  return flow ?? null;
}

/** Magic-link flows count from the code's issue, the others from their start (GoTrue's IsExpired). */
export function isFlowExpired(flow: FlowStateRow, expirySeconds: number): boolean {
  const start = flow.auth_code_issued_at && flow.authentication_method === 'magiclink' ? flow.auth_code_issued_at : flow.created_at;
  return Date.now() > start.getTime() + expirySeconds * 1000;
}

/** True when the verifier answers the stored challenge. */
export function verifierMatches(flow: FlowStateRow, verifier: string): boolean {
  const expected = Buffer.from(flow.code_challenge);
  const actual = Buffer.from(
    flow.code_challenge_method === 's256' ? createHash('sha256').update(verifier).digest('base64url') : verifier,
  );
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
