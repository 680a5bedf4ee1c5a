import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../local-stack/http/jwt.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/cluster.ts';

/**
 * Thousands of random and hostile requests at /rest/v1: every answer must be a well-formed 2xx/3xx/4xx, every
 * error PostgREST-shaped, nothing 5xx, no SQL syntax error (which would mean a value or name leaked into the
 * SQL text), and the canary table untouched at the end.
 */

const FIXTURE = `
create table canary (id int primary key, value text not null);
insert into canary values (1, 'alive'), (2, 'still alive'), (3, 'O''Brien; drop table canary; --');
revoke insert, update, delete, truncate on canary from anon, authenticated, service_role;

create table fz_items (
  id int primary key,
  name text,
  data jsonb,
  tags text[] default '{}',
  n numeric,
  flag boolean,
  at timestamptz default now(),
  "weird ""col""" text
);
create table fz_child (id int primary key, item_id int references fz_items (id) on delete cascade, label text);
insert into fz_items (id, name, data, tags, n, flag) values
  (1, 'one', '{"a": 1, "b": {"c": "x"}}', '{a,b}', 1.5, true),
  (2, 'two', '[1, 2, 3]', '{}', null, false),
  (3, null, null, '{c}', -7, null);
insert into fz_child values (1, 1, 'first'), (2, 1, 'second'), (3, 2, 'third');
create function fz_echo(t text) returns text language sql immutable as $$ select t $$;
create function fz_rows(n int) returns setof fz_items language sql stable as $$ select * from fz_items where id <= n $$;
create function fz_json(payload jsonb) returns jsonb language sql immutable as $$ select payload $$;
`;

let db: TestDatabase;
let api: TestApi;
let userToken: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql.unsafe(FIXTURE);
  api = await startTestApi(db);
  userToken = await signJwt(
    { sub: '11111111-2222-4333-8444-555555555555', role: 'authenticated', exp: Math.floor(Date.now() / 1000) + 3600 },
    api.jwtSecret,
  );
});

afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

// ---- generators ----

const INJECTIONS = [
  "'", '"', "';--", '";--', "1; drop table canary; --", "1' or '1'='1", '1) or (1=1', "canary; delete from canary",
  '$1', '$$', '$$; drop table canary; $$', '\\', '\\\\', '%', '*', '_', '()', '(', ')', ',', '.', '..', '::', '->', '->>',
  '"canary"', 'public.canary', 'pg_sleep(10)', '(select pg_sleep(10))', 'now()', 'null', 'NULL', 'true', '{}', '[]',
  '{"a":1}', '{a,b}', '(1,2)', '("a,b",c)', 'not.', 'eq.', 'in.(', 'or=(', '9'.repeat(40), '-1', '1e400', 'NaN',
  'Infinity', '0x10', '½', '🤖', 'ß', '\u202e', 'ℌ', '%00', '%ff', '%E2%80%AE', '%27', '%22', '%2C', '%28', '%29',
  '&', '=', '#', 'select', 'order', 'limit', 'offset', 'columns', 'on_conflict', 'or', 'and', 'not', 'inner', '!inner',
  'fz_child', 'fz_items', 'canary', 'authors', 'id', 'name', 'data', 'tags', 'n', 'flag', 'at', 'weird "col"',
];

const hostile = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.bigInt().map(String) },
);

const columnName = fc.constantFrom('id', 'name', 'data', 'tags', 'n', 'flag', 'at', 'nope', 'data->>a', 'data->b->>c', 'data->0', 'fz_child.label', 'fz_child.id', '"weird ""col"""');
const operator = fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'is', 'isdistinct', 'in', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxl', 'nxr', 'adj', 'fts', 'plfts', 'phfts', 'wfts', 'fts(english)', 'eq(any)', 'like(all)', 'nope', 'fts(x\'y)');

const listItem = fc.oneof({ weight: 7, arbitrary: hostile }, { weight: 3, arbitrary: hostile.map((item) => `"${item}"`) });
const listValue = fc.array(listItem, { maxLength: 4 }).map((items) => items.join(','));
const filterValue = fc.oneof(
  fc.tuple(fc.boolean(), operator, hostile).map(([not, op, value]) => `${not ? 'not.' : ''}${op}.${value}`),
  fc.tuple(fc.boolean(), listValue).map(([not, list]) => `${not ? 'not.' : ''}in.(${list})`),
  fc.tuple(operator, listValue).map(([op, list]) => `${op}.{${list}}`),
  hostile,
);

const condition: fc.Arbitrary<string> = fc.tuple(columnName, filterValue).map(([column, value]) => `${column}.${value}`);
const logicTree: fc.Arbitrary<string> = fc.letrec((tie) => ({
  tree: fc.tuple(fc.constantFrom('and', 'or', 'not.and', 'not.or'), fc.array(tie('item'), { minLength: 1, maxLength: 3 })).map(([op, items]) => `${op}(${items.join(',')})`),
  item: fc.oneof({ depthSize: 'small', withCrossShrink: true }, condition, tie('tree')),
})).tree.map((tree) => tree.replace(/^(not\.)?(and|or)/, ''));

const selectItem: fc.Arbitrary<string> = fc.letrec((tie) => ({
  item: fc.oneof(
    { depthSize: 'small' },
    columnName,
    fc.constant('*'),
    fc.tuple(hostile, columnName).map(([alias, column]) => `${alias}:${column}`),
    fc.tuple(columnName, fc.constantFrom('text', 'int', 'jsonb', 'evil;drop', 'regclass')).map(([column, cast]) => `${column}::${cast}`),
    fc.tuple(fc.constantFrom('fz_child', 'fz_items', 'canary', 'nope', 'item_id', 'fz_child!inner', 'fz_child!fz_child_item_id_fkey', 'count'), fc.array(tie('item'), { maxLength: 3 }))
      .map(([rel, items]) => `${rel}(${items.join(',')})`),
    hostile,
  ),
})).item;

const select = fc.array(selectItem, { minLength: 1, maxLength: 5 }).map((items) => items.join(','));
const order = fc
  .array(fc.tuple(columnName, fc.constantFrom('', '.asc', '.desc', '.desc.nullslast', '.nullsfirst', '.sideways', '.asc.asc')), { minLength: 1, maxLength: 3 })
  .map((terms) => terms.map(([column, suffix]) => `${column}${suffix}`).join(','));

/** Plausible parameters, so that a fair share of requests reach the database and succeed. */
const benignParam = fc.oneof(
  fc.tuple(fc.constantFrom('id', 'n'), fc.constantFrom('eq.1', 'gt.0', 'lt.3', 'in.(1,2)', 'is.null', 'not.is.null', 'gte.-7')),
  fc.tuple(fc.constantFrom('name', 'data->>a', 'fz_child.label'), fc.constantFrom('eq.one', 'like.*o*', 'ilike.T*', 'is.null', 'neq.x')),
  fc.tuple(fc.constant('select'), fc.constantFrom('id,name', '*,fz_child(*)', 'id,fz_child!inner(label)', 'a:id,b:data->b->>c', 'id::text')),
  fc.tuple(fc.constant('order'), fc.constantFrom('id.desc', 'name.asc.nullslast,id', 'n')),
  fc.tuple(fc.constant('t'), fc.constantFrom('hello', "it's")),
);

const param = fc.oneof(
  { weight: 3, arbitrary: benignParam },
  fc.tuple(fc.constant('select'), select),
  fc.tuple(fc.constant('order'), order),
  fc.tuple(fc.constantFrom('limit', 'offset', 'fz_child.limit', 'fz_child.offset'), fc.oneof(fc.nat({ max: 20 }).map(String), hostile)),
  fc.tuple(fc.constantFrom('or', 'and', 'not.or', 'fz_child.or'), logicTree),
  fc.tuple(fc.constantFrom('columns', 'on_conflict'), fc.array(fc.oneof(columnName, hostile), { minLength: 1, maxLength: 3 }).map((c) => c.join(','))),
  fc.tuple(fc.oneof(columnName, hostile), filterValue),
  fc.tuple(fc.constantFrom('t', 'n', 'payload'), hostile),
);

/** Query strings: mostly percent-encoded, sometimes raw (hostile characters straight into the URL). */
const queryString = fc.array(fc.tuple(param, fc.boolean()), { maxLength: 4 }).map((pairs) =>
  pairs
    .map(([[key, value], raw]) => {
      const encode = (text: string) => {
        try {
          return raw ? text.replace(/[#&\s]/g, encodeURIComponent) : encodeURIComponent(text);
        } catch {
          return 'x';
        }
      };
      return `${encode(key)}=${encode(value)}`;
    })
    .join('&'),
);

/** A path segment; `.`/`..` are left out, as URL normalisation turns them into another route (the gateway's). */
const segment = (name: string) => {
  try {
    return /^(\.|%2e)+$/i.test(name) ? `${encodeURIComponent(name)}x` : encodeURIComponent(name);
  } catch {
    return 'x';
  }
};

const resourcePath = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('/fz_items', '/fz_child', '/canary', '/rpc/fz_echo', '/rpc/fz_rows', '/rpc/fz_json') },
  { weight: 1, arbitrary: hostile.map((name) => `/${segment(name)}`) },
  { weight: 1, arbitrary: hostile.map((name) => `/rpc/${segment(name)}`) },
  { weight: 1, arbitrary: fc.constantFrom('/', '/rpc', '/rpc/', '/a/b/c', '/fz_items/1', '/fz_items%2F..%2Fcanary', '/pg_catalog.pg_class', '/public.canary') },
);

const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.oneof(columnName, hostile, fc.constantFrom('__proto__', 'constructor', 't', 'n', 'payload')), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.array(fc.dictionary(fc.constantFrom('id', 'name', 'data', 'tags', 'n', 'flag', 'label', 'item_id'), fc.oneof(fc.jsonValue({ maxDepth: 1 }), hostile), { maxKeys: 4 }), { maxLength: 3 }),
);

const body = fc.oneof(
  { weight: 4, arbitrary: jsonValue.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: hostile },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '[1,', '{"id": 1e400}', '{"id": 99999999999999999999999}', '{"name": "\\u0000"}', '{"name": "\\ud800"}', 'null', '[]', '[[]]') },
);

const headerSets = fc.record(
  {
    prefer: fc.oneof(
      fc.constantFrom('return=representation', 'return=minimal', 'return=headers-only', 'count=exact', 'count=planned', 'resolution=merge-duplicates', 'resolution=ignore-duplicates', 'missing=default', 'handling=strict, bogus', 'tx=rollback'),
      fc.array(fc.constantFrom('return=representation', 'count=exact', 'resolution=merge-duplicates', 'missing=default'), { maxLength: 3 }).map((p) => p.join(', ')),
      hostile,
    ),
    accept: fc.constantFrom('application/json', 'application/vnd.pgrst.object+json', 'application/vnd.pgrst.object+json;nulls=stripped', 'text/csv', '*/*', 'application/xml', 'application/vnd.pgrst.plan+json', 'text/html, */*;q=0.8'),
    range: fc.oneof(fc.constantFrom('0-1', '1-0', '5-', 'items=0-9', 'bytes=0-1', '-5'), hostile),
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'text/csv', 'application/json; charset=utf-8'),
    'accept-profile': fc.constantFrom('public', 'private', 'pg_catalog', "public'; --"),
    'content-profile': fc.constantFrom('public', 'auth', "x'y"),
  },
  { requiredKeys: [] },
);

const authorization = fc.constantFrom('anon', 'anon', 'anon', 'user', 'user', 'none', 'garbage', 'empty');

const method = fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS');

// ---- checks ----

function sanitizeHeader(value: string): string {
  // fetch refuses header values with control or non-Latin-1 characters; those never reach the server.
  return value.replace(/[^\x20-\x7e]/g, '?');
}

interface Outcome {
  status: number;
  text: string;
  contentType: string | null;
}

async function send(request: { method: string; path: string; query: string; headers: Record<string, string>; auth: string; body: string }): Promise<Outcome> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name] = sanitizeHeader(value);
  if (request.auth !== 'none') headers.apikey = api.anonKey;
  if (request.auth === 'anon') headers.authorization = `Bearer ${api.anonKey}`;
  if (request.auth === 'user') headers.authorization = `Bearer ${userToken}`;
  if (request.auth === 'garbage') headers.authorization = `Bearer ${api.anonKey.slice(0, -4)}abcd`;
  if (request.auth === 'empty') headers.authorization = 'Bearer ';
  const url = `${api.url}/rest/v1${request.path}${request.query ? `?${request.query}` : ''}`;
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS';
  const response = await fetch(url, { method: request.method, headers, body: hasBody ? request.body : undefined });
  const text = await response.text();
  return { status: response.status, text, contentType: response.headers.get('content-type') };
}

/** Status → how often it was answered: the fuzzing must reach the database, not only the parser. */
const statuses = new Map<number, number>();
const codes = new Map<string, number>();

function checkOutcome(outcome: Outcome, method: string, auth: string): void {
  const { status, text } = outcome;
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  expect(status, text).toBeGreaterThanOrEqual(200);
  expect(status, text).toBeLessThan(500);
  if (method === 'OPTIONS' || status === 204) return;
  if (auth === 'none') {
    // Without an API key the gateway refuses before the REST API, as hosted Supabase's gateway does.
    expect(status, text).toBe(401);
    if (method !== 'HEAD') expect(JSON.parse(text), text).toMatchObject({ message: 'No API key found in request' });
    return;
  }
  if (method === 'HEAD') return;
  if (status >= 300) {
    const error = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(error).sort(), text).toEqual(['code', 'details', 'hint', 'message']);
    expect(typeof error.code, text).toBe('string');
    codes.set(String(error.code), (codes.get(String(error.code)) ?? 0) + 1);
    expect(typeof error.message, text).toBe('string');
    // A syntax error would mean request text reached the SQL instead of a bound parameter
    // (the database's own "syntax error in tsquery" for a bad full-text query value is fine).
    if (!String(error.message).includes('tsquery')) expect(error.code, text).not.toBe('42601');
    expect(error.code, text).not.toBe('PGRSTX00');
    return;
  }
  if (text !== '' && outcome.contentType?.includes('json')) expect(() => JSON.parse(text), text).not.toThrow();
}

describe('REST API under hostile input', () => {
  it('answers random and hostile query strings with well-formed 2xx/4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'PATCH', 'DELETE'), resourcePath, queryString, authorization, async (verb, path, query, auth) => {
        const outcome = await send({ method: verb, path, query, headers: {}, auth, body: '{}' });
        checkOutcome(outcome, verb, auth);
      }),
      { numRuns: 2500 },
    );
  }, 120_000);

  it('answers random headers and bodies with well-formed 2xx/4xx', async () => {
    await fc.assert(
      fc.asyncProperty(method, resourcePath, queryString, headerSets, authorization, body, async (verb, path, query, headers, auth, payload) => {
        const outcome = await send({ method: verb, path, query, headers: headers as Record<string, string>, auth, body: payload });
        checkOutcome(outcome, verb, auth);
      }),
      { numRuns: 2500 },
    );
  }, 120_000);

  it('reached both successful answers and database errors', () => {
    const successes = [...statuses].filter(([status]) => status < 300).reduce((sum, [, count]) => sum + count, 0);
    expect(successes).toBeGreaterThan(150);
    // SQLSTATEs (five characters, not PGRST…) show hostile values reached PostgreSQL as parameters.
    expect([...codes.keys()].some((code) => /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('PGRST'))).toBe(true);
    console.log(`fast-check seed ${fc.readConfigureGlobal().seed}`, 'statuses', Object.fromEntries(statuses), 'codes', Object.fromEntries(codes));
  });

  it('leaves the canary intact and keeps serving', async () => {
    const rows = await db.sql`select id, value from canary order by id`;
    expect(rows).toEqual([
      { id: 1, value: 'alive' },
      { id: 2, value: 'still alive' },
      { id: 3, value: "O'Brien; drop table canary; --" },
    ]);
    const response = await fetch(`${api.url}/rest/v1/canary?select=id&order=id`, { headers: { apikey: api.anonKey } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });
});
