const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** Cents (as stored) to dollars for display; averages may carry fractions of a cent. */
export function formatCents(cents: number | string): string {
  return usd.format(Number(cents) / 100);
}

const dateTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' });
const timeOfDay = new Intl.DateTimeFormat('en-US', { timeStyle: 'medium' });

/** What the dashboard shows for a timestamp that names no point in time. */
export const DATE_PLACEHOLDER = 'Unknown';

export type DateInput = string | number | Date | null | undefined;

/**
 * A timestamp as PostgREST sends it (or a Date, or epoch ms) as a valid Date; null for null, `infinity`,
 * `-infinity`, years JavaScript cannot hold, or garbage. Every date the dashboard renders goes through here:
 * Intl throws "Invalid time value" on an invalid Date, and one bad row must not take the page down.
 */
export function parseTimestamp(value: DateInput): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Local date and time; render inside <time suppressHydrationWarning> (server and browser zones differ). */
export function formatDateTime(value: DateInput): string {
  const date = parseTimestamp(value);
  return date ? dateTime.format(date) : DATE_PLACEHOLDER;
}

/** Local time of day, for "updated at" notes. */
export function formatTime(value: DateInput): string {
  const date = parseTimestamp(value);
  return date ? timeOfDay.format(date) : DATE_PLACEHOLDER;
}

/** The `dateTime` attribute of a <time> element: ISO 8601, or undefined when there is no valid date. */
export function isoDateTime(value: DateInput): string | undefined {
  return parseTimestamp(value)?.toISOString();
}

/** The UUID's last 8 hex digits: distinct for random ids and for the seed's sequential ones alike. */
export function shortId(id: string): string {
  return id.slice(-8);
}

/** "$1.25" or "1.25" (dollars, as typed) to whole cents; NaN when it is not a number. */
export function dollarsToCents(value: string): number {
  const trimmed = value.trim().replace(/^\$/, '');
  if (trimmed === '') return 0;
  if (!/^\d+(\.\d{0,2})?$/.test(trimmed)) return Number.NaN;
  return Math.round(Number(trimmed) * 100);
}

/** A duration in milliseconds, short: "850 ms", "1.2 s", "3 min 5 s", "2 h 10 min"; an em dash when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

/** A rate between 0 and 1 as a percentage ("12.5%"); an em dash when there is nothing to rate. */
export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${(rate * 100).toFixed(rate * 100 < 10 ? 1 : 0)}%`;
}

/** A file size as people read it: whole KB below a megabyte, else MB with one decimal. */
export function formatBytes(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
