import { z } from 'zod';

/**
 * Characters that show nothing: controls, every Unicode space, zero-width and joiner characters, bidi
 * marks and isolates, invisible operators, variation selectors, tags, Hangul and braille fillers, the BOM.
 * The same set as public.has_visible_text() in SQL (tests/db/text-rules.test.ts compares them over every
 * code point); the database enforces it, this mirrors it for early, friendly errors.
 */
const VISIBLE_CHARACTER =
  /[^\u0000-\u0020\u007f-\u00a0\u00ad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180f\u2000-\u200f\u2028-\u202f\u205f-\u206f\u2800\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\u{1d173}-\u{1d17a}\u{e0000}-\u{e0fff}]/u;

/** True when `value` has at least one visible character ("not blank"). */
export function hasVisibleText(value: string): boolean {
  return VISIBLE_CHARACTER.test(value);
}

/** A trimmed string of at most `max` characters that is not blank; `blank` is the message for blank input. */
export function visibleTextSchema(blank: string, max: number, tooLong = `at most ${max} characters`) {
  return z.string().trim().max(max, tooLong).refine(hasVisibleText, blank);
}
