import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import type { AuthContext } from '../context.ts';
import { transaction } from '../db.ts';
import { badRequest, notFound, unprocessable } from '../errors.ts';
import { requireAdmin, requireUser } from '../request-auth.ts';
import { identitiesOf, syncProviders, findUserById } from '../users.ts';
import { parseUuid } from '../validation.ts';

/** The OAuth providers GoTrue knows by name (others are "could not be found"). */
const KNOWN_PROVIDERS = new Set([
  'apple', 'azure', 'bitbucket', 'discord', 'facebook', 'figma', 'fly', 'github', 'gitlab', 'google', 'kakao', 'keycloak',
  'linkedin', 'linkedin_oidc', 'nextcloud', 'notion', 'slack', 'slack_oidc', 'spotify', 'twitch', 'twitter', 'x', 'workos', 'zoom',
]);

/**
 * GET /authorize?provider=…: the start of an OAuth sign-in. No provider can be enabled locally (they need
 * the provider's servers), so this answers GoTrue's refusal for disabled or unknown providers.
 */
export function authorize(ctx: AuthContext, request: HttpRequest): HttpResponse {
  const provider = (new URLSearchParams(request.query).get('provider') ?? '').toLowerCase();
  if (!KNOWN_PROVIDERS.has(provider)) throw badRequest('validation_failed', `Unsupported provider: Provider ${provider} could not be found`);
  if (!ctx.config.externalProviders[provider]) throw badRequest('validation_failed', 'Unsupported provider: provider is not enabled');
  throw badRequest('validation_failed', 'Unsupported provider: the local stack cannot reach OAuth providers');
}

/** GET|POST /callback: where a provider would send the browser back; there is never a flow to resume. */
export function callback(_ctx: AuthContext, request: HttpRequest): HttpResponse {
  const state = new URLSearchParams(request.query).get('state') ?? '';
  if (state === '') throw badRequest('bad_oauth_callback', 'OAuth state parameter missing');
  throw badRequest('bad_oauth_state', 'OAuth callback with invalid state');
}

/** /sso, /sso/saml/*, /admin/sso/*: SAML is never enabled locally (GoTrue's requireSAMLEnabled). */
export function samlDisabled(): HttpResponse {
  throw notFound('saml_provider_disabled', 'SAML 2.0 is disabled');
}

export async function adminSamlDisabled(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  await requireAdmin(ctx, request);
  return samlDisabled();
}

const manualLinkingDisabled = () => notFound('manual_linking_disabled', 'Manual linking is disabled');

/** GET /user/identities/authorize: linking starts an OAuth flow, so it is refused like /authorize when on. */
export async function linkIdentity(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  await requireUser(ctx, request);
  if (!ctx.config.manualLinking) throw manualLinkingDisabled();
  return authorize(ctx, request);
}

/** DELETE /user/identities/<identity id>: unlinking, when `enable_manual_linking` is on. */
export async function unlinkIdentity(ctx: AuthContext, request: HttpRequest, identityId: string): Promise<HttpResponse> {
  const { user } = await requireUser(ctx, request);
  if (!ctx.config.manualLinking) throw manualLinkingDisabled();
  const id = parseUuid(identityId);
  if (!id) throw badRequest('validation_failed', 'identity_id must be an UUID');
  const identities = await identitiesOf(ctx.sql, user.id);
  const identity = identities.find((candidate) => candidate.id === id);
  if (!identity) throw unprocessable('identity_not_found', 'Identity doesn\'t exist');
  if (identities.length <= 1) throw unprocessable('single_identity_not_deletable', 'User must have at least 1 identity after unlinking');
  if (identity.provider === 'email' && user.email && identity.email === user.email.toLowerCase()) {
    throw unprocessable('email_conflict_identity_not_deletable', 'Unable to unlink identity due to email conflict');
  }
  await transaction(ctx.sql, async (tx) => {
    await tx`delete from auth.identities where id = ${id}`;
    const current = await findUserById(tx, user.id, { forUpdate: true });
    if (current) await syncProviders(tx, current);
  });
  return json(200, {});
}
