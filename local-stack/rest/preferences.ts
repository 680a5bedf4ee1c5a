/**
 * The `Prefer` header as PostgREST reads it (RFC 7240): comma-separated preferences over one or several
 * headers, the first occurrence of each winning; unknown ones kept aside for `handling=strict`.
 */

export interface Preferences {
  resolution: 'merge-duplicates' | 'ignore-duplicates' | null;
  return: 'minimal' | 'representation' | 'headers-only' | null;
  params: 'single-object' | null;
  count: 'exact' | 'planned' | 'estimated' | null;
  /** Only set when the server allows overriding the transaction end (`db-tx-end = *-allow-override`). */
  tx: 'commit' | 'rollback' | null;
  missing: 'default' | 'null' | null;
  handling: 'strict' | 'lenient' | null;
  /** Only set for a time zone the database knows. */
  timezone: string | null;
  maxAffected: number | null;
  /** Preferences not understood (reported with PGRST122 under handling=strict). */
  invalid: string[];
}

const CHOICES: [keyof Preferences, string[]][] = [
  ['resolution', ['merge-duplicates', 'ignore-duplicates']],
  ['return', ['representation', 'minimal', 'headers-only']],
  ['params', ['single-object']],
  ['count', ['exact', 'planned', 'estimated']],
  ['tx', ['commit', 'rollback']],
  ['missing', ['default', 'null']],
  ['handling', ['strict', 'lenient']],
];

const ACCEPTED = new Set(CHOICES.flatMap(([key, values]) => values.map((value) => `${key}=${value}`)));

const NONE: Readonly<Preferences> = {
  resolution: null, return: null, params: null, count: null, tx: null, missing: null, handling: null, timezone: null, maxAffected: null, invalid: [],
};

/** The preferences of a request without a Prefer header (shared: never modified). */
const NONE_APPLIED: Preferences = { ...NONE, invalid: [] };

export function parsePreferences(header: string | undefined, allowTxOverride: boolean, timezones: ReadonlySet<string>): Preferences {
  if (header === undefined || header.trim() === '') return NONE_APPLIED;
  const items = (header ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const first = (key: string, values: string[]) => {
    for (const item of items) {
      const [name, value] = [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)];
      if (item.includes('=') && name === key && values.includes(value)) return value;
    }
    return null;
  };
  const valueOf = (prefix: string) => items.find((item) => item.startsWith(prefix))?.slice(prefix.length) ?? null;

  const timezone = valueOf('timezone=');
  const acceptedTimezone = timezone !== null && timezones.has(timezone) ? timezone : null;
  const maxAffectedText = valueOf('max-affected=');
  const maxAffected = maxAffectedText !== null && /^-?\d+$/.test(maxAffectedText) && Number.isSafeInteger(Number(maxAffectedText)) ? Number(maxAffectedText) : null;

  const preferences = {
    invalid: items.filter(
      (item) =>
        !ACCEPTED.has(item) &&
        !(item.startsWith('timezone=') && acceptedTimezone !== null) &&
        !item.startsWith('max-affected='),
    ),
    timezone: acceptedTimezone,
    maxAffected,
  } as Preferences;
  for (const [key, values] of CHOICES) (preferences as unknown as Record<string, string | null>)[key] = first(key, values);
  if (!allowTxOverride) preferences.tx = null;
  return preferences;
}

/** `Preference-Applied`: the honoured preferences among `kept`, in PostgREST's order. */
export function preferenceApplied(preferences: Preferences, kept: ReadonlySet<keyof Preferences>): string | null {
  if (preferences === NONE_APPLIED) return null;
  const applied: string[] = [];
  const add = (key: keyof Preferences, value: string | number | null) => {
    if (value !== null && kept.has(key)) applied.push(`${key}=${value}`);
  };
  add('resolution', preferences.resolution);
  add('missing', preferences.missing);
  add('return', preferences.return);
  add('params', preferences.params);
  add('count', preferences.count);
  add('tx', preferences.tx);
  add('handling', preferences.handling);
  add('timezone', preferences.timezone);
  if (preferences.handling === 'strict' && kept.has('maxAffected') && preferences.maxAffected !== null) applied.push(`max-affected=${preferences.maxAffected}`);
  return applied.length > 0 ? applied.join(', ') : null;
}
