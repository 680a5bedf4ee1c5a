/**
 * The throwaway local stack behind a browser-test run (own data folder and ports, seeded), and the
 * environment that points the app at it. Never touches the developer's stack or data.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SUPABASE_LOCAL_JWT_SECRET } from '../../local-stack/config.ts';
import { makeDataDir } from '../../local-stack/scratch-cluster.ts';
import { startStack } from '../../local-stack/stack.ts';
import { BROWSER_TEST_PORTS } from './ports.ts';

export const NEXT_BIN = path.join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');

export interface BrowserTestStack {
  /** The app's environment: Supabase URL and keys of the throwaway stack. */
  env: NodeJS.ProcessEnv;
  /** Stops the stack, deletes its data and exits the process with `code`. */
  shutdown(code: number): Promise<never>;
}

export async function startBrowserTestStack(prefix: string): Promise<BrowserTestStack> {
  const dataDir = makeDataDir(prefix);
  const stack = await startStack(
    {
      dataDir,
      apiPort: BROWSER_TEST_PORTS.api,
      dbPort: BROWSER_TEST_PORTS.db,
      jwtSecret: SUPABASE_LOCAL_JWT_SECRET,
      projectDir: REPO_ROOT,
      host: '127.0.0.1',
    },
    { ephemeral: true },
  );
  return {
    env: {
      ...process.env,
      NEXT_PUBLIC_SUPABASE_URL: stack.info.apiUrl,
      NEXT_PUBLIC_SUPABASE_ANON_KEY: stack.info.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: stack.info.serviceRoleKey,
      NEXT_TELEMETRY_DISABLED: '1',
    },
    async shutdown(code) {
      await stack.stop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(code);
    },
  };
}
