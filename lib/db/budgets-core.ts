import type { DbClient } from './client-binding';
import { NotFoundError } from './errors';
import { currentMonth, monthSchema, setBudgetSchema, type Budget, type BudgetUsage, type MonthlySpend, type SetBudget } from './budget-types';
import { uuidSchema } from './job-types';
import { parseInput, unwrap } from './query-result';

/**
 * Budgets and spend (docs/GENERATION_JOBS_SCHEMA.md "Budgets and spend"): the caller's monthly limits, and
 * the spend rollup the database keeps. Same shape as the job helpers: the client first, RLS does the rest.
 */

const BUDGET_COLUMNS = 'id, user_id, project_id, monthly_limit_cents, created_at, updated_at';

/** The caller's budgets: the account's (project_id null) first, then per project. */
export async function getBudgets(client: DbClient): Promise<Budget[]> {
  return unwrap(await client.from('budgets').select(BUDGET_COLUMNS).order('project_id', { ascending: true, nullsFirst: true }));
}

/** Creates or changes a budget: one of the caller's projects, or the whole account (project_id null). */
export async function setBudget(client: DbClient, budget: SetBudget): Promise<Budget> {
  const input = parseInput(setBudgetSchema, budget, 'budget');
  return unwrap(
    await client.rpc('set_budget', {
      monthly_limit_cents: input.monthly_limit_cents,
      ...(input.project_id ? { project_id: input.project_id } : {}),
    }),
  );
}

/** Removes the budget of a project, or of the account (null); NotFoundError when there was none. */
export async function deleteBudget(client: DbClient, projectId: string | null): Promise<void> {
  let query = client.from('budgets').delete();
  query = projectId === null ? query.is('project_id', null) : query.eq('project_id', parseInput(uuidSchema, projectId, 'project id'));
  const rows = unwrap(await query.select('id'));
  if (rows.length === 0) throw new NotFoundError(projectId === null ? 'no account budget to remove' : `no budget for project ${projectId}`);
}

/** Each budget against a month's spend (default: the current UTC month): the account's row, then projects'. */
export async function getBudgetUsage(client: DbClient, month: string = currentMonth()): Promise<BudgetUsage[]> {
  const first = `${parseInput(monthSchema, month, 'month')}-01`;
  const rows = unwrap(await client.rpc('get_budget_usage', { for_month: first }));
  return rows.map((row) => ({ ...row, scope: row.scope === 'account' ? 'account' : 'project' }));
}

/** A month's spend from the rollup (default: the current UTC month): total and per project. */
export async function getSpend(client: DbClient, month: string = currentMonth()): Promise<MonthlySpend> {
  const valid = parseInput(monthSchema, month, 'month');
  const rows = unwrap(
    await client.from('job_spend').select('project_id, reserved_cents, settled_cents').eq('month', `${valid}-01`).order('project_id'),
  );
  return {
    month: valid,
    reserved_cents: rows.reduce((sum, row) => sum + row.reserved_cents, 0),
    settled_cents: rows.reduce((sum, row) => sum + row.settled_cents, 0),
    projects: rows,
  };
}

export const budgetQueries = { getBudgets, setBudget, deleteBudget, getBudgetUsage, getSpend };
