import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';

const VERSIONS_DIR = path.join(import.meta.dirname, 'bootstrap', 'versions');
const SCHEMA_RELOAD_SQL = path.join(import.meta.dirname, 'bootstrap', 'schema-reload.sql');

/** Marker the first bootstrap left before versions existed: such a database has version 1 applied. */
const LEGACY_V1_COMMENT = 'local-stack platform bootstrap v1';

export interface BootstrapVersion {
  version: number;
  name: string;
  file: string;
}

/**
 * The platform's versions, in order: `bootstrap/versions/NNN_name.sql`. A version, once released, is never
 * edited (like a migration): a change to the platform objects is a new file, so a data folder made by an
 * older stack is upgraded on its next start instead of silently keeping the old objects.
 */
export function bootstrapVersions(): BootstrapVersion[] {
  return readdirSync(VERSIONS_DIR)
    .map((file) => /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ version: Number(match[1]), name: match[2], file: path.join(VERSIONS_DIR, match[0]) }))
    .sort((a, b) => a.version - b.version);
}

/**
 * Brings the database's platform objects (roles, auth schema, grants, …) up to the newest bootstrap version,
 * applying each missing version once in its own transaction, and (re)installs the event triggers that tell
 * the REST API to reload its schema cache after DDL. Returns true when this call created the platform
 * (version 1: a fresh database, which still needs the seed).
 */
export async function bootstrapPlatform(databaseUrl: string): Promise<boolean> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    let fresh = false;
    await sql.begin(async (tx) => {
      // Two stacks or test workers bootstrapping one database take turns.
      await tx`select pg_advisory_xact_lock(hashtext('local-stack bootstrap'))`;
      await tx`create schema if not exists _local_stack`;
      await tx`revoke all on schema _local_stack from public`;
      await tx`
        create table if not exists _local_stack.bootstrap_versions (
          version integer primary key,
          name text not null,
          applied_at timestamptz not null default now()
        )`;
      const [{ legacy }] = await tx<{ legacy: boolean }[]>`
        select coalesce(obj_description(n.oid, 'pg_namespace') = ${LEGACY_V1_COMMENT}, false) as legacy
        from (select 1) one left join pg_namespace n on n.nspname = 'auth'`;
      if (legacy) {
        await tx`insert into _local_stack.bootstrap_versions (version, name) values (1, 'platform') on conflict do nothing`;
      }
      const applied = new Set(
        (await tx<{ version: number }[]>`select version from _local_stack.bootstrap_versions`).map((row) => row.version),
      );
      for (const version of bootstrapVersions()) {
        if (applied.has(version.version)) continue;
        await tx.savepoint(async (step) => {
          await step.unsafe(readFileSync(version.file, 'utf8'));
          await step`insert into _local_stack.bootstrap_versions (version, name) values (${version.version}, ${version.name})`;
        });
        if (version.version === 1) fresh = true;
      }
    });
    await sql.begin((tx) => tx.unsafe(readFileSync(SCHEMA_RELOAD_SQL, 'utf8')));
    return fresh;
  } finally {
    await sql.end();
  }
}
