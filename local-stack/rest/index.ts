import type { Api } from '../http/types.ts';
import { json } from '../http/types.ts';

export interface RestApiOptions {
  /** Connection string for the authenticator role (switches to anon/authenticated/service_role per request). */
  databaseUrl: string;
  jwtSecret: string;
  log?: (line: string) => void;
}

// Placeholder until the REST API lands.
export async function createRestApi(_options: RestApiOptions): Promise<Api> {
  return {
    handle: async () => json(501, { code: 'PGRST000', message: 'REST API not implemented yet', details: null, hint: null }),
    close: async () => {},
  };
}
