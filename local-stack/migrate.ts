import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './config.ts';

const SUPABASE_CLI = path.join(REPO_ROOT, 'node_modules', 'supabase', 'dist', 'supabase.js');

export interface MigrateOptions {
  databaseUrl: string;
  /** Folder holding `supabase/` (config.toml, migrations/, seed.sql). */
  projectDir: string;
  includeSeed: boolean;
  onLog?: (line: string) => void;
}

/**
 * Applies pending migrations with the real Supabase CLI, so the history lands in
 * supabase_migrations.schema_migrations exactly as `supabase db push` does on a hosted project.
 */
export async function pushMigrations(options: MigrateOptions): Promise<void> {
  const args = ['db', 'push', '--db-url', withoutTls(options.databaseUrl), '--include-all', '--yes'];
  if (options.includeSeed) args.push('--include-seed');
  await runSupabaseCli(args, options.projectDir, options.onLog);
}

export function runSupabaseCli(args: string[], cwd: string, onLog?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SUPABASE_CLI, ...args], {
      cwd,
      env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      for (const line of text.split('\n')) if (line.trim()) onLog?.(`[supabase] ${line}`);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`supabase ${args.slice(0, 2).join(' ')} failed (exit ${code}):\n${output.trim()}`));
    });
  });
}

/** The local server has no TLS; the CLI insists on it unless the URL says otherwise. */
export function withoutTls(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (!url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable');
  return url.toString();
}
