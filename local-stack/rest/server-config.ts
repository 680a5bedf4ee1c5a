/**
 * The REST server's settings: the project's `[api]` section of supabase/config.toml, overridden by PostgREST's
 * in-database configuration (`alter role authenticator [in database x] set pgrst.db_… = '…'`), which is read
 * at start and again on `NOTIFY pgrst, 'reload config'`, as PostgREST does.
 */
import type postgres from 'postgres';
import { queryDbSettings } from './catalog.ts';

export type TxEnd = 'commit' | 'commit-allow-override' | 'rollback' | 'rollback-allow-override';

export interface ServerConfig {
  /** Exposed schemas; the first is the default for requests without a profile header. */
  schemas: string[];
  /** Added to every request's search_path after the request's schema. */
  extraSearchPath: string[];
  /** Most rows a read returns (null: unlimited). */
  maxRows: number | null;
  aggregatesEnabled: boolean;
  /** `Accept: application/vnd.pgrst.plan…` answered with the query plan. */
  planEnabled: boolean;
  txEnd: TxEnd;
}

/** What config.toml (or the caller) gives; the database may override each. */
export type BaseConfig = Pick<ServerConfig, 'schemas' | 'extraSearchPath' | 'maxRows'>;

const SETTINGS = ['db_schemas', 'db_extra_search_path', 'db_max_rows', 'db_aggregates_enabled', 'db_plan_enabled', 'db_tx_end'];
const TX_ENDS = new Set<TxEnd>(['commit', 'commit-allow-override', 'rollback', 'rollback-allow-override']);

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** PostgREST's booleans: true/false, on/off, yes/no, 1/0. */
function toBoolean(value: string, fallback: boolean): boolean {
  const lowered = value.trim().toLowerCase();
  if (['true', 'on', 'yes', '1'].includes(lowered)) return true;
  if (['false', 'off', 'no', '0'].includes(lowered)) return false;
  return fallback;
}

export async function loadServerConfig(sql: postgres.Sql, base: BaseConfig, log: (line: string) => void): Promise<ServerConfig> {
  const config: ServerConfig = { ...base, aggregatesEnabled: false, planEnabled: false, txEnd: 'commit' };
  for (const { key, value } of await queryDbSettings(sql, SETTINGS)) {
    switch (key) {
      case 'db_schemas': {
        const schemas = list(value);
        if (schemas.length > 0) config.schemas = schemas;
        break;
      }
      case 'db_extra_search_path':
        config.extraSearchPath = list(value);
        break;
      case 'db_max_rows': {
        const rows = Number(value.trim());
        if (Number.isSafeInteger(rows) && rows > 0) config.maxRows = rows;
        else log(`[rest] ignoring pgrst.db_max_rows = '${value}': not a positive integer`);
        break;
      }
      case 'db_aggregates_enabled':
        config.aggregatesEnabled = toBoolean(value, false);
        break;
      case 'db_plan_enabled':
        config.planEnabled = toBoolean(value, false);
        break;
      case 'db_tx_end':
        if (TX_ENDS.has(value.trim() as TxEnd)) config.txEnd = value.trim() as TxEnd;
        else log(`[rest] ignoring pgrst.db_tx_end = '${value}'`);
        break;
    }
  }
  // PostgREST refuses these two; never expose the catalog.
  config.schemas = config.schemas.filter((schema) => schema !== 'pg_catalog' && schema !== 'information_schema');
  if (config.schemas.length === 0) config.schemas = ['public'];
  return config;
}
