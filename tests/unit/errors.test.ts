import type { PostgrestError } from '@supabase/supabase-js';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  BudgetExceededError,
  DatabaseError,
  ForbiddenError,
  fromPostgrestError,
  fromZodError,
  InvalidTransitionError,
  NotFoundError,
  UnauthenticatedError,
  ValidationError,
} from '../../lib/db/errors.ts';

const postgrestError = (code: string, message = 'boom'): PostgrestError =>
  ({ code, message, details: 'some details', hint: 'a hint', name: 'PostgrestError' }) as PostgrestError;

describe('fromPostgrestError', () => {
  it.each([
    ['PJ001', InvalidTransitionError, 'invalid_transition'],
    ['PJ002', NotFoundError, 'not_found'],
    ['PJ003', ValidationError, 'validation'],
    ['PJ004', ForbiddenError, 'forbidden'],
    ['PJ005', ValidationError, 'validation'],
    ['PJ006', ValidationError, 'validation'],
    ['PJ007', ValidationError, 'validation'],
    ['PJ008', BudgetExceededError, 'budget_exceeded'],
    ['PW001', NotFoundError, 'not_found'],
    ['PW002', ForbiddenError, 'forbidden'],
    ['PW003', InvalidTransitionError, 'invalid_transition'],
    ['23514', ValidationError, 'validation'],
    ['23503', ForbiddenError, 'forbidden'],
    ['42501', ForbiddenError, 'forbidden'],
    ['PGRST116', NotFoundError, 'not_found'],
    ['PGRST301', UnauthenticatedError, 'unauthenticated'],
    ['XX000', DatabaseError, 'database'],
  ] as const)('%s → %s', (code, ErrorType, kind) => {
    const error = fromPostgrestError(postgrestError(code, `message of ${code}`));
    expect(error).toBeInstanceOf(ErrorType);
    expect(error).toMatchObject({ kind, code, message: `message of ${code}`, details: 'some details', hint: 'a hint' });
  });

  it('a budget refusal carries its figures when DETAIL holds them', () => {
    const figures = { scope: 'account', project_id: null, month: '2026-11', limit_cents: 100, settled_cents: 40, reserved_cents: 50, requested_cents: 20, jobs: 1 };
    const error = fromPostgrestError({ ...postgrestError('PJ008'), details: JSON.stringify(figures) } as PostgrestError);
    expect((error as BudgetExceededError).refusal).toEqual(figures);
    expect((fromPostgrestError(postgrestError('PJ008')) as BudgetExceededError).refusal).toBeNull();
  });

  it('a permission error without a session is unauthenticated', () => {
    expect(fromPostgrestError(postgrestError('42501'), false)).toBeInstanceOf(UnauthenticatedError);
  });
});

describe('fromZodError', () => {
  it('lists every problem with its field', () => {
    const result = z.object({ mode: z.string().min(1, 'mode is required'), cost: z.number() }).safeParse({ mode: '' });
    if (result.success) throw new Error('expected a failure');
    const error = fromZodError(result.error, 'new generation job');
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/^Invalid new generation job: mode: mode is required; cost: /);
    expect(error.fieldErrors.mode).toEqual(['mode is required']);
    expect(error.code).toBeNull();
  });
});
