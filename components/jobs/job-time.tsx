import { formatDateTime } from './format';

/** A timestamp for people, with the machine-readable value in dateTime. */
export function JobTime({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} suppressHydrationWarning>
      {formatDateTime(iso)}
    </time>
  );
}
