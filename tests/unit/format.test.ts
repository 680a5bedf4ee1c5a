import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATE_PLACEHOLDER, formatDateTime, formatDuration, formatPercent, formatTime, isoDateTime, parseTimestamp } from '../../components/jobs/format.ts';

const expected = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' });

describe('dashboard date formatting', () => {
  it('formats timestamps as PostgREST sends them', () => {
    const iso = '2026-03-14T15:09:26.535+00:00';
    expect(formatDateTime(iso)).toBe(expected.format(new Date(iso)));
    expect(formatTime(iso)).toBe(new Date(iso).toLocaleTimeString('en-US'));
    expect(isoDateTime(iso)).toBe('2026-03-14T15:09:26.535Z');
    expect(formatDateTime(new Date(iso))).toBe(formatDateTime(iso));
    expect(formatDateTime(Date.parse(iso))).toBe(formatDateTime(iso));
  });

  it.each([
    ['infinity', 'infinity'],
    ['-infinity', '-infinity'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
    ['empty string', ''],
    ['garbage', 'not a date'],
    ['a year past JavaScript’s range (PostgreSQL allows up to 294276)', '100000-01-01T00:00:00+00:00'],
    ['a BC date', '0044-03-15 00:00:00+00 BC'],
    ['null', null],
    ['undefined', undefined],
    ['NaN (number)', Number.NaN],
    ['Infinity (number)', Number.POSITIVE_INFINITY],
    ['an invalid Date', new Date('infinity')],
  ])('%s → the placeholder, never a throw', (_label, value) => {
    expect(parseTimestamp(value)).toBeNull();
    expect(formatDateTime(value)).toBe(DATE_PLACEHOLDER);
    expect(formatTime(value)).toBe(DATE_PLACEHOLDER);
    expect(isoDateTime(value)).toBeUndefined();
  });

  it('never throws, whatever it is given', () => {
    const anyInput = fc.oneof(fc.string(), fc.double(), fc.integer(), fc.date({ noInvalidDate: false }), fc.constant(null));
    fc.assert(
      fc.property(anyInput, (value) => {
        const text = formatDateTime(value);
        expect(typeof text).toBe('string');
        expect(text.length).toBeGreaterThan(0);
        expect(typeof formatTime(value)).toBe('string');
        const iso = isoDateTime(value);
        if (iso !== undefined) expect(new Date(iso).toISOString()).toBe(iso);
      }),
      { numRuns: 500 },
    );
  });
});

describe('monitoring figures', () => {
  it('formats durations and rates, with a dash for what is unknown', () => {
    expect([0, 850, 1234, 45_000, 185_000, 7_800_000, null, Number.NaN].map(formatDuration)).toEqual([
      '0 ms', '850 ms', '1.2 s', '45 s', '3 min 5 s', '2 h 10 min', '—', '—',
    ]);
    expect([0, 0.0523, 0.25, 1, null].map(formatPercent)).toEqual(['0.0%', '5.2%', '25%', '100%', '—']);
  });
});
