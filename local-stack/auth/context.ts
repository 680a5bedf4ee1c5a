import type postgres from 'postgres';

/** What every handler needs: the pool and the settings GoTrue reads from its environment. */
export interface AuthContext {
  sql: postgres.Sql;
  jwtSecret: string;
  /** `iss` of access tokens: `${apiUrl}/auth/v1`, as the Supabase CLI configures GoTrue. */
  issuer: string;
  /** Public base of the auth API, for pagination links. */
  externalUrl: string;
  /** GOTRUE_JWT_EXP. */
  jwtExpirySeconds: number;
  /** GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL. */
  refreshTokenReuseIntervalSeconds: number;
  log: (line: string) => void;
}
