import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/bcrypt';
import type { AuthConfig } from './auth-config.ts';
import { badRequest, weakPassword } from './errors.ts';

/** bcrypt reads at most 72 bytes; GoTrue refuses longer passwords instead of silently truncating them. */
const PASSWORD_MAX_BYTES = 72;
/** GoTrue's bcrypt cost. */
const BCRYPT_COST = 10;

type PasswordPolicy = AuthConfig['password'];

/** Lengths are bytes, not characters, as in Go's `len(password)`. */
const byteLength = (password: string) => Buffer.byteLength(password, 'utf8');

/** GoTrue's checkPasswordStrength as a value: the weak_password message and reasons, or null. */
export function passwordWeakness(policy: PasswordPolicy, password: string): { message: string; reasons: string[] } | null {
  const messages: string[] = [];
  const reasons: string[] = [];
  if (byteLength(password) < policy.minLength) {
    reasons.push('length');
    messages.push(`Password should be at least ${policy.minLength} characters.`);
  }
  if (policy.requiredCharacters.some((set) => ![...set].some((char) => password.includes(char)))) {
    reasons.push('characters');
    messages.push(`Password should contain at least one character of each: ${policy.requiredCharacters.join(', ')}.`);
  }
  return reasons.length > 0 ? { message: messages.join(' '), reasons } : null;
}

export function assertPasswordAcceptable(policy: PasswordPolicy, password: string): void {
  assertPasswordLength(password);
  const weakness = passwordWeakness(policy, password);
  if (weakness) throw weakPassword(weakness.message, weakness.reasons);
}

export function assertPasswordLength(password: string): void {
  if (byteLength(password) > PASSWORD_MAX_BYTES) {
    throw badRequest('validation_failed', `Password cannot be longer than ${PASSWORD_MAX_BYTES} characters`);
  }
}

/**
 * Hashing runs on libuv's thread pool (native @node-rs/bcrypt), never on the event loop: a burst of
 * sign-ins must not stall every other request the process serves.
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password, BCRYPT_COST);
}

/** A password nobody knows, for users made by magic links, invites and admin creation without one. */
export function randomPassword(): string {
  return randomBytes(32).toString('base64url');
}

/** Accepts `$2a$` (pgcrypto's `crypt(pw, gen_salt('bf'))`, used by SQL seeds) as well as `$2b$`/`$2y$` hashes. */
export async function verifyPassword(password: string, encrypted: string | null): Promise<boolean> {
  if (!encrypted || !encrypted.startsWith('$2')) return false;
  try {
    return await verify(password, encrypted);
  } catch {
    return false;
  }
}
