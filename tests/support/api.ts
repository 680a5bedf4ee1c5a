import { inject } from 'vitest';
import { REPO_ROOT } from '../../local-stack/config.ts';
import { apiKeys, type ApiKeys } from '../../local-stack/keys.ts';
import { startMailServer } from '../../local-stack/mail/server.ts';
import { MailStore } from '../../local-stack/mail/store.ts';
import { freePort } from '../../local-stack/processes.ts';
import { loadProjectConfig, type ProjectConfig } from '../../local-stack/project-config.ts';
import { startApis } from '../../local-stack/stack.ts';
import type { TestDatabase } from './cluster.ts';

export interface TestApi extends ApiKeys {
  /** Base URL to give to createClient(), e.g. http://127.0.0.1:40123 */
  url: string;
  jwtSecret: string;
  /** The local inbox's web page and Mailpit-compatible API, e.g. http://127.0.0.1:40124 */
  mailUrl: string;
  project: ProjectConfig;
  stop(): Promise<void>;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

function merge<T>(base: T, overrides: DeepPartial<T> | undefined): T {
  if (!overrides) return base;
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(overrides)) {
    const current = result[key];
    result[key] =
      value !== null && typeof value === 'object' && !Array.isArray(value) && current !== null && typeof current === 'object'
        ? merge(current, value as DeepPartial<typeof current>)
        : value;
  }
  return result as T;
}

/**
 * The project's config.toml with the request rate limits out of the way, as conformance suites run
 * GoTrue: a test file makes more sign-ups from one address than a person would. Tests about the limits
 * set their own.
 */
const UNLIMITED = { token_refresh: 100_000, sign_in_sign_ups: 100_000, token_verifications: 100_000, anonymous_users: 100_000 };

export interface TestApiOptions extends DeepPartial<ProjectConfig> {
  log?: (line: string) => void;
  /** Folder for Storage's bytes (default: a temporary folder removed on stop). */
  storageDir?: string;
}

/**
 * Auth, REST and Storage APIs on a free port over one test database, as the local stack serves them, and
 * its inbox. `options` overrides config.toml's settings (and takes a log and a Storage folder).
 */
export async function startTestApi(database: TestDatabase, options: TestApiOptions = {}): Promise<TestApi> {
  const { jwtSecret, host } = inject('cluster');
  const { log, storageDir, ...overrides } = options;
  const project = merge(merge(loadProjectConfig(REPO_ROOT), { auth: { rate_limit: UNLIMITED } }), overrides as DeepPartial<ProjectConfig>);
  const mail = new MailStore();
  const inbox = await startMailServer(mail, { host, port: await freePort(host) });
  const port = await freePort(host);
  const apis = await startApis({ databaseUrl: database.url, host, port, jwtSecret, project, mail, log, storageDir });
  return {
    url: apis.url,
    jwtSecret,
    mailUrl: inbox.url,
    project,
    ...(await apiKeys(jwtSecret)),
    stop: async () => {
      await apis.stop();
      await inbox.close();
    },
  };
}
