/**
 * Media types as PostgREST decodes them from `Accept` and `Content-Type`, and the `Content-Type` it answers with.
 */

export type PlanFormat = 'json' | 'text';
export type PlanOption = 'analyze' | 'verbose' | 'settings' | 'buffers' | 'wal';

export type MediaType =
  | { kind: 'json' }
  | { kind: 'array-stripped' }
  | { kind: 'object'; stripNulls: boolean }
  | { kind: 'csv' }
  | { kind: 'text' }
  | { kind: 'xml' }
  | { kind: 'octet-stream' }
  | { kind: 'urlencoded' }
  | { kind: 'openapi' }
  | { kind: 'geojson' }
  | { kind: 'any' }
  | { kind: 'plan'; format: PlanFormat; for: MediaType; options: PlanOption[] }
  | { kind: 'other'; name: string };

const PLAN_OPTIONS: PlanOption[] = ['analyze', 'verbose', 'settings', 'buffers', 'wal'];

/** One media type with its parameters (`application/vnd.pgrst.object+json;nulls=stripped`). */
export function decodeMediaType(text: string): MediaType {
  const [rawType, ...rawParams] = text.split(';');
  const type = rawType.trim().toLowerCase();
  const params = rawParams.map((param) => param.trim());
  const stripped = params.length === 1 && params[0] === 'nulls=stripped';
  switch (type) {
    case 'application/json':
      return { kind: 'json' };
    case 'application/geo+json':
      return { kind: 'geojson' };
    case 'text/csv':
      return { kind: 'csv' };
    case 'text/plain':
      return { kind: 'text' };
    case 'text/xml':
      return { kind: 'xml' };
    case 'application/openapi+json':
      return { kind: 'openapi' };
    case 'application/x-www-form-urlencoded':
      return { kind: 'urlencoded' };
    case 'application/octet-stream':
      return { kind: 'octet-stream' };
    case 'application/vnd.pgrst.plan':
    case 'application/vnd.pgrst.plan+text':
    case 'application/vnd.pgrst.plan+json': {
      const format: PlanFormat = type.endsWith('+json') ? 'json' : 'text';
      const forParam = params.find((param) => param.startsWith('for='));
      const optionsParam = params.find((param) => param.startsWith('options='));
      const options = (optionsParam?.slice('options='.length).split('|') ?? []) as string[];
      return {
        kind: 'plan',
        format,
        for: forParam ? decodeMediaType(forParam.slice(4).replace(/^"+|"+$/g, '')) : { kind: 'json' },
        options: PLAN_OPTIONS.filter((option) => options.includes(option)),
      };
    }
    case 'application/vnd.pgrst.object+json':
    case 'application/vnd.pgrst.object':
      return { kind: 'object', stripNulls: stripped };
    case 'application/vnd.pgrst.array+json':
    case 'application/vnd.pgrst.array':
      return stripped ? { kind: 'array-stripped' } : { kind: 'json' };
    case '*/*':
    case '':
      return { kind: 'any' };
    default:
      return { kind: 'other', name: type };
  }
}

/** The media type's name as PostgREST prints it (in Content-Type and in PGRST107). */
export function mimeOf(media: MediaType): string {
  switch (media.kind) {
    case 'json':
      return 'application/json';
    case 'array-stripped':
      return 'application/vnd.pgrst.array+json;nulls=stripped';
    case 'object':
      return media.stripNulls ? 'application/vnd.pgrst.object+json;nulls=stripped' : 'application/vnd.pgrst.object+json';
    case 'csv':
      return 'text/csv';
    case 'text':
      return 'text/plain';
    case 'xml':
      return 'text/xml';
    case 'octet-stream':
      return 'application/octet-stream';
    case 'urlencoded':
      return 'application/x-www-form-urlencoded';
    case 'openapi':
      return 'application/openapi+json';
    case 'geojson':
      return 'application/geo+json';
    case 'any':
      return '*/*';
    case 'plan':
      return `application/vnd.pgrst.plan+${media.format}; for="${mimeOf(media.for)}"${media.options.length > 0 ? `; options=${media.options.join('|')}` : ''}`;
    case 'other':
      return media.name;
  }
}

/** `Content-Type` of a response in this media type. */
export function contentTypeOf(media: MediaType): string {
  return media.kind === 'octet-stream' || media.kind === 'other' ? mimeOf(media) : `${mimeOf(media)}; charset=utf-8`;
}

/** The `Accept` header's media types, most preferred first (by q-value, then position); `*\/*` when absent. */
export function parseAccept(header: string | undefined): MediaType[] {
  if (header === undefined || header.trim() === '') return [{ kind: 'any' }];
  const entries = splitAccept(header)
    .map((entry, index) => {
      const q = /;\s*q=([0-9.]+)/i.exec(entry);
      const quality = q ? Number(q[1]) : 1;
      return { media: decodeMediaType(entry.replace(/;\s*q=[0-9.]+/i, '')), quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((entry) => entry.quality > 0);
  entries.sort((a, b) => b.quality - a.quality || a.index - b.index);
  return entries.length > 0 ? entries.map((entry) => entry.media) : [{ kind: 'any' }];
}

/** Splits at commas outside double quotes (the plan type's `for="…"` may not, but be safe). */
function splitAccept(header: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of header) {
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}
