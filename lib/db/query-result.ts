import type { PostgrestError } from '@supabase/supabase-js';
import type { z } from 'zod';
import { DatabaseError, fromPostgrestError, fromZodError, UnauthenticatedError } from './errors';

/** Parses helper input with zod; a failure throws ValidationError before any request is made. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error, what);
  return result.data;
}

/** Unwraps a supabase-js response, turning its error into a typed GenerationJobError. */
type Response = { data: unknown; error: PostgrestError | null; status: number };
/** supabase-js answers a union of success (`error: null`) and failure; this is the success's data. */
type SuccessData<R extends Response> = Extract<R, { error: null }>['data'];

export function unwrap<R extends Response>(response: R): SuccessData<R> {
  if (response.error) {
    if (response.status === 401) {
      throw new UnauthenticatedError(response.error.message, response.error);
    }
    throw fromPostgrestError(response.error);
  }
  return response.data as SuccessData<R>;
}

/**
 * A text value the database returned, narrowed to the union the TypeScript types list. An unknown value means a
 * migration added it: `typesFile` needs it too.
 */
export function narrow<T extends readonly string[]>(values: T, value: string, what: string, typesFile: string): T[number] {
  if (!values.includes(value)) throw new DatabaseError(`unknown ${what} "${value}": update ${typesFile} after the migration that added it`);
  return value as T[number];
}
