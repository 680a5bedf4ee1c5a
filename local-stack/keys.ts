import { SignJWT } from 'jose';

export interface ApiKeys {
  anonKey: string;
  serviceRoleKey: string;
  /** The CLI's local publishable key (`sb_publishable_…`): the gateway lets it in as the anon key. */
  publishableKey: string;
  /** The CLI's local secret key (`sb_secret_…`): the gateway lets it in as the service_role key. */
  secretKey: string;
}

/**
 * The keys `supabase status` prints for every local project (well known, not secrets). Hosted projects
 * issue their own; the gateway swaps either kind for the JWT of its role, as the CLI's Kong does.
 */
export const LOCAL_PUBLISHABLE_KEY = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH';
export const LOCAL_SECRET_KEY = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz';

/** Same payload as the Supabase CLI's demo keys, so with the default secret the keys are byte-identical. */
const DEMO_EXPIRY = 1983812996;

async function signRoleKey(role: 'anon' | 'service_role', secret: string): Promise<string> {
  return new SignJWT({ iss: 'supabase-demo', role, exp: DEMO_EXPIRY })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}

export async function apiKeys(jwtSecret: string): Promise<ApiKeys> {
  return {
    anonKey: await signRoleKey('anon', jwtSecret),
    serviceRoleKey: await signRoleKey('service_role', jwtSecret),
    publishableKey: LOCAL_PUBLISHABLE_KEY,
    secretKey: LOCAL_SECRET_KEY,
  };
}
