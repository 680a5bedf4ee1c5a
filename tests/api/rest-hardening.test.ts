import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { eventually, restSuite, userToken } from '../support/rest.ts';
import { untypedClient } from '../support/users.ts';

/**
 * Issue 13's REST findings, each through HTTP: per-role statement timeouts and PostgREST's answer to 57014,
 * a fair share of the pool under one user's flood, bounded embedding, unfiltered PATCH/DELETE refused as
 * pg-safeupdate refuses them, deeply nested JSON refused with PGRST102, and casts resolved only against the
 * catalog (never through the object prototype).
 */
const FIXTURE = `
create table items (id int primary key, name text, data jsonb);
insert into items select i, 'item ' || i, null from generate_series(1, 5) i;
create table nodes (id int primary key, parent_id int references nodes (id));
insert into nodes values (1, null), (2, 1), (3, 2), (4, 3), (5, 4), (6, 5), (7, 6), (8, 7), (9, 8), (10, 9);
create function slow(seconds float8) returns int language sql volatile as $$ select 1 from pg_sleep(seconds) $$;
create function settings() returns jsonb language sql stable as $$
  select jsonb_build_object('role', current_user, 'statement_timeout', current_setting('statement_timeout')) $$;
create function echo(payload jsonb) returns jsonb language sql immutable as $$ select payload $$;
`;

const USER_A = 'aaaaaaaa-0000-4000-8000-000000000001';
const USER_B = 'bbbbbbbb-0000-4000-8000-000000000002';

const suite = restSuite(FIXTURE);

describe('statement timeouts (13.8)', () => {
  it('applies the role settings hosted Supabase sets: anon 3 s, authenticated 8 s', async () => {
    const asAnon = await suite.rest('/rpc/settings');
    expect(asAnon.json).toEqual({ role: 'anon', statement_timeout: '3s' });
    const asUser = await suite.rest('/rpc/settings', { headers: { authorization: `Bearer ${await userToken(suite.api, USER_A)}` } });
    expect(asUser.json).toEqual({ role: 'authenticated', statement_timeout: '8s' });
  });

  it("answers a cancelled statement (57014) with PostgREST's 500 and PostgreSQL's error", async () => {
    await suite.db.sql.unsafe(`alter role anon in database ${suite.db.name} set statement_timeout = '200ms'`);
    await suite.db.sql`notify pgrst, 'reload config'`;
    try {
      await eventually(async () => ((await suite.rest('/rpc/settings')).json as { statement_timeout: string }).statement_timeout === '200ms', 'the new timeout');
      const cancelled = await suite.rest('/rpc/slow', { method: 'POST', body: { seconds: 5 } });
      expect(cancelled.status).toBe(500);
      expect(cancelled.json).toEqual({ code: '57014', details: null, hint: null, message: 'canceling statement due to statement timeout' });
    } finally {
      await suite.db.sql.unsafe(`alter role anon in database ${suite.db.name} reset statement_timeout`);
      await suite.db.sql`notify pgrst, 'reload config'`;
    }
  });
});

describe('fair share of the pool (13.8)', () => {
  it("serves another user's quick request while one user floods the API with slow ones", async () => {
    const [tokenA, tokenB] = await Promise.all([userToken(suite.api, USER_A), userToken(suite.api, USER_B)]);
    const sleeping = async () => {
      const [{ n }] = await suite.db.sql`select count(*)::int as n from pg_stat_activity where datname = ${suite.db.name} and wait_event = 'PgSleep'`;
      return n as number;
    };
    const started = performance.now();
    const finished: { who: string; at: number; status: number }[] = [];
    const flood = Array.from({ length: 12 }, (_, index) =>
      suite.rest('/rpc/slow', { method: 'POST', headers: { authorization: `Bearer ${tokenA}` }, body: { seconds: 2 } }).then((response) => {
        finished.push({ who: `A${index}`, at: performance.now() - started, status: response.status });
      }),
    );
    let busiest = 0;
    await eventually(async () => {
      busiest = Math.max(busiest, await sleeping());
      return busiest >= 4;
    }, "user A's first requests to be running");
    const quick = await suite.rest('/items?select=id&id=eq.1', { headers: { authorization: `Bearer ${tokenB}` } });
    finished.push({ who: 'B', at: performance.now() - started, status: quick.status });
    busiest = Math.max(busiest, await sleeping());
    await Promise.all(flood);
    console.log('completion order (ms since the flood began):', finished.map((entry) => `${entry.who}@${entry.at.toFixed(0)}`).join(' '));
    expect(quick.status).toBe(200);
    expect(quick.json).toEqual([{ id: 1 }]);
    // B did not wait for any of A's slow transactions, and A never held more than its share of connections.
    expect(finished[0].who).toBe('B');
    expect(busiest).toBeLessThanOrEqual(4);
    expect(finished.filter((entry) => entry.who !== 'B').every((entry) => entry.status === 200)).toBe(true);
  }, 60_000);
});

describe('bounded embedding (13.8)', () => {
  const chain = (depth: number) => {
    let select = 'id';
    for (let level = 0; level < depth; level += 1) select = `id,parent:parent_id(${select})`;
    return select;
  };

  it('embeds up to 8 levels deep and refuses deeper with a clear 400', async () => {
    const deep = await suite.rest(`/nodes?select=${chain(8)}&id=eq.10`);
    expect(deep.status).toBe(200);
    const tooDeep = await suite.rest(`/nodes?select=${chain(9)}&id=eq.10`);
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.json).toMatchObject({ code: 'PGRST100' });
    expect((tooDeep.json as { details: string }).details).toContain('nested deeper than 8 levels');
  });

  it('refuses more than 50 embedded resources', async () => {
    const wide = Array.from({ length: 51 }, (_, index) => `p${index}:parent_id(id)`).join(',');
    const tooWide = await suite.rest(`/nodes?select=id,${wide}`);
    expect(tooWide.status).toBe(400);
    expect((tooWide.json as { details: string }).details).toContain('more than 50 embedded resources');
  });
});

describe('unfiltered PATCH and DELETE (13.11)', () => {
  it('refuses them as pg-safeupdate does, before touching a row', async () => {
    const service = { apikey: suite.api.serviceRoleKey, authorization: `Bearer ${suite.api.serviceRoleKey}` };
    const deleted = await suite.rest('/items', { method: 'DELETE', headers: service });
    expect(deleted.status).toBe(400);
    expect(deleted.json).toEqual({ code: '21000', details: null, hint: null, message: 'DELETE requires a WHERE clause' });
    const patched = await suite.rest('/items', { method: 'PATCH', headers: service, body: { name: 'all' } });
    expect(patched.json).toEqual({ code: '21000', details: null, hint: null, message: 'UPDATE requires a WHERE clause' });
    const client = untypedClient(suite.api, suite.api.serviceRoleKey);
    const limited = await client.from('items').delete().limit(1);
    expect(limited.status).toBe(400);
    expect(limited.error).toMatchObject({ code: '21000', message: 'DELETE requires a WHERE clause' });
    expect((await suite.db.sql`select count(*)::int as n from items where name like 'item %'`)[0].n).toBe(5);
    const filtered = await client.from('items').delete().eq('id', 5).select('id');
    expect(filtered.data).toEqual([{ id: 5 }]);
    const limitedWithFilter = await client.from('items').update({ name: 'first' }).gt('id', 0).order('id').limit(1).select('id');
    expect(limitedWithFilter.data).toEqual([{ id: 1 }]);
  });
});

describe('deeply nested JSON (13.12)', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('stores reasonably nested documents and refuses hostile nesting with PGRST102, never a 500', async () => {
    const fine = await suite.rest('/items', { method: 'POST', body: `{"id": 10, "data": ${nested(200)}}` });
    expect(fine.status).toBe(201);
    for (const [path, body] of [
      ['/items', `{"id": 11, "data": ${nested(100_000)}}`],
      ['/items', nested(50_000)],
      ['/rpc/echo', `{"payload": ${nested(100_000)}}`],
      ['/items?id=eq.1', `{"data": ${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`],
    ] as const) {
      const refused = await suite.rest(path, { method: path.includes('?') ? 'PATCH' : 'POST', body });
      expect(refused.status, path).toBe(400);
      expect(refused.json, path).toEqual({ code: 'PGRST102', details: 'The JSON document is nested deeper than 256 levels', hint: null, message: 'Empty or invalid json' });
    }
  });
});

describe('casts and other names from the request (13.13)', () => {
  it('resolves casts against the catalog only: prototype names are unknown types', async () => {
    for (const cast of ['constructor', '__proto__', 'hasOwnProperty', 'toString', 'valueOf']) {
      const response = await suite.rest(`/items?select=id::${cast}&id=eq.1`);
      expect(response.status, cast).toBe(400);
      expect(response.json, cast).toEqual({ code: '42704', details: null, hint: null, message: `type "${cast}" does not exist` });
    }
    const { data } = await suite.anon.from('items').select('a:id::text, b:id::float8, c:id::INTEGER').eq('id', 2).single();
    expect(data).toEqual({ a: '2', b: 2, c: 2 });
    // supabase-js removes spaces from select; PostgREST's grammar allows them in type names.
    const spaced = await suite.rest('/items?select=id::double%20precision&id=eq.2');
    expect(spaced.json).toEqual([{ id: 2 }]);
  });

  it('answers prototype names everywhere else with the ordinary PostgREST errors', async () => {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
    for (const name of names) {
      for (const [path, init] of [
        [`/${name}`, {}],
        [`/rpc/${name}`, {}],
        [`/items?select=${name}`, {}],
        [`/items?select=id,${name}(id)`, {}],
        [`/items?id=${name}.1`, {}],
        [`/items?order=${name}`, {}],
        [`/items?select=id&${name}=eq.1`, {}],
        ['/items', { method: 'POST', body: `{"${name}": 1}` }],
        ['/items?select=id', { headers: { prefer: `${name}=1, handling=strict` } }],
        ['/items?select=id', { headers: { accept: name } }],
      ] as const) {
        const response = await suite.rest(path, init);
        expect(response.status, `${path} ${JSON.stringify(init)}`).toBeGreaterThanOrEqual(400);
        expect(response.status, `${path} ${JSON.stringify(init)}`).toBeLessThan(500);
        expect((response.json as { code: string }).code, path).not.toBe('42601');
      }
    }
  });
});
