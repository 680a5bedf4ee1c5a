import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { Db } from './db.ts';
import type { TokenColumn } from './users.ts';

/** A code of `length` digits, uniformly random (GoTrue's crypto.GenerateOtp). */
export function generateOtp(length: number): string {
  let otp = '';
  for (let index = 0; index < length; index++) otp += String(randomInt(10));
  return otp;
}

/** What GoTrue stores and puts in links: the hex SHA-224 of the address and the code. */
export function tokenHash(identifier: string, otp: string): string {
  return createHash('sha224').update(identifier + otp).digest('hex');
}

/** Links of PKCE flows carry the prefix, so /verify knows to answer with `?code=` instead of tokens. */
export function withFlowPrefix(hash: string, pkce: boolean): string {
  return pkce ? `pkce_${hash}` : hash;
}

/** auth.one_time_tokens.token_type for each token column (GoTrue writes both since 2024). */
const TOKEN_TYPES: Record<TokenColumn, string> = {
  confirmation_token: 'confirmation_token',
  recovery_token: 'recovery_token',
  email_change_token_new: 'email_change_token_new',
  email_change_token_current: 'email_change_token_current',
  reauthentication_token: 'reauthentication_token',
};

/** GoTrue's CreateOneTimeToken: one row per user and token type, replaced by the next one. */
export async function recordOneTimeToken(tx: Db, userId: string, column: TokenColumn, hash: string, relatesTo: string): Promise<void> {
  await tx`
    insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to, created_at, updated_at)
    values (${randomUUID()}, ${userId}, ${TOKEN_TYPES[column]}::auth.one_time_token_type, ${hash}, ${relatesTo}, now(), now())
    on conflict (user_id, token_type) do update
      set token_hash = excluded.token_hash, relates_to = excluded.relates_to, updated_at = excluded.updated_at`;
}

export async function clearOneTimeTokens(tx: Db, userId: string, columns?: TokenColumn[]): Promise<void> {
  if (!columns) await tx`delete from auth.one_time_tokens where user_id = ${userId}`;
  else await tx`delete from auth.one_time_tokens where user_id = ${userId} and token_type::text = any(${columns.map((c) => TOKEN_TYPES[c])})`;
}

/** GoTrue's isOtpExpired: a token is good for `expirySeconds` after it was sent. */
export function isExpired(sentAt: Date | null, expirySeconds: number): boolean {
  return sentAt === null || Date.now() > sentAt.getTime() + expirySeconds * 1000;
}
