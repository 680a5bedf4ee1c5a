import { inject } from 'vitest';
import { apiKeys } from '../../local-stack/keys.ts';
import { freePort } from '../../local-stack/processes.ts';
import { startApis } from '../../local-stack/stack.ts';
import type { TestDatabase } from './cluster.ts';

export interface TestApi {
  /** Base URL to give to createClient(), e.g. http://127.0.0.1:40123 */
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  jwtSecret: string;
  stop(): Promise<void>;
}

/** Auth, REST and Storage APIs on a free port over one test database, as the local stack serves them. */
export async function startTestApi(
  database: TestDatabase,
  options: { log?: (line: string) => void; storageDir?: string } = {},
): Promise<TestApi> {
  const { jwtSecret, host } = inject('cluster');
  const port = await freePort(host);
  const apis = await startApis({ databaseUrl: database.url, host, port, jwtSecret, log: options.log, storageDir: options.storageDir });
  return { url: apis.url, jwtSecret, ...(await apiKeys(jwtSecret)), stop: apis.stop };
}
