import postgres from 'postgres';
import type { HttpResponse } from '../http/types.ts';

/** Every failure the REST API answers with: an HTTP status and PostgREST's `{code, message, details, hint}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: string | unknown[] | null = null,
    readonly hint: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

// ---- Group 1: API request ----

export const parseError = (message: string, details: string) => new ApiError(400, 'PGRST100', message, details);

export const invalidRpcMethod = (method: string) => new ApiError(405, 'PGRST101', `Cannot use the ${method} method on RPC`);

export const invalidBody = (message: string, details: string | null = null) => new ApiError(400, 'PGRST102', message, details);

export const invalidRange = (details: string) => new ApiError(416, 'PGRST103', 'Requested range not satisfiable', details);

export const invalidFilters = () =>
  new ApiError(405, 'PGRST105', "Filters must include all and only primary key columns with 'eq' operators");

export const unacceptableSchema = (schema: string, schemas: string[]) =>
  new ApiError(406, 'PGRST106', `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${schemas.join(', ')}`);

export const unacceptableMediaType = (types: string[]) =>
  new ApiError(406, 'PGRST107', `None of these media types are available: ${types.join(', ')}`);

export const notEmbedded = (resource: string) =>
  new ApiError(
    400,
    'PGRST108',
    `'${resource}' is not an embedded resource in this request`,
    null,
    `Verify that '${resource}' is included in the 'select' query parameter.`,
  );

export const gucHeadersError = () =>
  new ApiError(500, 'PGRST111', 'response.headers guc must be a JSON array composed of objects with a single key and a string value');

export const gucStatusError = () => new ApiError(500, 'PGRST112', 'response.status guc must be a valid status code');

export const putLimitNotAllowed = () => new ApiError(400, 'PGRST114', 'limit/offset querystring parameters are not allowed for PUT');

export const putMatchingPk = () => new ApiError(400, 'PGRST115', 'Payload values do not match URL in primary key column(s)');

export const singularityError = (rows: number) =>
  new ApiError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${rows} rows`);

export const unsupportedMethod = (method: string) => new ApiError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);

export const relatedOrderNotToOne = (origin: string, target: string) =>
  new ApiError(
    400,
    'PGRST118',
    `A related order on '${target}' is not possible`,
    `'${origin}' and '${target}' do not form a many-to-one or one-to-one relationship`,
  );

export const unacceptableEmbedFilter = (target: string) =>
  new ApiError(400, 'PGRST120', `Bad operator on the '${target}' embedded resource`, 'Only is null or not is null filters are allowed on embedded resources');

export const invalidPreferences = (prefs: string[]) =>
  new ApiError(400, 'PGRST122', 'Invalid preferences given with handling=strict', `Invalid preferences: ${prefs.join(', ')}`);

export const aggregatesNotAllowed = () => new ApiError(400, 'PGRST123', 'Use of aggregate functions is not allowed');

export const maxAffectedViolation = (rows: number) =>
  new ApiError(400, 'PGRST124', 'Query result exceeds max-affected preference constraint', `The query affects ${rows} rows`);

export const invalidResourcePath = () => new ApiError(404, 'PGRST125', 'Invalid path specified in request URL');

export const openApiDisabled = () => new ApiError(404, 'PGRST126', 'Root endpoint metadata is disabled');

/** A PostgREST feature outside what this local server implements (PostgREST's own NotImplemented is the same shape). */
export const notImplemented = (details: string) => new ApiError(400, 'PGRST127', 'Feature not implemented', details);

export const maxAffectedRpcViolation = () =>
  new ApiError(400, 'PGRST128', 'Function must return SETOF or TABLE when max-affected preference is used with handling=strict');

/** PostgREST's pool acquisition timeout; here also a user's own queue being full (see admission.ts). */
export const acquisitionTimeout = () => new ApiError(504, 'PGRST003', 'Timed out acquiring connection from connection pool.');

// ---- Group 2: schema cache ----

export const noRelationship = (parent: string, child: string, hint: string | null, schema: string, suggestion: string | null) =>
  new ApiError(
    400,
    'PGRST200',
    `Could not find a relationship between '${parent}' and '${child}' in the schema cache`,
    `Searched for a foreign key relationship between '${parent}' and '${child}${hint !== null ? `' using the hint '${hint}` : ''}' in the schema '${schema}', but no matches were found.`,
    suggestion,
  );

export const ambiguousRelationship = (parent: string, child: string, details: unknown[], hint: string) =>
  new ApiError(300, 'PGRST201', `Could not embed because more than one relationship was found for '${parent}' and '${child}'`, details, hint);

/** PGRST202; `jsonBody`: a POST with a JSON body, which could also have meant one unnamed json/jsonb parameter. */
export const functionNotFound = (qualifiedName: string, argNames: string[], jsonBody: boolean, hint: string | null) => {
  const list = argNames.join(', ');
  const inMessage = argNames.length === 0 ? ' without parameters' : `(${list})`;
  const inDetails = argNames.length === 0 ? ' without parameters' : ` with parameter${argNames.length > 1 ? 's' : ''} ${list}`;
  return new ApiError(
    404,
    'PGRST202',
    `Could not find the function ${qualifiedName}${inMessage} in the schema cache`,
    `Searched for the function ${qualifiedName}${inDetails}${jsonBody ? ' or with a single unnamed json/jsonb parameter' : ''}, but no matches were found in the schema cache.`,
    hint,
  );
};

/** PGRST202 for a POST whose body is text, XML or bytes: only a function with one unnamed parameter of that type fits. */
export const singleParameterFunctionNotFound = (qualifiedName: string, type: string) =>
  new ApiError(
    404,
    'PGRST202',
    `Could not find the function ${qualifiedName} in the schema cache`,
    `Searched for the function ${qualifiedName} with a single unnamed ${type} parameter, but no matches were found in the schema cache.`,
  );

export const ambiguousFunction = (signatures: string[]) =>
  new ApiError(
    300,
    'PGRST203',
    `Could not choose the best candidate function between: ${signatures.join(', ')}`,
    null,
    'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
  );

export const columnNotFound = (relation: string, column: string) =>
  new ApiError(400, 'PGRST204', `Could not find the '${column}' column of '${relation}' in the schema cache`);

export const tableNotFound = (schema: string, name: string, suggestion: string | null) =>
  new ApiError(
    404,
    'PGRST205',
    `Could not find the table '${schema}.${name}' in the schema cache`,
    null,
    suggestion ? `Perhaps you meant the table '${schema}.${suggestion}'` : null,
  );

/** What PostgreSQL itself says for an unknown column, hint included (PostgREST lets the database say it). */
export const undefinedColumn = (relation: string, column: string, hint: string | null) =>
  new ApiError(400, '42703', `column ${relation}.${column} does not exist`, null, hint);

/** What PostgreSQL says for a cast to an unknown type. */
export const undefinedType = (type: string) => new ApiError(400, '42704', `type "${type}" does not exist`);

/** What pg-safeupdate (loaded for the authenticator on hosted Supabase) says for an unfiltered UPDATE/DELETE. */
export const safeUpdateError = (command: 'UPDATE' | 'DELETE') => new ApiError(400, '21000', `${command} requires a WHERE clause`);

// ---- Group 3: JWT ----

const invalidToken = (status: number, code: string, message: string, details: string | null = null) =>
  new ApiError(status, code, message, details, null, {
    'www-authenticate': `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
  });

export const jwtDecodeError = (message: string, details: string | null = null) => invalidToken(401, 'PGRST301', message, details);
export const jwtClaimsError = (message: string) => invalidToken(401, 'PGRST303', message);

// ---- Errors raised by PostgreSQL ----

/** PostgREST's SQLSTATE → HTTP status table ("Errors" reference page). */
export function statusForSqlState(code: string, message: string, authenticated: boolean): number {
  if (code === '23503' || code === '23505') return 409;
  if (code === '25006') return 405;
  if (code === '21000') return message.endsWith('requires a WHERE clause') ? 400 : 500;
  if (code === '22023') return message.startsWith('role') && message.endsWith('does not exist') ? 401 : 400;
  if (code === '53400') return 500;
  if (code === '57P01') return 503;
  if (code === 'P0001') return 400;
  if (code === '42883') return 404;
  if (code === '42P01') return 404;
  if (code === '42P17') return 500;
  if (code === '42501') return authenticated ? 403 : 401;
  const custom = /^PT(\d{3})$/.exec(code);
  if (custom) {
    const status = Number(custom[1]);
    return status >= 100 && status <= 599 ? status : 500;
  }
  switch (code.slice(0, 2)) {
    case '08':
      return 503;
    case '09':
      return 500;
    case '0L':
    case '0P':
    case '28':
      return 403;
    case '25':
    case '2D':
    case '38':
    case '39':
    case '3B':
    case '40':
    case '54':
    case '55':
    case '57':
    case '58':
    case 'F0':
    case 'HV':
    case 'P0':
    case 'XX':
      return 500;
    case '53':
      return 503;
    default:
      return 400;
  }
}

function parseJsonObject(text: string | undefined): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const asText = (value: unknown): string | null => (typeof value === 'string' ? value : value == null ? null : JSON.stringify(value));

/**
 * A header the SQL chose (RAISE SQLSTATE 'PGRST', response.headers): the name must be an HTTP token; the value
 * goes out as its UTF-8 bytes, as PostgREST sends it (Node writes a Latin-1 string byte for byte). Line breaks
 * and other control characters make it unsendable, so such a header is dropped.
 */
export function headerField(name: string, value: string): [string, string] | null {
  const bytes = Buffer.from(value, 'utf8').toString('latin1');
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || !/^[\t\x20-\x7e\x80-\xff]*$/.test(bytes)) return null;
  return [name.toLowerCase(), bytes];
}

/** `RAISE SQLSTATE 'PGRST'` with JSON message and detail: full control of status, headers and body. */
function raisedPgrstError(error: postgres.PostgresError): ApiError {
  const body = parseJsonObject(error.message);
  if (!body || typeof body.code !== 'string' || typeof body.message !== 'string') {
    return new ApiError(
      500,
      'PGRST121',
      `Could not parse JSON in the "RAISE SQLSTATE 'PGRST'" error`,
      `Invalid JSON value for MESSAGE: '${error.message}'`,
      "MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.",
    );
  }
  const detail = parseJsonObject(error.detail);
  const status = detail?.status;
  const headers = detail?.headers;
  if (!detail || typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599 || typeof headers !== 'object' || headers === null) {
    return new ApiError(
      500,
      'PGRST121',
      `Could not parse JSON in the "RAISE SQLSTATE 'PGRST'" error`,
      error.detail ? `Invalid JSON value for DETAIL: '${error.detail}'` : 'DETAIL is missing in the RAISE statement',
      "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.",
    );
  }
  // Object.fromEntries defines own properties: a header named `__proto__` cannot reach the prototype.
  const responseHeaders: Record<string, string> = Object.fromEntries(
    Object.entries(headers as Record<string, unknown>).flatMap(([name, value]) => {
      const header = typeof value === 'string' ? headerField(name, value) : null;
      return header ? [header] : [];
    }),
  );
  return new ApiError(status, body.code, body.message, asText(body.details), asText(body.hint), responseHeaders);
}

/** Maps an error thrown by the database to PostgREST's response for it. */
export function fromPostgresError(error: postgres.PostgresError, authenticated: boolean): ApiError {
  if (error.code === 'PGRST') return raisedPgrstError(error);
  const status = statusForSqlState(error.code, error.message, authenticated);
  return new ApiError(status, error.code, error.message, error.detail ?? null, error.hint ?? null, status === 401 ? { 'www-authenticate': 'Bearer' } : {});
}

export function isPostgresError(error: unknown): error is postgres.PostgresError {
  return error instanceof postgres.PostgresError;
}

/** Connection-level failures (database down, socket closed): PostgREST answers 503 PGRST000/PGRST001. */
export function connectionError(error: unknown): ApiError | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (['ECONNREFUSED', 'ECONNRESET', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'ETIMEDOUT', 'EPIPE'].includes(code)) {
    return new ApiError(503, 'PGRST001', 'Database client error. Retrying the connection.', code);
  }
  return null;
}

export function errorResponse(error: ApiError): HttpResponse {
  const body = JSON.stringify({ code: error.code, details: error.details, hint: error.hint, message: error.message });
  return {
    status: error.status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'proxy-status': `PostgREST; error=${error.code.replace(/[^\x20-\x7e]/g, '')}`,
      ...error.headers,
    },
    body,
  };
}
