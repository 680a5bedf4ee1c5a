import { SignJWT } from 'jose';

export interface ApiKeys {
  anonKey: string;
  serviceRoleKey: string;
}

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
  };
}
