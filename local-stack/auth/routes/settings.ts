import type { HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';
import type { AuthContext } from '../context.ts';

/** The external providers GoTrue lists in /settings, in its field order. */
const PROVIDERS = [
  'apple', 'azure', 'bitbucket', 'discord', 'facebook', 'figma', 'fly', 'github', 'gitlab', 'google', 'keycloak', 'kakao',
  'linkedin', 'linkedin_oidc', 'nextcloud', 'notion', 'spotify', 'slack', 'slack_oidc', 'workos', 'twitch', 'twitter', 'zoom',
] as const;

/** GET /settings: what the project enables, as supabase-js and dashboards read it. */
export function settings(ctx: AuthContext): HttpResponse {
  const external: Record<string, boolean> = { anonymous_users: ctx.config.anonymousSignIns };
  for (const name of PROVIDERS) external[name] = ctx.config.externalProviders[name] ?? false;
  external.email = ctx.config.email.enabled;
  external.phone = ctx.config.phoneEnabled;
  return json(200, {
    external,
    disable_signup: ctx.config.disableSignup,
    mailer_autoconfirm: ctx.config.email.autoconfirm,
    phone_autoconfirm: false,
    sms_provider: '',
    saml_enabled: false,
  });
}

export function health(): HttpResponse {
  return json(200, {
    version: 'local-stack',
    name: 'GoTrue',
    description: 'GoTrue is a user registration and authentication API',
  });
}

/** Access tokens are HS256, so there is no public key to publish (supabase-js then falls back to /user). */
export function jwks(): HttpResponse {
  return json(200, { keys: [] });
}

/** GET /.well-known/openid-configuration: GoTrue's discovery document for its issuer. */
export function openIdConfiguration(ctx: AuthContext): HttpResponse {
  return json(200, {
    issuer: ctx.config.jwtIssuer,
    jwks_uri: `${ctx.config.externalUrl}/.well-known/jwks.json`,
    authorization_endpoint: `${ctx.config.externalUrl}/authorize`,
    token_endpoint: `${ctx.config.externalUrl}/token`,
    userinfo_endpoint: `${ctx.config.externalUrl}/user`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['HS256'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
  });
}
