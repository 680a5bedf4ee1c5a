import { z } from 'zod';
import type { Database, Tables } from './database.types';
import { uuidSchema } from './job-types';

/** A monthly spending limit (UTC calendar month): the account's (project_id null) or one project's. */
export type Budget = Tables<'budgets'>;

type UsageRow = Database['public']['Functions']['get_budget_usage']['Returns'][number];
/** A budget against the month's spend (a row of get_budget_usage): limit_cents is null where none is set. */
export type BudgetUsage = Omit<UsageRow, 'scope' | 'project_id' | 'project_name' | 'limit_cents'> & {
  scope: 'account' | 'project';
  project_id: string | null;
  project_name: string | null;
  limit_cents: number | null;
};

/** Spend of one UTC month: reserved (queued and running jobs) and settled (finished jobs), in total and per project. */
export interface MonthlySpend {
  /** YYYY-MM */
  month: string;
  reserved_cents: number;
  settled_cents: number;
  projects: { project_id: string; reserved_cents: number; settled_cents: number }[];
}

/** Same bounds as budgets_monthly_limit_cents_check: 0 to $1bn. */
export const monthlyLimitCentsSchema = z
  .number({ message: 'monthly_limit_cents must be a number of cents' })
  .int('monthly_limit_cents must be a whole number of cents')
  .min(0, 'monthly_limit_cents cannot be negative')
  .max(100_000_000_000, 'monthly_limit_cents is at most 100,000,000,000 ($1bn)');

/** A budget to set: for a project, or for the whole account (project_id null or left out). */
export const setBudgetSchema = z
  .object({ project_id: uuidSchema.nullish(), monthly_limit_cents: monthlyLimitCentsSchema })
  .strict();
export type SetBudget = z.input<typeof setBudgetSchema>;

/** A UTC calendar month, YYYY-MM. */
export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month is YYYY-MM');

/** The current UTC month, YYYY-MM. */
export function currentMonth(now: Date = new Date()): string {
  return now.toISOString().slice(0, 7);
}
