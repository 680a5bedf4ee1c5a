/**
 * The SQL of a function call (PostgREST's callPlanToQuery): arguments from the JSON body through
 * json_to_record (typed by the function's parameters), from the query string as typed parameters, or the
 * whole body for one unnamed parameter. The result rows form the `pgrst_source` CTE.
 */
import type { CallPlan } from './plan-types.ts';
import { ident, qualified, type Statement } from './sql.ts';

function callExpression(statement: Statement, plan: CallPlan): { call: string; from: string } {
  const fn = qualified(plan.fn.schema, plan.fn.name);
  const { args } = plan;
  switch (args.kind) {
    case 'none':
      return { call: `${fn}()`, from: '' };
    case 'single': {
      // bytea travels as its hex text form (postgres.js sends every parameter as text here).
      const value = typeof args.value === 'string' ? args.value : `\\x${args.value.toString('hex')}`;
      return { call: `${fn}(${statement.param(value)}::${args.parameter.type})`, from: '' };
    }
    case 'query':
      return {
        call: `${fn}(${args.values
          .map(({ parameter, value }) => `${parameter.variadic ? 'VARIADIC ' : ''}${ident(parameter.name)} := ${statement.param(value)}::${parameter.type}`)
          .join(', ')})`,
        from: '',
      };
    case 'json': {
      const definitions = args.parameters.map((p) => `${ident(p.name)} ${p.type}`).join(', ');
      const named = args.parameters.map((p) => `${p.variadic ? 'VARIADIC ' : ''}${ident(p.name)} := "pgrst_args".${ident(p.name)}`).join(', ');
      return {
        call: `${fn}(${named})`,
        from: ` FROM json_to_record(${statement.param(args.raw)}::json) AS "pgrst_args"(${definitions})`,
      };
    }
  }
}

/** The `pgrst_source` CTE: the function's rows (a scalar result is one column named after the function). */
export function callCte(statement: Statement, plan: CallPlan): string {
  const { call, from } = callExpression(statement, plan);
  if (plan.fn.returns === 'composite') {
    return `"pgrst_source" AS (SELECT "pgrst_call".*${from ? `${from}, LATERAL` : ' FROM'} ${call} AS "pgrst_call")`;
  }
  const name = plan.fn.returns === 'void' ? '"pgrst_scalar"' : ident(plan.fn.name);
  return `"pgrst_source" AS (SELECT ${call} AS ${name}${from})`;
}
