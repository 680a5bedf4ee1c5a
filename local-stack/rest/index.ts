/**
 * The local REST API at /rest/v1, PostgREST-compatible for the subset supabase-js uses.
 * A request flows one way: api-request (parse) → plan (resolve against the schema cache) → query (SQL in one
 * transaction) → response. auth.ts verifies the JWT; errors.ts shapes every failure.
 */
import postgres from 'postgres';
import type { Api, HttpRequest, HttpResponse } from '../http/types.ts';
import { parseApiRequest } from './api-request.ts';
import { Authenticator, type AuthResult } from './auth.ts';
import { ApiError, connectionError, errorResponse, fromPostgresError, isPostgresError } from './errors.ts';
import { buildPlan, type Plan } from './plan.ts';
import { execute } from './query.ts';
import { respond } from './response.ts';
import { loadSchemaCache, type SchemaCache } from './schema-cache.ts';

export interface RestApiOptions {
  /** Connection string for the authenticator role (switches to anon/authenticated/service_role per request). */
  databaseUrl: string;
  jwtSecret: string;
  log?: (line: string) => void;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** statement_timeout for roles that do not set their own (default 10 s). */
  statementTimeoutMs?: number;
  /** Most rows a read returns, as Supabase's `max_rows` (default 1000; null: unlimited). */
  maxRows?: number | null;
}

export interface RestApi extends Api {
  /** Re-reads the catalog now (also done on `NOTIFY pgrst, 'reload schema'`). */
  reloadSchema(): Promise<void>;
}

/** The channel and payload PostgREST listens for; local-stack/bootstrap/schema-reload.sql sends them on DDL. */
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

export async function createRestApi(options: RestApiOptions): Promise<RestApi> {
  const log = options.log ?? (() => {});
  const defaultTimeout = options.statementTimeoutMs ?? 10_000;
  const sql = postgres(options.databaseUrl, {
    max: options.poolSize ?? 10,
    prepare: false,
    fetch_types: false,
    types: rawSerializers,
    onnotice: () => {},
    idle_timeout: 60,
    connection: { application_name: 'local-stack-rest' },
  });
  const authenticator = new Authenticator(options.jwtSecret);

  let cache: SchemaCache;
  try {
    cache = await loadSchemaCache(sql);
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw error;
  }

  // Reloads never overlap: a request for one while another runs schedules exactly one more.
  let reloading: Promise<void> | null = null;
  let again = false;
  const reloadSchema = (): Promise<void> => {
    if (reloading) {
      again = true;
      return reloading;
    }
    reloading = (async () => {
      do {
        again = false;
        try {
          cache = await loadSchemaCache(sql);
          log('[rest] schema cache reloaded');
        } catch (error) {
          log(`[rest] schema cache reload failed: ${error instanceof Error ? error.message : String(error)}`);
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
        if (payload === '' || payload === 'reload schema') void reloadSchema();
      },
      () => {
        // Called on every (re)connection of the listener: changes made while disconnected are picked up.
        if (listening) void reloadSchema();
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
      if (STALE_SCHEMA_CODES.has(error.code)) void reloadSchema();
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
      const request = parseApiRequest(http);
      const plan: Plan = buildPlan(cache, request, options.maxRows === undefined ? 1000 : options.maxRows);
      const single = request.media.kind === 'object' || (plan.kind === 'call' && plan.fn.returns === 'composite' && !plan.fn.returnsSet);
      const result = await execute(sql, plan, {
        auth,
        method: request.method,
        path: `/rest/v1${request.path}`,
        headers: http.headers,
        readOnly: plan.kind === 'read' || (plan.kind === 'call' && plan.readOnly),
        timeoutMs: cache.roleTimeouts.get(auth.role) ?? defaultTimeout,
        count: request.preferences.count !== null,
        format: {
          single,
          stripNulls: request.media.stripNulls,
          omitBody: request.method === 'HEAD',
          scalarKey: plan.kind === 'call' && plan.fn.returns === 'scalar' ? plan.fn.name : null,
        },
        singular: request.media.kind === 'object',
      });
      return respond(request, plan, result);
    } catch (error) {
      return errorResponse(toApiError(error, auth));
    }
  };

  return {
    handle,
    reloadSchema,
    close: async () => {
      await subscription?.unlisten().catch(() => {});
      await sql.end({ timeout: 5 });
    },
  };
}
