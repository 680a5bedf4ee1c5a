/**
 * The webhook retry schedule: how long to wait after each failed attempt, e.g. `5s,5m,30m,2h,5h,10h,10h`
 * (the default: eight attempts over about a day, as Standard Webhooks senders such as Svix do). Each entry
 * is a number with a unit (ms, s, m, h, d) or plain milliseconds; tests compress it (`50ms,50ms,50ms`).
 */
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_DELAY_MS = 7 * 86_400_000;
const MAX_ENTRIES = 50;

/** Delays in milliseconds, or an error message naming the bad entry. */
export function parseRetrySchedule(text: string): { ok: true; delaysMs: number[] } | { ok: false; error: string } {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.length === 1 && /^(none|off)$/i.test(entries[0])) return { ok: true, delaysMs: [] };
  if (entries.length > MAX_ENTRIES) return { ok: false, error: `at most ${MAX_ENTRIES} retries` };
  const delaysMs: number[] = [];
  for (const entry of entries) {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(entry);
    if (!match) return { ok: false, error: `"${entry}" is not a duration like 500ms, 5s, 5m, 2h or 1d` };
    const ms = Math.round(Number(match[1]) * UNIT_MS[(match[2] ?? 'ms').toLowerCase()]);
    if (ms > MAX_DELAY_MS) return { ok: false, error: `"${entry}" is longer than 7 days` };
    delaysMs.push(ms);
  }
  return { ok: true, delaysMs };
}
