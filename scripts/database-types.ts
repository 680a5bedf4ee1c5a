import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../local-stack/config.ts';
const PG_META_SERVER = path.join(REPO_ROOT, 'node_modules', '@supabase', 'postgres-meta', 'dist', 'server', 'server.js');

/** Where `npm run db:types` writes the generated `Database` type. */
export const DATABASE_TYPES_FILE = path.join(REPO_ROOT, 'lib', 'db', 'database.types.ts');

/**
 * Schemas `supabase gen types typescript --local` includes when no --schema is given:
 * "public" plus [api].schemas of supabase/config.toml, without duplicates.
 */
export function includedSchemas(projectDir = REPO_ROOT): string[] {
  const config = readFileSync(path.join(projectDir, 'supabase', 'config.toml'), 'utf8');
  const api = config.split(/^\[/m).find((section) => section.startsWith('api]')) ?? '';
  const list = /^schemas\s*=\s*\[([^\]]*)\]/m.exec(api)?.[1] ?? '';
  const schemas = [...list.matchAll(/"([^"]+)"/g)].map((match) => match[1]);
  return [...new Set(['public', ...schemas])];
}

/**
 * Runs Supabase's own type generator (@supabase/postgres-meta, the image behind
 * `supabase gen types typescript --local`) with the environment the CLI gives it, and returns what it prints.
 */
export async function generateDatabaseTypes(databaseUrl: string, projectDir = REPO_ROOT): Promise<string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PG_META_DB_URL: databaseUrl,
    PG_CONN_TIMEOUT_SECS: '15',
    PG_QUERY_TIMEOUT_SECS: '15',
    PG_META_GENERATE_TYPES: 'typescript',
    PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS: includedSchemas(projectDir).join(','),
    PG_META_GENERATE_TYPES_SWIFT_ACCESS_CONTROL: 'internal',
    PG_META_GENERATE_TYPES_DETECT_ONE_TO_ONE_RELATIONSHIPS: 'true',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PG_META_SERVER], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && stdout.includes('export type Database')) resolve(stdout);
      else reject(new Error(`postgres-meta type generation failed (exit ${code}):\n${stderr.trim() || stdout.trim()}`));
    });
  });
}
