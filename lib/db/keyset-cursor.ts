import { ValidationError } from './errors';
import { uuidSchema, type Page } from './job-types';

/**
 * Keyset pages newest first: the cursor is the last row's sort key (created_at, id), opaque to callers.
 * Shared by every paged list (jobs, webhook deliveries).
 */

// base64url without Node's Buffer: the browser bundle has no Buffer with that encoding.
function toBase64Url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(value: string): string {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}

function encodeCursor(row: { created_at: string; id: string }): string {
  return toBase64Url(JSON.stringify([row.created_at, row.id]));
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const [createdAt, id] = JSON.parse(fromBase64Url(cursor)) as unknown[];
    if (typeof createdAt === 'string' && !Number.isNaN(Date.parse(createdAt)) && uuidSchema.safeParse(id).success) {
      return [createdAt, id as string];
    }
  } catch {
    // fall through
  }
  throw new ValidationError('Invalid page options: cursor is not one this API returned', {}, {
    cursor: ['cursor is not one this API returned'],
  });
}

/** What a keyset page needs of a query builder (generation_jobs and its archive alike). */
interface KeysetQuery<Q> {
  lte(column: 'created_at', value: string): Q;
  or(filters: string): Q;
}

/** Rows after the cursor, newest first: the `lte` bounds the index scan, the `or` drops the rows of the same instant already shown. */
export function afterCursor<Q extends KeysetQuery<Q>>(query: Q, cursor: string | null | undefined): Q {
  if (!cursor) return query;
  const [createdAt, id] = decodeCursor(cursor);
  return query.lte('created_at', createdAt).or(`created_at.lt."${createdAt}",and(created_at.eq."${createdAt}",id.lt.${id})`);
}

/** One page of `rows` fetched with limit + 1: the extra row only says there is more. */
export function toPage<T extends { created_at: string; id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]) : null };
}
