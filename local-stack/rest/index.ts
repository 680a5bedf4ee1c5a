/**
 * The local REST API at /rest/v1, PostgREST-compatible (12/13 behaviour). A request flows one way: auth →
 * api-request (parse) → plan (resolve against the schema cache) → query (one statement in one transaction,
 * admitted by the fair-share gate) → response; errors.ts shapes every failure.
 */
import postgres from 'postgres';
import type { Api, HttpRequest, HttpResponse } from '../http/types.ts';
import { rateLimitKey } from '../http/client-ip.ts';
import { Admission } from './admission.ts';
import { parseApiRequest, type ApiRequest } from './api-request.ts';
import { Authenticator, type AuthResult } from './auth.ts';
import { ApiError, connectionError, errorResponse, fromPostgresError, isPostgresError } from './errors.ts';
import { buildPlan } from './plan.ts';
import type { ActionPlan } from './plan-types.ts';
import { execute, type RequestSession } from './query.ts';
import { respond } from './response.ts';
import { findRelation, functionsNamed, loadSchemaCache, type SchemaCache } from './schema-cache.ts';
import { loadServerConfig, type BaseConfig, type ServerConfig } from './server-config.ts';

export interface RestApiOptions {
  /** Connection string for the authenticator role (switches to anon/authenticated/service_role per request). */
  databaseUrl: string;
  jwtSecret: string;
  log?: (line: string) => void;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** statement_timeout for roles that do not set their own (default 10 s). */
  statementTimeoutMs?: number;
  /** Exposed schemas, the default first (config.toml's `[api] schemas`; default public). */
  schemas?: string[];
  /** Schemas after the request's in its search_path (`[api] extra_search_path`). */
  extraSearchPath?: string[];
  /** Most rows a read returns (`[api] max_rows`, default 1000; null: unlimited). */
  maxRows?: number | null;
  /** Transactions one requester may run at once (default: 40% of the pool). */
  perRequester?: number;
}

export interface RestApi extends Api {
  /** Re-reads the catalog now (also done on `NOTIFY pgrst, 'reload schema'`). */
  reloadSchema(): Promise<void>;
  /** Re-reads the in-database configuration, then the catalog (also on `NOTIFY pgrst, 'reload config'`). */
  reloadConfig(): Promise<void>;
}

/** The channel PostgREST listens on; local-stack/bootstrap/schema-reload.sql notifies it on DDL. */
export const RELOAD_CHANNEL = 'pgrst';

/** Errors from the database that mean the schema changed under the cache. */
const STALE_SCHEMA_CODES = new Set(['42P01', '42703', '0A000']);

/**
 * Values reach PostgreSQL as the text the client sent, exactly as PostgREST passes them: postgres.js must not
 * re-encode a parameter because the server inferred boolean/json/date/bytea for it (its default serializers
 * would turn the text 'true' into 'f' or JSON-encode a JSON document twice). Array types are not fetched either,
 * so no array serializer exists; catalog queries return arrays as JSON.
 */
const RAW_TEXT_OIDS = { bool: 16, bytea: 17, json: 114, jsonb: 3802, date: 1082, timestamp: 1114, timestamptz: 1184 };
const rawSerializers = Object.fromEntries(
  Object.entries(RAW_TEXT_OIDS).map(([name, oid]) => [
    `raw_${name}`,
    { to: oid, from: [] as number[], serialize: (value: unknown) => String(value), parse: (raw: string) => raw },
  ]),
);

/** Who a request counts against for the fair share of connections. */
function requesterOf(auth: AuthResult, request: HttpRequest): string {
  if (typeof auth.claims.sub === 'string' && auth.claims.sub !== '') return `sub:${auth.claims.sub}`;
  // The socket address, not a forwarding header a flood could vary to get a fresh share each request.
  return `role:${auth.role}:${rateLimitKey(request)}`;
}

/** PostgREST's answer to OPTIONS: the methods the resource allows. */
function optionsResponse(cache: SchemaCache, request: ApiRequest): HttpResponse {
  let allow = 'OPTIONS,GET,HEAD';
  const { target } = request;
  if (target.kind === 'relation') {
    const relation = findRelation(cache, request.schema, target.name);
    if (relation) {
      const methods = ['OPTIONS,GET,HEAD'];
      if (relation.insertable) methods.push('POST');
      if (relation.insertable && relation.updatable && relation.primaryKey.length > 0) methods.push('PUT');
      if (relation.updatable) methods.push('PATCH');
      if (relation.deletable) methods.push('DELETE');
      allow = methods.join(',');
    }
  } else if (target.kind === 'function') {
    const overloads = functionsNamed(cache, request.schema, target.name);
    allow = overloads.length > 0 && overloads.every((fn) => fn.volatility === 'volatile') ? 'OPTIONS,POST' : 'OPTIONS,GET,HEAD,POST';
  }
  return { status: 200, headers: { 'access-control-allow-origin': '*', allow } };
}

function sessionFor(config: ServerConfig, cache: SchemaCache, request: ApiRequest, action: ActionPlan, auth: AuthResult, defaultTimeoutMs: number): RequestSession {
  const { plan, preferences } = action;
  const settings = cache.roleSettings.get(auth.role) ?? [];
  const rollback =
    config.txEnd === 'rollback' ||
    (config.txEnd === 'rollback-allow-override' && preferences.tx !== 'commit') ||
    (config.txEnd === 'commit-allow-override' && preferences.tx === 'rollback');
  return {
    role: auth.role,
    claims: auth.claims,
    method: request.method,
    path: `/rest/v1${request.path}`,
    headers: request.headers,
    searchPath: [request.schema, ...config.extraSearchPath],
    // The request's schema decides the search path (a role's own search_path would undo Accept-Profile).
    roleSettings: settings.filter(([name]) => name !== 'default_transaction_isolation' && name !== 'search_path'),
    defaultTimeoutMs,
    timezone: preferences.timezone,
    readOnly: plan.kind === 'read' || (plan.kind === 'call' && plan.readOnly),
    rollback,
    maxAffected: preferences.handling === 'strict' ? preferences.maxAffected : null,
    maxRows: config.maxRows,
  };
}

const ISOLATION_LEVELS = new Set(['read committed', 'repeatable read', 'serializable']);
const SERVICE_ROLE = 'service_role';

export async function createRestApi(options: RestApiOptions): Promise<RestApi> {
  const log = options.log ?? (() => {});
  const defaultTimeout = options.statementTimeoutMs ?? 10_000;
  const poolSize = options.poolSize ?? 10;
  const base: BaseConfig = {
    schemas: options.schemas ?? ['public'],
    extraSearchPath: options.extraSearchPath ?? ['public', 'extensions'],
    maxRows: options.maxRows === undefined ? 1000 : options.maxRows,
  };
  const sql = postgres(options.databaseUrl, {
    max: poolSize,
    prepare: false,
    fetch_types: false,
    types: rawSerializers,
    onnotice: () => {},
    idle_timeout: 60,
    connection: { application_name: 'local-stack-rest' },
  });
  const authenticator = new Authenticator(options.jwtSecret);
  const admission = new Admission({ perRequester: options.perRequester ?? Math.max(1, Math.ceil(poolSize * 0.4)), maxQueued: 200, waitMs: 10_000 });

  let config: ServerConfig;
  let cache: SchemaCache;
  try {
    config = await loadServerConfig(sql, base, log);
    cache = await loadSchemaCache(sql, config.schemas);
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw error;
  }

  // Reloads never overlap: a request for one while another runs schedules exactly one more.
  let reloading: Promise<void> | null = null;
  let again = false;
  let configToo = false;
  const reload = (withConfig: boolean): Promise<void> => {
    configToo ||= withConfig;
    if (reloading) {
      again = true;
      return reloading;
    }
    reloading = (async () => {
      do {
        again = false;
        const readConfig = configToo;
        configToo = false;
        try {
          if (readConfig) config = await loadServerConfig(sql, base, log);
          cache = await loadSchemaCache(sql, config.schemas);
          log(`[rest] ${readConfig ? 'config and ' : ''}schema cache reloaded`);
        } catch (error) {
          log(`[rest] reload failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      } while (again);
      reloading = null;
    })();
    return reloading;
  };

  let listening = false;
  const subscription = await sql
    .listen(
      RELOAD_CHANNEL,
      (payload) => {
        if (payload === '' || payload === 'reload schema') void reload(false);
        else if (payload === 'reload config') void reload(true);
      },
      () => {
        // Called on every (re)connection of the listener: changes made while disconnected are picked up.
        if (listening) void reload(true);
        listening = true;
      },
    )
    .catch((error: unknown) => {
      log(`[rest] cannot LISTEN ${RELOAD_CHANNEL}: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    });

  const toApiError = (error: unknown, auth: AuthResult | null): ApiError => {
    if (error instanceof ApiError) return error;
    if (isPostgresError(error)) {
      if (STALE_SCHEMA_CODES.has(error.code)) void reload(false);
      return fromPostgresError(error, auth?.authenticated ?? false);
    }
    const connection = connectionError(error);
    if (connection) return connection;
    log(`[rest] unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return new ApiError(500, 'PGRSTX00', 'Internal error in the local REST API', error instanceof Error ? error.message : null);
  };

  const handle = async (http: HttpRequest): Promise<HttpResponse> => {
    let auth: AuthResult | null = null;
    try {
      auth = await authenticator.authenticate(http.headers);
      const current = { config, cache };
      const request = parseApiRequest(http, {
        schemas: current.config.schemas,
        allowTxOverride: current.config.txEnd.endsWith('allow-override'),
        timezones: current.cache.timezones,
      });
      if (request.method === 'OPTIONS') return optionsResponse(current.cache, request);
      const action = buildPlan(current.cache, current.config, request);
      const session = sessionFor(current.config, current.cache, request, action, auth, defaultTimeout);
      const isolation = current.cache.roleSettings.get(auth.role)?.find(([name]) => name === 'default_transaction_isolation')?.[1].toLowerCase();
      const raw = request.payload?.kind === 'json' ? request.payload.raw : '{}';
      const run = () => execute(sql, action, raw, session, isolation && ISOLATION_LEVELS.has(isolation) ? isolation : 'read committed');
      // The service role is the project's own backend, trusted with the whole pool; everyone else gets a share.
      const result = auth.role === SERVICE_ROLE ? await run() : await admission.run(requesterOf(auth, http), run);
      return respond(request, action, result);
    } catch (error) {
      return errorResponse(toApiError(error, auth));
    }
  };

  return {
    handle,
    reloadSchema: () => reload(false),
    reloadConfig: () => reload(true),
    close: async () => {
      await subscription?.unlisten().catch(() => {});
      await sql.end({ timeout: 5 });
    },
  };
}
