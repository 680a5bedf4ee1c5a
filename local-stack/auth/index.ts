import type { Api, HttpRequest, HttpResponse } from '../http/types.ts';
import { json } from '../http/types.ts';
import type { ProjectConfig } from '../project-config.ts';
import { authConfigFrom } from './auth-config.ts';
import type { AuthContext } from './context.ts';
import { connect } from './db.ts';
import { API_VERSION_HEADER, apiVersionHeaders, AuthError, errorResponse, OAuthError } from './errors.ts';
import { AuthMailer, type MailSink } from './mailer.ts';
import { createLimiters } from './rate-limits.ts';
import {
  adminCreateUser,
  adminDeleteFactor,
  adminDeleteUser,
  adminGetUser,
  adminListFactors,
  adminListUsers,
  adminUpdateFactor,
  adminUpdateUser,
} from './routes/admin.ts';
import { adminSamlDisabled, authorize, callback, linkIdentity, samlDisabled, unlinkIdentity } from './routes/external.ts';
import { challengeFactor, enrollFactor, unenrollFactor, verifyFactor } from './routes/factors.ts';
import { generateLink, invite } from './routes/invite.ts';
import { logout } from './routes/logout.ts';
import { magicLink, otp } from './routes/otp.ts';
import { reauthenticate } from './routes/reauthenticate.ts';
import { recover } from './routes/recover.ts';
import { resend } from './routes/resend.ts';
import { health, jwks, openIdConfiguration, settings } from './routes/settings.ts';
import { signup } from './routes/signup.ts';
import { token } from './routes/token.ts';
import { getUser, updateCurrentUser } from './routes/user.ts';
import { verifyGet, verifyPost } from './routes/verify.ts';

export interface AuthApiOptions {
  /** Connection string for the auth server's own role (supabase_auth_admin). */
  databaseUrl: string;
  jwtSecret: string;
  /** Public URL of the stack, e.g. http://127.0.0.1:54321 (the JWT `iss` is `${apiUrl}/auth/v1`). */
  apiUrl: string;
  /** `supabase/config.toml`, as the CLI hands it to GoTrue. */
  project: ProjectConfig;
  /** Where mail goes (the local inbox); null drops it, as GoTrue does without an SMTP host. */
  mail: MailSink | null;
  log?: (line: string) => void;
}

type RouteHandler = (ctx: AuthContext, request: HttpRequest, ...params: string[]) => Promise<HttpResponse> | HttpResponse;

interface Route {
  /** Matched against the whole path below /auth/v1 (trailing slash ignored); groups become handler params. */
  path: RegExp;
  methods: Partial<Record<string, RouteHandler>>;
}

/** GoTrue's routes (internal/api/api.go) that a project without SAML, OAuth server or SCIM exposes. */
const ROUTES: Route[] = [
  { path: /^\/health$/, methods: { GET: health } },
  { path: /^\/settings$/, methods: { GET: settings } },
  { path: /^\/\.well-known\/jwks\.json$/, methods: { GET: jwks } },
  { path: /^\/\.well-known\/openid-configuration$/, methods: { GET: openIdConfiguration } },
  { path: /^\/signup$/, methods: { POST: signup } },
  { path: /^\/token$/, methods: { POST: token } },
  { path: /^\/verify$/, methods: { GET: verifyGet, POST: verifyPost } },
  { path: /^\/otp$/, methods: { POST: otp } },
  { path: /^\/magiclink$/, methods: { POST: magicLink } },
  { path: /^\/recover$/, methods: { POST: recover } },
  { path: /^\/resend$/, methods: { POST: resend } },
  { path: /^\/reauthenticate$/, methods: { GET: reauthenticate } },
  { path: /^\/invite$/, methods: { POST: invite } },
  { path: /^\/authorize$/, methods: { GET: authorize } },
  { path: /^\/callback$/, methods: { GET: callback, POST: callback } },
  { path: /^\/user$/, methods: { GET: getUser, PUT: updateCurrentUser } },
  { path: /^\/user\/identities\/authorize$/, methods: { GET: linkIdentity } },
  { path: /^\/user\/identities\/([^/]+)$/, methods: { DELETE: unlinkIdentity } },
  { path: /^\/logout$/, methods: { POST: logout } },
  { path: /^\/factors$/, methods: { POST: enrollFactor } },
  { path: /^\/factors\/([^/]+)$/, methods: { DELETE: unenrollFactor } },
  { path: /^\/factors\/([^/]+)\/challenge$/, methods: { POST: challengeFactor } },
  { path: /^\/factors\/([^/]+)\/verify$/, methods: { POST: verifyFactor } },
  { path: /^\/sso$/, methods: { POST: samlDisabled } },
  { path: /^\/sso\/saml\/metadata$/, methods: { GET: samlDisabled } },
  { path: /^\/sso\/saml\/acs$/, methods: { POST: samlDisabled } },
  { path: /^\/admin\/users$/, methods: { GET: adminListUsers, POST: adminCreateUser } },
  { path: /^\/admin\/users\/([^/]+)$/, methods: { GET: adminGetUser, PUT: adminUpdateUser, DELETE: adminDeleteUser } },
  { path: /^\/admin\/users\/([^/]+)\/factors$/, methods: { GET: adminListFactors } },
  { path: /^\/admin\/users\/([^/]+)\/factors\/([^/]+)$/, methods: { DELETE: adminDeleteFactor, PUT: adminUpdateFactor } },
  { path: /^\/admin\/generate_link$/, methods: { POST: generateLink } },
  { path: /^\/admin\/sso\/providers(?:\/[^/]+)?$/, methods: { GET: adminSamlDisabled, POST: adminSamlDisabled, PUT: adminSamlDisabled, DELETE: adminSamlDisabled } },
];

/** Path segments are percent-decoded; a malformed escape (`%E0%A4%A`) is the client's error, not a 500. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AuthError(400, 'validation_failed', `Invalid URL escape in path segment "${segment}"`);
  }
}

async function dispatch(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const path = request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path;
  for (const route of ROUTES) {
    const match = route.path.exec(path);
    if (!match) continue;
    const handler = route.methods[request.method === 'HEAD' ? 'GET' : request.method];
    if (!handler) throw new AuthError(405, 'method_not_allowed', `Method ${request.method} not allowed on ${path}`);
    return handler(ctx, request, ...match.slice(1).map(decodeSegment));
  }
  throw new AuthError(404, 'not_found', `No Auth API route matches ${request.method} ${path}`);
}

/** The local Auth API (GoTrue-compatible) mounted by the gateway at /auth/v1. */
export async function createAuthApi(options: AuthApiOptions): Promise<Api> {
  const sql = connect(options.databaseUrl);
  const log = options.log ?? (() => {});
  const config = authConfigFrom(options.project, options.apiUrl);
  const limiters = createLimiters(config.rateLimits);
  const ctx: AuthContext = {
    sql,
    jwtSecret: options.jwtSecret,
    config,
    limiters,
    mailer: new AuthMailer(config, limiters.email, options.mail),
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
        } else if (error instanceof OAuthError) {
          response = json(error.status, { error: error.error, error_description: error.description });
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
