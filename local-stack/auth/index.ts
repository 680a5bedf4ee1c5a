import type { Api } from '../http/types.ts';
import { json } from '../http/types.ts';

export interface AuthApiOptions {
  /** Connection string for the auth server's own role (supabase_auth_admin). */
  databaseUrl: string;
  jwtSecret: string;
  /** Public URL of the stack, e.g. http://127.0.0.1:54321 (the JWT `iss` is `${apiUrl}/auth/v1`). */
  apiUrl: string;
  log?: (line: string) => void;
}

// Placeholder until the Auth API lands.
export async function createAuthApi(_options: AuthApiOptions): Promise<Api> {
  return {
    handle: async () => json(501, { code: 501, error_code: 'not_implemented', msg: 'Auth API not implemented yet' }),
    close: async () => {},
  };
}
