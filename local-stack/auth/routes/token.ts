import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import type { AuthenticationMethod } from '../amr.ts';
import { clientOf, rateLimitKey } from '../../http/client-ip.ts';
import type { AuthContext } from '../context.ts';
import { transaction } from '../db.ts';
import { badRequest, notFound, OAuthError, unprocessable } from '../errors.ts';
import { findFlowStateByAuthCode, isFlowExpired, verifierMatches } from '../flow-state.ts';
import { passwordWeakness, verifyPassword } from '../passwords.ts';
import { enforceRateLimit } from '../rate-limits.ts';
import { isBanned, issueSession, refreshTokenGrant } from '../tokens.ts';
import { findUserByEmail, findUserById } from '../users.ts';
import { idTokenGrantBody, parseJsonBody, passwordGrantBody, pkceGrantBody, refreshGrantBody, web3GrantBody } from '../validation.ts';

const INVALID_LOGIN = 'Invalid login credentials';

type Grant = (ctx: AuthContext, request: HttpRequest) => Promise<HttpResponse>;

const GRANTS: Record<string, Grant> = {
  password: passwordGrant,
  refresh_token: refreshGrant,
  pkce: pkceGrant,
  id_token: idTokenGrant,
  web3: web3Grant,
};

/** POST /token?grant_type=…: every grant counts against the client's token bucket (web3 has its own). */
export async function token(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const grantType = new URLSearchParams(request.query).get('grant_type') ?? '';
  const grant = Object.hasOwn(GRANTS, grantType) ? GRANTS[grantType] : undefined;
  // GoTrue's exact answer for an unknown or missing grant type: the code is invalid_credentials.
  if (!grant) throw badRequest('invalid_credentials', 'unsupported_grant_type');
  enforceRateLimit(grantType === 'web3' ? ctx.limiters.web3 : ctx.limiters.token, rateLimitKey(request));
  return grant(ctx, request);
}

async function passwordGrant(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const body = parseJsonBody(request.body, passwordGrantBody);
  const email = body.email ?? '';
  const phone = body.phone ?? '';
  const password = body.password ?? '';
  if (email !== '' && phone !== '') {
    throw badRequest('validation_failed', 'Only an email address or phone number should be provided on login.');
  }
  if (phone !== '') throw unprocessable('phone_provider_disabled', 'Phone logins are disabled');
  if (email === '') throw badRequest('validation_failed', 'missing email or phone');
  if (!ctx.config.email.enabled) throw unprocessable('email_provider_disabled', 'Email logins are disabled');

  const user = await findUserByEmail(ctx.sql, email);
  if (!user || !user.encrypted_password) throw badRequest('invalid_credentials', INVALID_LOGIN);
  if (isBanned(user)) throw badRequest('user_banned', 'User is banned');
  if (!(await verifyPassword(password, user.encrypted_password))) throw badRequest('invalid_credentials', INVALID_LOGIN);
  if (!user.email_confirmed_at) throw badRequest('email_not_confirmed', 'Email not confirmed');

  const session = await transaction(ctx.sql, (tx) => issueSession(ctx, tx, user, clientOf(request), 'password'));
  // A correct but weak password (e.g. set before the policy) still signs in, with a warning supabase-js surfaces.
  const weakness = passwordWeakness(ctx.config.password, password);
  return json(200, weakness ? { ...session, weak_password: weakness } : session);
}

async function refreshGrant(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const body = parseJsonBody(request.body, refreshGrantBody);
  if (!body.refresh_token) throw new OAuthError('invalid_request', 'refresh_token required');
  return json(200, await refreshTokenGrant(ctx, body.refresh_token, request.headers['user-agent']));
}

/** GoTrue's PKCE grant: the auth code from a /verify redirect plus the verifier the client kept. */
async function pkceGrant(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const body = parseJsonBody(request.body, pkceGrantBody);
  if (!body.auth_code || !body.code_verifier) {
    throw badRequest('validation_failed', 'invalid request: both auth code and code verifier should be non-empty');
  }
  const flow = await findFlowStateByAuthCode(ctx.sql, body.auth_code);
  if (!flow || !flow.user_id) throw notFound('flow_state_not_found', 'invalid flow state, no valid flow state found');
  if (isFlowExpired(flow, ctx.config.flowStateExpirySeconds)) {
    throw unprocessable('flow_state_expired', 'invalid flow state, flow state has expired');
  }
  const user = await findUserById(ctx.sql, flow.user_id);
  if (!user) throw notFound('flow_state_not_found', 'invalid flow state, no valid flow state found');
  if (!verifierMatches(flow, body.code_verifier)) {
    throw badRequest('bad_code_verifier', 'code challenge does not match previously saved code verifier');
  }
  const session = await transaction(ctx.sql, async (tx) => {
    // One exchange per code: a concurrent second one finds nothing to delete and fails.
    const deleted = await tx`delete from auth.flow_state where id = ${flow.id}`;
    if (deleted.count === 0) throw notFound('flow_state_not_found', 'invalid flow state, no valid flow state found');
    return issueSession(ctx, tx, user, clientOf(request), flow.authentication_method as AuthenticationMethod);
  });
  return json(200, session);
}

/** The OIDC issuers GoTrue knows for `provider` (its Provider (issuer …) is not enabled message names one). */
const ID_TOKEN_ISSUERS: Record<string, string> = {
  apple: 'https://appleid.apple.com',
  google: 'https://accounts.google.com',
  azure: 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0',
  facebook: 'https://www.facebook.com',
  kakao: 'https://kauth.kakao.com',
  keycloak: '',
  vercel_marketplace: 'https://marketplace.vercel.com',
};

/** Sign-in with an OIDC id_token: no external provider can be enabled locally, so GoTrue's refusals. */
async function idTokenGrant(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const body = parseJsonBody(request.body, idTokenGrantBody);
  if (!body.id_token) throw new OAuthError('invalid request', 'id_token required');
  const provider = body.provider ?? '';
  if (provider === '' && (!body.client_id || !body.issuer)) {
    throw new OAuthError('invalid request', 'provider or client_id and issuer required');
  }
  const known = Object.entries(ID_TOKEN_ISSUERS).find(([name, issuer]) => name === provider || (issuer !== '' && issuer === body.issuer));
  if (!known) throw badRequest('validation_failed', `Custom OIDC provider "${provider}" not allowed`);
  const [name, issuer] = known;
  if (!ctx.config.externalProviders[name]) {
    throw badRequest('provider_disabled', `Provider (issuer "${issuer}") is not enabled`);
  }
  throw badRequest('provider_disabled', `Provider (issuer "${issuer}") cannot be reached from the local stack`);
}

async function web3Grant(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const { solana, ethereum } = ctx.config.web3;
  if (!solana && !ethereum) throw unprocessable('web3_provider_disabled', 'Web3 provider is disabled');
  const body = parseJsonBody(request.body, web3GrantBody);
  if (body.chain === 'solana' && !solana) throw unprocessable('web3_provider_disabled', 'Solana Web3 provider is disabled');
  if (body.chain === 'ethereum' && !ethereum) throw unprocessable('web3_provider_disabled', 'Ethereum Web3 provider is disabled');
  throw badRequest('web3_unsupported_chain', 'Unsupported chain');
}
