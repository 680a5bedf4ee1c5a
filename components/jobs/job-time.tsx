import { formatDateTime, isoDateTime, type DateInput } from './format';

/** A timestamp in the viewer's zone (server and browser zones differ, hence suppressHydrationWarning). */
export function JobTime({ iso }: { iso: DateInput }) {
  return (
    <time dateTime={isoDateTime(iso)} suppressHydrationWarning>
      {formatDateTime(iso)}
    </time>
  );
}
