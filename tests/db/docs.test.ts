import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../local-stack/config.ts';
import { sqlError } from '../support/as-role.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';

// Every ```sql block of the two documents runs, as written, on a seeded database. A block whose first
// line is "-- Fails with SQLSTATE XXXXX" must fail with exactly that code.
const DOCS = ['APPLY_GENERATION_JOBS_MIGRATION.md', 'docs/GENERATION_JOBS_SCHEMA.md'];

const blocks = DOCS.flatMap((doc) => {
  const text = readFileSync(path.join(REPO_ROOT, doc), 'utf8');
  return [...text.matchAll(/```sql\n([\s\S]*?)```/g)].map((match, i) => {
    const sql = match[1];
    const expected = /^-- Fails with SQLSTATE (\w{5})/.exec(sql)?.[1] ?? null;
    return { name: `${doc} #${i + 1}: ${sql.split('\n')[0].slice(0, 70)}`, sql, expected };
  });
});

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ seed: true });
});
afterAll(async () => {
  await db.drop();
});

describe('SQL in the documentation runs against the migrated, seeded database', () => {
  it('finds the blocks', () => {
    expect(blocks.length).toBeGreaterThan(10);
  });

  it.each(blocks)('$name', async ({ sql, expected }) => {
    // One connection per block, so a failed block's open transaction cannot leak into the next one.
    const run = db.sql.reserve().then(async (connection) => {
      try {
        return await connection.unsafe(sql);
      } finally {
        await connection.unsafe('rollback').catch(() => {});
        connection.release();
      }
    });
    if (expected) expect((await sqlError(run)).code).toBe(expected);
    else await run;
  });

  it('the documented local CLI command is the one tests/db/cli-push.test.ts runs', () => {
    const apply = readFileSync(path.join(REPO_ROOT, 'APPLY_GENERATION_JOBS_MIGRATION.md'), 'utf8');
    expect(apply).toContain(
      "npx supabase db push --db-url 'postgresql://postgres:postgres@127.0.0.1:54322/postgres?sslmode=disable' --include-all",
    );
  });
});
