/**
 * Stage 2 (PostgREST's Plan): the typed request resolved against the schema cache into a read, mutation or
 * call plan, the response's media type negotiated, or a typed error. Every identifier a plan holds comes
 * from the cache.
 */
import type { ApiRequest } from './api-request.ts';
import { invalidPreferences, openApiDisabled, tableNotFound, unacceptableMediaType } from './errors.ts';
import { mimeOf, type MediaType } from './media-type.ts';
import { planCall } from './plan-call.ts';
import { planMutation } from './plan-mutate.ts';
import { planReadTree, restrictRows, shapeOf, type ReadContext } from './plan-read.ts';
import type { ActionPlan, Output, Plan } from './plan-types.ts';
import { findRelation, relationsOf, type SchemaCache } from './schema-cache.ts';
import type { ServerConfig } from './server-config.ts';
import { closest, TABLE_MATCH } from './suggestions.ts';

/**
 * The first acceptable media type this server produces (PostgREST's negotiateContent): JSON (array or
 * object, nulls stripped or not), CSV, `*\/*`, and the query plan when db-plan-enabled is on.
 */
function negotiate(accept: MediaType[], planEnabled: boolean): MediaType {
  for (const media of accept) {
    switch (media.kind) {
      case 'json':
      case 'array-stripped':
      case 'object':
      case 'csv':
        return media;
      case 'any':
        return { kind: 'json' };
      case 'plan':
        if (planEnabled && (media.for.kind === 'json' || media.for.kind === 'object' || media.for.kind === 'csv' || media.for.kind === 'array-stripped' || media.for.kind === 'any')) return media;
        break;
      default:
        break;
    }
  }
  throw unacceptableMediaType(accept.map(mimeOf));
}

function outputFor(plan: Plan, media: MediaType): Output {
  const single = media.kind === 'object' || (media.kind === 'plan' && media.for.kind === 'object');
  if (plan.kind !== 'call') return { media, scalar: null, single };
  const { fn } = plan;
  if (fn.returns === 'scalar') return { media, scalar: fn.returnsSet ? 'set' : 'one', single };
  return { media, scalar: null, single: single || (fn.returns === 'composite' && !fn.returnsSet) };
}

export function buildPlan(cache: SchemaCache, config: ServerConfig, request: ApiRequest): ActionPlan {
  const ctx: ReadContext = { cache, schema: request.schema, aggregatesEnabled: config.aggregatesEnabled };
  const { target } = request;
  if (target.kind === 'root') throw openApiDisabled();

  let plan: Plan;
  if (target.kind === 'function') {
    plan = planCall(ctx, request, target.name);
    if (plan.root) restrictRows(plan.root, config.maxRows);
  } else {
    const relation = findRelation(cache, request.schema, target.name);
    if (!relation) {
      throw tableNotFound(request.schema, target.name, closest(target.name, relationsOf(cache, request.schema).map((r) => r.name), TABLE_MATCH));
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      const root = planReadTree(ctx, shapeOf(relation), { kind: 'relation', relation }, relation.name, request, true);
      root.limit = request.limit;
      root.offset = request.offset;
      restrictRows(root, config.maxRows);
      plan = { kind: 'read', relation, root };
    } else {
      plan = planMutation(ctx, relation, request);
    }
  }

  const { preferences } = request;
  if (preferences.handling === 'strict' && preferences.invalid.length > 0) throw invalidPreferences(preferences.invalid);
  const media = negotiate(request.accept, config.planEnabled);
  return { plan, output: outputFor(plan, media), preferences, count: preferences.count };
}
