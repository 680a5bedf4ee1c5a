import { compare, hash } from 'bcryptjs';
import { badRequest, weakPassword } from './errors.ts';

/** GoTrue's defaults: `GOTRUE_PASSWORD_MIN_LENGTH=6`, bcrypt's 72-byte input limit, bcrypt cost 10. */
export const PASSWORD_MIN_LENGTH = 6;
const PASSWORD_MAX_BYTES = 72;
const BCRYPT_COST = 10;

/** Lengths are bytes, not characters, as in Go's `len(password)`. */
const byteLength = (password: string) => Buffer.byteLength(password, 'utf8');

/** The weak-password error GoTrue gives (422 `weak_password` with reasons), or null when strong enough. */
export function passwordWeakness(password: string) {
  if (byteLength(password) < PASSWORD_MIN_LENGTH) {
    return { message: `Password should be at least ${PASSWORD_MIN_LENGTH} characters.`, reasons: ['length'] };
  }
  return null;
}

export function assertPasswordAcceptable(password: string): void {
  if (byteLength(password) > PASSWORD_MAX_BYTES) {
    throw badRequest('validation_failed', `Password cannot be longer than ${PASSWORD_MAX_BYTES} characters`);
  }
  const weakness = passwordWeakness(password);
  if (weakness) throw weakPassword(weakness.message, weakness.reasons);
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, BCRYPT_COST);
}

/** Accepts `$2a$` (pgcrypto's `crypt(pw, gen_salt('bf'))`, used by SQL seeds) as well as `$2b$` hashes. */
export async function verifyPassword(password: string, encrypted: string | null): Promise<boolean> {
  if (!encrypted || !encrypted.startsWith('$2')) return false;
  try {
    return await compare(password, encrypted);
  } catch {
    return false;
  }
}
