import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';

/** Settings to change in `config.toml`: nested tables as objects, e.g. `{ auth: { email: { enable_confirmations: true } } }`. */
export interface ConfigOverrides {
  [key: string]: ConfigValue;
}
type ConfigValue = string | number | boolean | ConfigValue[] | ConfigOverrides;

function isTable(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function merge(base: Record<string, unknown>, overrides: ConfigOverrides): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = result[key];
    result[key] = isTable(value) && isTable(current) ? merge(current, value) : value;
  }
  return result;
}

/**
 * A copy of a project's `supabase/` folder (config.toml, migrations, seed) in `targetDir`, with settings of
 * its config.toml overridden: how tests and benchmarks run a stack with other switches or limits than the
 * project's own, without touching the project. Returns `targetDir`, to use as the stack's `projectDir`.
 */
export function copyProject(sourceDir: string, targetDir: string, overrides: ConfigOverrides = {}): string {
  const source = path.join(sourceDir, 'supabase');
  const target = path.join(targetDir, 'supabase');
  mkdirSync(targetDir, { recursive: true });
  cpSync(source, target, { recursive: true, filter: (file) => !/[/\\]\.(temp|branches)$/.test(file) });
  const configFile = path.join(target, 'config.toml');
  const config = parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(configFile, stringify(merge(config, overrides)));
  return targetDir;
}
