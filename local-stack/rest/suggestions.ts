/**
 * "Perhaps you meant …" hints: PostgREST's fuzzy matches for tables, functions and relationships, and
 * PostgreSQL's own hint for a misspelt column (which PostgREST passes on with the 42703 error).
 */

function levenshtein(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const saved = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = saved;
    }
  }
  return previous[b.length];
}

function similarity(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return 1;
  return 1 - levenshtein(x, y) / Math.max(x.length, y.length);
}

/** Table and function names need a close match (PostgREST: 0.75); parameter lists and relationships less (0.33). */
export const TABLE_MATCH = 0.75;
export const LOOSE_MATCH = 0.33;

/** The closest candidate at or above a minimum similarity, for hints. */
export function closest(name: string, candidates: Iterable<string>, minimum: number): string | null {
  if (name.length > 200) return null;
  let best: string | null = null;
  let bestScore = minimum;
  for (const candidate of candidates) {
    const score = similarity(name, candidate);
    if (score > bestScore || (score === bestScore && best === null)) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/**
 * PostgreSQL's hint for an unknown column: the columns at the smallest edit distance, if it is at most 3 and
 * at most half the length of the name written; one or two of them, or none when more tie.
 */
export function columnHint(alias: string, name: string, columns: Iterable<string>): string | null {
  if (name.length > 200) return null;
  let distance = 3;
  let matches: string[] = [];
  for (const column of columns) {
    const d = levenshtein(column, name, distance);
    if (d > Math.floor(name.length / 2) || d > distance) continue;
    if (d < distance) {
      distance = d;
      matches = [column];
    } else if (matches.length < 3) matches.push(column);
  }
  const ref = (column: string) => `the column "${alias}.${column}"`;
  if (matches.length === 1) return `Perhaps you meant to reference ${ref(matches[0])}.`;
  if (matches.length === 2) return `Perhaps you meant to reference ${ref(matches[0])} or ${ref(matches[1])}.`;
  return null;
}
