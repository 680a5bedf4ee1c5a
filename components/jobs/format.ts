const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** Cents (as stored) to dollars for display; averages may carry fractions of a cent. */
export function formatCents(cents: number | string): string {
  return usd.format(Number(cents) / 100);
}

const dateTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' });

/**
 * Local time for display; render inside <time suppressHydrationWarning> (server and browser zones differ).
 * A value that is not a finite time is shown as it is rather than crashing the render.
 */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isFinite(date.getTime()) ? dateTime.format(date) : iso;
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
