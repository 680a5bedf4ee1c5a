import type { Api, HttpRequest, HttpResponse } from '../http/types.ts';
import type { AuthContext } from './context.ts';
import { connect } from './db.ts';
import { API_VERSION_HEADER, apiVersionHeaders, AuthError, errorResponse } from './errors.ts';
import { adminCreateUser, adminDeleteUser, adminGetUser, adminListUsers, adminUpdateUser } from './routes/admin.ts';
import { logout } from './routes/logout.ts';
import { health, jwks, settings } from './routes/settings.ts';
import { signup } from './routes/signup.ts';
import { token } from './routes/token.ts';
import { getUser, updateCurrentUser } from './routes/user.ts';

export interface AuthApiOptions {
  /** Connection string for the auth server's own role (supabase_auth_admin). */
  databaseUrl: string;
  jwtSecret: string;
  /** Public URL of the stack, e.g. http://127.0.0.1:54321 (the JWT `iss` is `${apiUrl}/auth/v1`). */
  apiUrl: string;
  log?: (line: string) => void;
}

type RouteHandler = (ctx: AuthContext, request: HttpRequest, ...params: string[]) => Promise<HttpResponse> | HttpResponse;

interface Route {
  /** Matched against the whole path below /auth/v1 (trailing slash ignored); groups become handler params. */
  path: RegExp;
  methods: Partial<Record<string, RouteHandler>>;
}

/** The subset of GoTrue's routes that supabase-js uses for email + password auth and user administration. */
const ROUTES: Route[] = [
  { path: /^\/health$/, methods: { GET: health } },
  { path: /^\/settings$/, methods: { GET: settings } },
  { path: /^\/\.well-known\/jwks\.json$/, methods: { GET: jwks } },
  { path: /^\/signup$/, methods: { POST: signup } },
  { path: /^\/token$/, methods: { POST: token } },
  { path: /^\/user$/, methods: { GET: getUser, PUT: updateCurrentUser } },
  { path: /^\/logout$/, methods: { POST: logout } },
  { path: /^\/admin\/users$/, methods: { GET: adminListUsers, POST: adminCreateUser } },
  { path: /^\/admin\/users\/([^/]+)$/, methods: { GET: adminGetUser, PUT: adminUpdateUser, DELETE: adminDeleteUser } },
];

async function dispatch(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const path = request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path;
  for (const route of ROUTES) {
    const match = route.path.exec(path);
    if (!match) continue;
    const handler = route.methods[request.method === 'HEAD' ? 'GET' : request.method];
    if (!handler) throw new AuthError(405, 'method_not_allowed', `Method ${request.method} not allowed on ${path}`);
    return handler(ctx, request, ...match.slice(1).map((segment) => decodeURIComponent(segment)));
  }
  throw new AuthError(404, 'not_found', `No Auth API route matches ${request.method} ${path}`);
}

/** The local Auth API (GoTrue-compatible) mounted by the gateway at /auth/v1. */
export async function createAuthApi(options: AuthApiOptions): Promise<Api> {
  const sql = connect(options.databaseUrl);
  const log = options.log ?? (() => {});
  const ctx: AuthContext = {
    sql,
    jwtSecret: options.jwtSecret,
    issuer: `${options.apiUrl}/auth/v1`,
    externalUrl: `${options.apiUrl}/auth/v1`,
    jwtExpirySeconds: 3600,
    refreshTokenReuseIntervalSeconds: 10,
    log,
  };

  return {
    handle: async (request) => {
      const requestedVersion = request.headers[API_VERSION_HEADER];
      let response: HttpResponse;
      try {
        response = await dispatch(ctx, request);
      } catch (error) {
        if (error instanceof AuthError) {
          response = errorResponse(error, requestedVersion);
        } else {
          log(`[auth] ${request.method} ${request.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          response = errorResponse(
            new AuthError(500, 'unexpected_failure', 'Unexpected failure, please check server logs for more information'),
            requestedVersion,
          );
        }
      }
      return {
        ...response,
        headers: { ...response.headers, ...apiVersionHeaders(requestedVersion) },
      };
    },
    close: async () => {
      await sql.end({ timeout: 5 });
    },
  };
}
