/** Only same-site paths may be redirect targets (no open redirects through ?next=). */
export function safeNextPath(next: string | null | undefined, fallback = '/jobs-test'): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return fallback;
  return next;
}

export function loginPath(next: string): string {
  return `/login?next=${encodeURIComponent(safeNextPath(next))}`;
}
