import type { PostgrestError } from '@supabase/supabase-js';
import type { z } from 'zod';

export type JobErrorKind =
  | 'not_found'
  | 'invalid_transition'
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'database';

/**
 * Every failure of the lib/db helpers. `kind` says what happened; `code` is the SQLSTATE or PostgREST
 * code when the database answered, and `message` is the database's own message.
 */
export class GenerationJobError extends Error {
  constructor(
    readonly kind: JobErrorKind,
    message: string,
    readonly code: string | null = null,
    readonly details: string | null = null,
    readonly hint: string | null = null,
  ) {
    super(message);
    this.name = 'GenerationJobError';
  }
}

export class NotFoundError extends GenerationJobError {
  constructor(message: string, code: string | null = null, details: string | null = null, hint: string | null = null) {
    super('not_found', message, code, details, hint);
    this.name = 'NotFoundError';
  }
}

export class InvalidTransitionError extends GenerationJobError {
  constructor(message: string, code: string | null = null, details: string | null = null, hint: string | null = null) {
    super('invalid_transition', message, code, details, hint);
    this.name = 'InvalidTransitionError';
  }
}

export class ValidationError extends GenerationJobError {
  constructor(
    message: string,
    code: string | null = null,
    details: string | null = null,
    hint: string | null = null,
    /** Field path → messages, when zod found the problem before any request. */
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super('validation', message, code, details, hint);
    this.name = 'ValidationError';
  }
}

export class UnauthenticatedError extends GenerationJobError {
  constructor(message: string, code: string | null = null, details: string | null = null, hint: string | null = null) {
    super('unauthenticated', message, code, details, hint);
    this.name = 'UnauthenticatedError';
  }
}

export class ForbiddenError extends GenerationJobError {
  constructor(message: string, code: string | null = null, details: string | null = null, hint: string | null = null) {
    super('forbidden', message, code, details, hint);
    this.name = 'ForbiddenError';
  }
}

export class DatabaseError extends GenerationJobError {
  constructor(message: string, code: string | null = null, details: string | null = null, hint: string | null = null) {
    super('database', message, code, details, hint);
    this.name = 'DatabaseError';
  }
}

type ErrorClass = new (message: string, code: string | null, details: string | null, hint: string | null) => GenerationJobError;

/** SQLSTATEs of the migrations (docs/GENERATION_JOBS_SCHEMA.md#error-codes) and PostgREST codes. */
const BY_CODE: Record<string, ErrorClass> = {
  PJ001: InvalidTransitionError,
  PJ002: NotFoundError,
  PJ003: ValidationError,
  PJ004: ForbiddenError,
  PJ005: ValidationError,
  PJ006: ValidationError,
  PJ007: ValidationError,
  '22P02': ValidationError, // invalid text representation (e.g. a malformed uuid)
  '23502': ValidationError,
  '23514': ValidationError,
  '23503': ForbiddenError, // composite ownership keys: not your project/asset
  '42501': ForbiddenError,
  PGRST116: NotFoundError,
  PGRST301: UnauthenticatedError,
  PGRST302: UnauthenticatedError,
  PGRST303: UnauthenticatedError,
};

/** Maps a PostgREST error (what supabase-js returns) to a typed error carrying the database's message. */
export function fromPostgrestError(error: PostgrestError, signedIn = true): GenerationJobError {
  // Without a session the database says "permission denied": the caller is not signed in.
  const ErrorType = error.code === '42501' && !signedIn ? UnauthenticatedError : (BY_CODE[error.code] ?? DatabaseError);
  return new ErrorType(error.message, error.code || null, error.details || null, error.hint || null);
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
  return new ValidationError(`Invalid ${what}: ${summary}`, null, null, null, fieldErrors);
}
