/**
 * Function calls (PostgREST's CallPlan and findProc): the overload whose parameters the arguments name
 * (required ones all given, optional ones any), else a function with one unnamed parameter of the body's type
 * (json/jsonb for JSON, text, xml, bytea); PGRST202 when none fits, PGRST203 when several do.
 */
import type { ApiRequest } from './api-request.ts';
import { ambiguousFunction, functionNotFound, invalidBody, maxAffectedRpcViolation, singleParameterFunctionNotFound } from './errors.ts';
import { attachParams, buildNode, functionShape, shapeOf, type ReadContext } from './plan-read.ts';
import type { CallArguments, CallPlan } from './plan-types.ts';
import type { DbFunction, FunctionParameter, SchemaCache } from './schema-cache.ts';
import { functionNames, functionsNamed } from './schema-cache.ts';
import { closest, LOOSE_MATCH, TABLE_MATCH } from './suggestions.ts';

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The body media that can go whole to one unnamed parameter, and the parameter type each needs. */
const SINGLE_PARAMETER_TYPES = new Map<string, string[]>([
  ['json', ['json', 'jsonb']],
  ['text', ['text']],
  ['xml', ['xml']],
  ['octet-stream', ['bytea']],
]);

function bodyKind(request: ApiRequest): 'json' | 'urlencoded' | 'text' | 'xml' | 'octet-stream' | null {
  if (request.method !== 'POST') return null;
  if (request.payload?.kind === 'raw') return request.payload.media;
  return request.contentType.kind === 'urlencoded' ? 'urlencoded' : 'json';
}

/** PostgREST's matchesParams: required parameters all named, and nothing named that is not a parameter. */
function matchesParameters(fn: DbFunction, keys: Set<string>, kind: ReturnType<typeof bodyKind>): boolean {
  if (fn.parameters.length === 0) return keys.size === 0 && kind !== 'text' && kind !== 'xml' && kind !== 'octet-stream';
  const required = fn.parameters.filter((p) => !p.hasDefault).map((p) => p.name);
  const optional = new Set(fn.parameters.filter((p) => p.hasDefault).map((p) => p.name));
  const rest = [...keys].filter((key) => !optional.has(key));
  return rest.length === required.length && required.every((name) => keys.has(name)) && rest.every((key) => required.includes(key));
}

function takesWholeBody(fn: DbFunction, kind: ReturnType<typeof bodyKind>): boolean {
  if (kind === null || fn.parameters.length !== 1 || fn.parameters[0].name !== '') return false;
  return SINGLE_PARAMETER_TYPES.get(kind === 'urlencoded' ? '' : kind)?.includes(fn.parameters[0].type) ?? false;
}

const signature = (fn: DbFunction) => `${fn.schema}.${fn.name}(${fn.parameters.map((p) => `${p.name} => ${p.type}`).join(', ')})`;

function notFound(cache: SchemaCache, request: ApiRequest, schema: string, name: string, keys: string[], overloads: DbFunction[], kind: ReturnType<typeof bodyKind>) {
  const qualified = `${schema}.${name}`;
  if (kind === 'text' || kind === 'xml' || kind === 'octet-stream') {
    return singleParameterFunctionNotFound(qualified, kind === 'octet-stream' ? 'bytea' : kind);
  }
  let hint: string | null = null;
  if (overloads.length > 0) {
    const list = (names: string[]) => `(${[...names].sort().join(', ')})`;
    const best = closest(list(keys), overloads.map((fn) => list(fn.parameters.map((p) => p.name))), LOOSE_MATCH);
    if (best !== null) hint = `Perhaps you meant to call the function ${qualified}${best}`;
  } else {
    const best = closest(name, functionNames(cache, schema), TABLE_MATCH);
    if (best !== null) hint = `Perhaps you meant to call the function ${schema}.${best}`;
  }
  return functionNotFound(qualified, keys, kind === 'json', hint);
}

function argumentKeys(request: ApiRequest): string[] {
  if (request.method !== 'POST') return [...new Set(request.rpcParams.map(([key]) => key))].sort();
  if (request.columns !== null) return [...new Set(request.columns)].sort();
  const value = request.payload?.kind === 'json' ? request.payload.value : null;
  return isPlainObject(value) ? Object.keys(value).sort() : [];
}

/** A PostgreSQL array literal of text elements, for a variadic parameter given as repeated query parameters. */
const arrayLiteral = (values: string[]) => `{${values.map((value) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;

function callArguments(fn: DbFunction, request: ApiRequest, keys: Set<string>, wholeBody: boolean): CallArguments {
  const payload = request.payload;
  if (wholeBody) {
    const parameter = fn.parameters[0];
    if (payload?.kind === 'raw') return { kind: 'single', parameter, value: parameter.type === 'bytea' ? payload.bytes : payload.bytes.toString('utf8') };
    return { kind: 'single', parameter, value: payload?.kind === 'json' ? payload.raw : 'null' };
  }
  const parameters = fn.parameters.filter((p) => keys.has(p.name));
  if (parameters.length === 0) return { kind: 'none' };
  if (request.method !== 'POST') {
    return {
      kind: 'query',
      values: parameters.map((parameter: FunctionParameter) => {
        const given = request.rpcParams.filter(([key]) => key === parameter.name).map(([, value]) => value);
        return { parameter, value: parameter.variadic ? arrayLiteral(given) : given[given.length - 1] };
      }),
    };
  }
  if (payload?.kind !== 'json' || !isPlainObject(payload.value)) throw invalidBody('Empty or invalid json');
  return { kind: 'json', raw: payload.raw, parameters };
}

export function planCall(ctx: ReadContext, request: ApiRequest, name: string): CallPlan {
  const { cache, schema } = ctx;
  const overloads = functionsNamed(cache, schema, name);
  const kind = bodyKind(request);
  const keys = argumentKeys(request);
  const keySet = new Set(keys);
  const named = overloads.filter((fn) => matchesParameters(fn, keySet, kind));
  const whole = named.length === 0 ? overloads.filter((fn) => takesWholeBody(fn, kind)) : [];
  const candidates = named.length > 0 ? named : whole;
  if (candidates.length === 0) throw notFound(cache, request, schema, name, keys, overloads, kind);
  if (candidates.length > 1) throw ambiguousFunction(candidates.map(signature));
  const fn = candidates[0];

  const { preferences } = request;
  if (preferences.handling === 'strict' && preferences.maxAffected !== null && !fn.returnsSet) throw maxAffectedRpcViolation();

  let root = null;
  if (fn.returns !== 'void') {
    const shape = fn.relation ? shapeOf(fn.relation) : functionShape(fn);
    root = buildNode(ctx, shape, { kind: 'source' }, shape.name, request.select, 0);
    attachParams(root, { filters: request.filters, orders: request.orders, ranges: request.ranges }, true);
    root.limit = request.limit;
    root.offset = request.offset;
  }
  return {
    kind: 'call',
    fn,
    args: callArguments(fn, request, keySet, named.length === 0),
    readOnly: request.method !== 'POST' || fn.volatility !== 'volatile',
    root,
  };
}
