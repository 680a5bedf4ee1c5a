import { randomInt } from 'node:crypto';

/** The variable that replays a run's property and fuzz tests. */
export const SEED_VARIABLE = 'FAST_CHECK_SEED';

/**
 * The fast-check seed for a test run: the one given in FAST_CHECK_SEED (to replay a run exactly), else a
 * fresh one. fast-check seeds are 32-bit integers.
 */
export function fastCheckSeed(raw = process.env[SEED_VARIABLE]): number {
  if (raw === undefined || raw.trim() === '') return randomInt(-(2 ** 31), 2 ** 31);
  const seed = Number(raw);
  if (!Number.isInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 31) {
    throw new Error(`${SEED_VARIABLE} must be a 32-bit integer (as printed by a previous run), got "${raw}"`);
  }
  return seed;
}
