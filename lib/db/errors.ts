import type { PostgrestError } from '@supabase/supabase-js';
import type { z } from 'zod';

export type JobErrorKind =
  | 'not_found'
  | 'invalid_transition'
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'budget_exceeded'
  | 'database';

interface ErrorSource {
  /** SQLSTATE or PostgREST code, when the database answered. */
  code?: string | null;
  details?: string | null;
  hint?: string | null;
}

/**
 * Every failure of the lib/db helpers. `kind` says what happened; `code` is the SQLSTATE or PostgREST
 * code when the database answered, and `message` is the database's own message.
 */
export abstract class GenerationJobError extends Error {
  abstract readonly kind: JobErrorKind;
  readonly code: string | null;
  readonly details: string | null;
  readonly hint: string | null;

  constructor(message: string, source: ErrorSource = {}) {
    super(message);
    this.name = new.target.name;
    this.code = source.code || null;
    this.details = source.details || null;
    this.hint = source.hint || null;
  }
}

export class NotFoundError extends GenerationJobError {
  readonly kind = 'not_found';
}

export class InvalidTransitionError extends GenerationJobError {
  readonly kind = 'invalid_transition';
}

export class ValidationError extends GenerationJobError {
  readonly kind = 'validation';
  /** Field path → messages, when zod found the problem before any request. */
  readonly fieldErrors: Record<string, string[]>;

  constructor(message: string, source: ErrorSource = {}, fieldErrors: Record<string, string[]> = {}) {
    super(message, source);
    this.fieldErrors = fieldErrors;
  }
}

export class UnauthenticatedError extends GenerationJobError {
  readonly kind = 'unauthenticated';
}

export class ForbiddenError extends GenerationJobError {
  readonly kind = 'forbidden';
}

/** The figures of a budget refusal (PJ008), from the database's DETAIL. */
export interface BudgetRefusal {
  scope: 'account' | 'project';
  /** The project whose budget refused; null for the account's. */
  project_id: string | null;
  /** The UTC month, YYYY-MM. */
  month: string;
  limit_cents: number;
  settled_cents: number;
  /** Reserved by other queued and running jobs, before this request. */
  reserved_cents: number;
  /** What the refused jobs (or edit) needed. */
  requested_cents: number;
  jobs: number;
}

/** A job refused because it would pass a monthly budget (PJ008); `refusal` holds the figures. */
export class BudgetExceededError extends GenerationJobError {
  readonly kind = 'budget_exceeded';
  readonly refusal: BudgetRefusal | null;

  constructor(message: string, source: ErrorSource = {}) {
    super(message, source);
    this.refusal = parseRefusal(source.details);
  }
}

function parseRefusal(details: string | null | undefined): BudgetRefusal | null {
  if (!details) return null;
  try {
    const value = JSON.parse(details) as Partial<BudgetRefusal>;
    const numbers = [value.limit_cents, value.settled_cents, value.reserved_cents, value.requested_cents, value.jobs];
    if ((value.scope === 'account' || value.scope === 'project') && typeof value.month === 'string' && numbers.every((n) => typeof n === 'number')) {
      return value as BudgetRefusal;
    }
  } catch {
    // not the JSON the budget check writes
  }
  return null;
}

export class DatabaseError extends GenerationJobError {
  readonly kind = 'database';
}

type ErrorClass = new (message: string, source: ErrorSource) => GenerationJobError;

/** SQLSTATEs of the migrations (docs/GENERATION_JOBS_SCHEMA.md#error-codes) and PostgREST codes. */
const BY_CODE: Record<string, ErrorClass> = {
  PJ001: InvalidTransitionError,
  PJ002: NotFoundError,
  PJ003: ValidationError,
  PJ004: ForbiddenError,
  PJ005: ValidationError,
  PJ006: ValidationError,
  PJ007: ValidationError,
  PJ008: BudgetExceededError, // a monthly budget would be passed
  PJ009: ForbiddenError, // a non-manual job moved by hand
  PJ010: ForbiddenError, // a column the job system owns
  PJ011: ValidationError, // mode not available for the provider
  PJ012: InvalidTransitionError, // delete of a job still queued or running
  '22P02': ValidationError, // invalid text representation (e.g. a malformed uuid)
  '23505': ValidationError, // a repeated idempotency key
  '23502': ValidationError,
  '23514': ValidationError,
  '23503': ForbiddenError, // composite ownership keys: not your project/asset
  '42501': ForbiddenError,
  PGRST116: NotFoundError,
  PGRST301: UnauthenticatedError,
  PGRST302: UnauthenticatedError,
  PGRST303: UnauthenticatedError,
  PS001: ValidationError, // an asset names a Storage object that does not exist
  PI001: ValidationError, // params that are not options of an image mode
  PI002: ValidationError, // an image job without an input photo
  PW001: NotFoundError, // webhook endpoint or delivery not found
  PW002: ForbiddenError, // a webhook column the system manages (the secret…)
  PW003: InvalidTransitionError, // the endpoint is disabled
};

/** Maps a PostgREST error (what supabase-js returns) to a typed error carrying the database's message. */
export function fromPostgrestError(error: PostgrestError, signedIn = true): GenerationJobError {
  // Without a session the database says "permission denied": the caller is not signed in.
  const ErrorType = error.code === '42501' && !signedIn ? UnauthenticatedError : (BY_CODE[error.code] ?? DatabaseError);
  return new ErrorType(error.message, error);
}

export function fromZodError(error: z.ZodError, what: string): ValidationError {
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : '_';
    (fieldErrors[key] ??= []).push(issue.message);
  }
  const summary = error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
  return new ValidationError(`Invalid ${what}: ${summary}`, {}, fieldErrors);
}

/** What storage-js reports for a failed Storage call (StorageApiError): the body's code and message. */
interface StorageFailure {
  message: string;
  /** Storage's semantic status in the body ("403", "404", "409", "413", "415"...). */
  statusCode?: string;
}

const BY_STORAGE_STATUS: Record<string, ErrorClass> = {
  '400': ValidationError,
  '401': UnauthenticatedError,
  '403': ForbiddenError,
  '404': NotFoundError,
  '409': ValidationError,
  '413': ValidationError,
  '415': ValidationError,
};

/** Maps a Storage API error to a typed error carrying Storage's message. */
export function fromStorageError(error: StorageFailure): GenerationJobError {
  const ErrorType = BY_STORAGE_STATUS[error.statusCode ?? ''] ?? DatabaseError;
  return new ErrorType(error.message, { code: error.statusCode ?? null });
}
