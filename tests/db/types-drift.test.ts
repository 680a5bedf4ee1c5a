import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_TYPES_FILE, generateDatabaseTypes } from '../../scripts/database-types.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('lib/db/database.types.ts', () => {
  it('equals what Supabase\'s generator prints for the migrated schema (run `npm run db:types` when this fails)', async () => {
    const generated = await generateDatabaseTypes(db.url);
    const committed = readFileSync(DATABASE_TYPES_FILE, 'utf8');
    expect(committed, 'lib/db/database.types.ts is stale: run `npm run db:types`').toBe(generated);
  });
});
