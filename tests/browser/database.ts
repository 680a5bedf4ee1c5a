import postgres from 'postgres';
import { BROWSER_TEST_PORTS } from './ports';

/**
 * A superuser connection to the browser-test stack's database, for rows no API would write. Closed after
 * `fn`, so a test leaves no connection behind.
 */
export async function asSuperuser<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(`postgresql://postgres:postgres@127.0.0.1:${BROWSER_TEST_PORTS.db}/postgres`, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}
