import type { HttpResponse } from '../../http/types.ts';
import { json } from '../../http/types.ts';

/** The external providers GoTrue lists in /settings; only email sign-in is served locally. */
const PROVIDERS = [
  'anonymous_users', 'apple', 'azure', 'bitbucket', 'discord', 'facebook', 'figma', 'fly', 'github', 'gitlab',
  'google', 'keycloak', 'kakao', 'linkedin', 'linkedin_oidc', 'notion', 'spotify', 'slack', 'slack_oidc',
  'twitch', 'twitter', 'workos', 'zoom', 'email', 'phone',
] as const;

export function settings(): HttpResponse {
  const external = Object.fromEntries(PROVIDERS.map((name) => [name, name === 'email']));
  return json(200, {
    external,
    disable_signup: false,
    // Supabase's local default (`[auth.email] enable_confirmations = false`): sign-ups are confirmed at once.
    mailer_autoconfirm: true,
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
