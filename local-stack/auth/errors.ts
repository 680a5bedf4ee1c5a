import type { HttpResponse } from '../http/types.ts';
import { json } from '../http/types.ts';

/** The request header supabase-js sends to opt into the 2024-01-01 error shape. */
export const API_VERSION_HEADER = 'x-supabase-api-version';
const API_VERSION_2024_01_01 = '2024-01-01';

/** A failure GoTrue reports with an HTTP status, a stable `error_code` and a human message. */
export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Only for `weak_password`: which rules the password broke (`length`, ...). */
    readonly weakPasswordReasons?: string[],
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string) => new AuthError(400, code, message);
export const unauthorized = (code: string, message: string) => new AuthError(401, code, message);
export const forbidden = (code: string, message: string) => new AuthError(403, code, message);
export const notFound = (code: string, message: string) => new AuthError(404, code, message);
export const unprocessable = (code: string, message: string) => new AuthError(422, code, message);
export const tooManyRequests = (code: string, message: string) => new AuthError(429, code, message);

/**
 * GoTrue's OAuthError: answered as `{error, error_description}` (RFC 6749) in both API versions, e.g. for
 * a token request without an id_token or refresh_token.
 */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

export function weakPassword(message: string, reasons: string[]): AuthError {
  return new AuthError(422, 'weak_password', message, reasons);
}

/**
 * GoTrue answers in one of two shapes, chosen by the request's API version header: since 2024-01-01
 * `{code: "<error_code>", message}`; before, `{code: <status>, error_code, msg}`. supabase-js sends the
 * header and reads `code` only when the response echoes it, so both the body and the echo matter.
 */
export function errorResponse(error: AuthError, requestedVersion: string | undefined): HttpResponse {
  const headers: Record<string, string> = { 'x-sb-error-code': error.code };
  const versioned = isAtLeast20240101(requestedVersion);
  if (versioned) headers[API_VERSION_HEADER] = API_VERSION_2024_01_01;
  const weak = error.weakPasswordReasons ? { weak_password: { reasons: error.weakPasswordReasons } } : {};
  const body = versioned
    ? { code: error.code, message: error.message, ...weak }
    : { code: error.status, error_code: error.code, msg: error.message, ...weak };
  return json(error.status, body, headers);
}

/** GoTrue maps any date at or after 2024-01-01 to that version; anything unparsable means "initial". */
export function isAtLeast20240101(version: string | undefined): boolean {
  if (!version || !/^\d{4}-\d{2}-\d{2}$/.test(version)) return false;
  const time = Date.parse(`${version}T00:00:00Z`);
  return Number.isFinite(time) && time >= Date.parse(`${API_VERSION_2024_01_01}T00:00:00Z`);
}

export function apiVersionHeaders(requestedVersion: string | undefined): Record<string, string> {
  return isAtLeast20240101(requestedVersion) ? { [API_VERSION_HEADER]: API_VERSION_2024_01_01 } : {};
}
