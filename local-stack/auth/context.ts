import type postgres from 'postgres';
import type { AuthConfig } from './auth-config.ts';
import type { AuthMailer } from './mailer.ts';
import type { AuthLimiters } from './rate-limits.ts';

/** What every handler needs: the pool, the settings GoTrue reads from its environment, limiters and mail. */
export interface AuthContext {
  sql: postgres.Sql;
  jwtSecret: string;
  config: AuthConfig;
  limiters: AuthLimiters;
  mailer: AuthMailer;
  log: (line: string) => void;
}
