import { describe, expect, it } from 'vitest';
import { eventually, restSuite } from '../support/rest.ts';

/**
 * PostgREST's in-database configuration (`alter role authenticator in database … set pgrst.… = …`, picked up on
 * `NOTIFY pgrst, 'reload config'`): exposed schemas with Accept-Profile/Content-Profile, db-max-rows,
 * aggregate functions and the query plan output, each refused as PostgREST refuses it while off.
 */
const FIXTURE = `
create table orders (id int primary key, customer_id int, amount numeric not null, placed date not null, details jsonb);
create table customers (id int primary key, name text not null, city text not null);
alter table orders add foreign key (customer_id) references customers (id);
insert into customers values (1, 'Ada', 'London'), (2, 'Grace', 'New York'), (3, 'Linus', 'London');
insert into orders values
  (1, 1, 10.50, '2024-01-01', '{"tax": 1.5}'), (2, 1, 20.00, '2024-01-02', '{"tax": 2}'),
  (3, 2, 5.25, '2024-01-01', '{"tax": 0.5}'), (4, 3, 100.00, '2024-01-02', null);

create schema tenant2;
grant usage on schema tenant2 to anon, authenticated, service_role;
create table tenant2.orders (id int primary key, amount numeric not null);
insert into tenant2.orders values (100, 1), (101, 2);
grant all on tenant2.orders to anon, authenticated, service_role;
create function tenant2.order_count() returns bigint language sql stable as $$ select count(*) from orders $$;
grant execute on function tenant2.order_count() to anon;
`;

const suite = restSuite(FIXTURE);

async function configure(setting: string, value: string, until: () => Promise<boolean>): Promise<void> {
  await suite.db.sql.unsafe(`alter role authenticator in database ${suite.db.name} set pgrst.${setting} = '${value}'`);
  await suite.db.sql`notify pgrst, 'reload config'`;
  await eventually(until, `pgrst.${setting} = ${value}`);
}

describe('exposed schemas', () => {
  it('serves the schemas of config.toml, the first by default, naming it in Content-Profile', async () => {
    const orders = await suite.rest('/orders?select=id&order=id&limit=1');
    expect(orders.json).toEqual([{ id: 1 }]);
    expect(orders.headers.get('content-profile')).toBe('public');
    const other = await suite.rest('/orders', { headers: { 'accept-profile': 'tenant2' } });
    expect(other.status).toBe(406);
    expect(other.json).toEqual({ code: 'PGRST106', details: null, hint: 'Only the following schemas are exposed: public, graphql_public', message: 'Invalid schema: tenant2' });
  });

  it('switches schemas with Accept-Profile and Content-Profile once pgrst.db_schemas exposes them', async () => {
    await configure('db_schemas', 'public, tenant2', async () => (await suite.rest('/orders', { headers: { 'accept-profile': 'tenant2' } })).status === 200);
    const read = await suite.anon.schema('tenant2').from('orders').select('id').order('id');
    expect(read.error).toBeNull();
    expect(read.data).toEqual([{ id: 100 }, { id: 101 }]);
    const raw = await suite.rest('/orders?select=id&order=id', { headers: { 'accept-profile': 'tenant2' } });
    expect(raw.headers.get('content-profile')).toBe('tenant2');
    const written = await suite.rest('/orders', { method: 'POST', headers: { 'content-profile': 'tenant2', prefer: 'return=representation' }, body: { id: 102, amount: 3 } });
    expect(written.status).toBe(201);
    expect(written.headers.get('content-profile')).toBe('tenant2');
    expect((await suite.db.sql`select count(*)::int as n from tenant2.orders`)[0].n).toBe(3);
    // The function sees its schema first in the search path (its unqualified `orders` is tenant2.orders).
    const counted = await suite.anon.schema('tenant2').rpc('order_count');
    expect(counted.data).toBe(3);
    const unknown = await suite.rest('/orders', { headers: { 'accept-profile': 'tenant3' } });
    expect(unknown.json).toEqual({ code: 'PGRST106', details: null, hint: 'Only the following schemas are exposed: public, tenant2', message: 'Invalid schema: tenant3' });
    const missing = await suite.rest('/customers', { headers: { 'accept-profile': 'tenant2' } });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: 'PGRST205', message: "Could not find the table 'tenant2.customers' in the schema cache" });
  });
});

describe('db-max-rows', () => {
  it('caps every read at pgrst.db_max_rows', async () => {
    await configure('db_max_rows', '2', async () => ((await suite.rest('/customers?select=id')).json as unknown[]).length === 2);
    const { data, count } = await suite.anon.from('customers').select('id, orders(id)', { count: 'exact' }).order('id');
    expect(data).toHaveLength(2);
    expect(count).toBe(3);
    await suite.db.sql.unsafe(`alter role authenticator in database ${suite.db.name} reset pgrst.db_max_rows`);
    await suite.db.sql`notify pgrst, 'reload config'`;
    await eventually(async () => ((await suite.rest('/customers?select=id')).json as unknown[]).length === 3, 'db_max_rows reset');
  });
});

describe('aggregate functions', () => {
  it('are refused with PGRST123 while pgrst.db_aggregates_enabled is off', async () => {
    for (const select of ['amount.sum()', 'count()', 'customers(count())', 'placed,amount.avg()::int']) {
      const refused = await suite.rest(`/orders?select=${select}`);
      expect(refused.status, select).toBe(400);
      expect(refused.json, select).toEqual({ code: 'PGRST123', details: null, hint: null, message: 'Use of aggregate functions is not allowed' });
    }
    // The count of embedded rows predates aggregate functions and stays available.
    const legacy = await suite.rest('/customers?select=name,orders(count)&order=id');
    expect(legacy.json).toEqual([
      { name: 'Ada', orders: [{ count: 2 }] },
      { name: 'Grace', orders: [{ count: 1 }] },
      { name: 'Linus', orders: [{ count: 1 }] },
    ]);
  });

  it('sum, avg, min, max and count, with casts, grouping, embeds and spreads once enabled', async () => {
    await configure('db_aggregates_enabled', 'true', async () => (await suite.rest('/orders?select=amount.sum()')).status === 200);
    const totals = await suite.rest('/orders?select=amount.sum(),amount.avg()::int,amount.min(),amount.max(),count()');
    expect(totals.json).toEqual([{ sum: 135.75, avg: 34, min: 5.25, max: 100.0, count: 4 }]);
    const grouped = await suite.anon.from('orders').select('placed, total:amount.sum(), n:count()').order('placed');
    expect(grouped.data).toEqual([
      { placed: '2024-01-01', total: 15.75, n: 2 },
      { placed: '2024-01-02', total: 120.0, n: 2 },
    ]);
    const inputCast = await suite.rest('/orders?select=details->tax::numeric.sum()');
    expect(inputCast.json).toEqual([{ sum: 4.0 }]);
    const byEmbedded = await suite.rest('/orders?select=amount.sum(),customers(city)');
    expect(byEmbedded.status, byEmbedded.text).toBe(200);
    expect(new Set((byEmbedded.json as { sum: number; customers: { city: string } }[]).map((row) => `${row.customers.city}:${row.sum}`))).toEqual(
      new Set(['London:130.5', 'New York:5.25']),
    );
    const inEmbed = await suite.rest('/customers?select=name,orders(amount.sum())&order=id');
    expect(inEmbed.json).toEqual([
      { name: 'Ada', orders: [{ sum: 30.5 }] },
      { name: 'Grace', orders: [{ sum: 5.25 }] },
      { name: 'Linus', orders: [{ sum: 100.0 }] },
    ]);
    const spreadGroups = await suite.rest('/orders?select=amount.sum(),...customers(city)');
    expect(new Set((spreadGroups.json as { sum: number; city: string }[]).map((row) => `${row.city}:${row.sum}`))).toEqual(new Set(['London:130.5', 'New York:5.25']));
    const hoisted = await suite.rest('/orders?select=placed,...customers(name.max())&order=placed');
    expect(hoisted.json).toEqual([
      { placed: '2024-01-01', max: 'Grace' },
      { placed: '2024-01-02', max: 'Linus' },
    ]);
  });
});

describe('query plans', () => {
  it('answer application/vnd.pgrst.plan only once pgrst.db_plan_enabled is on', async () => {
    const off = await suite.rest('/orders?id=eq.1', { headers: { accept: 'application/vnd.pgrst.plan+json' } });
    expect(off.status).toBe(406);
    await configure('db_plan_enabled', 'true', async () => (await suite.rest('/orders', { headers: { accept: 'application/vnd.pgrst.plan+json' } })).status === 200);
    const json = await suite.rest('/orders?id=eq.1', { headers: { accept: 'application/vnd.pgrst.plan+json' } });
    expect(json.headers.get('content-type')).toBe('application/vnd.pgrst.plan+json; for="application/json"; charset=utf-8');
    expect((json.json as [{ Plan: { 'Node Type': string } }])[0].Plan['Node Type']).toBe('Aggregate');
    const text = await suite.rest('/orders?id=eq.1', { headers: { accept: 'application/vnd.pgrst.plan+text; for="text/csv"; options=analyze' } });
    expect(text.headers.get('content-type')).toBe('application/vnd.pgrst.plan+text; for="text/csv"; options=analyze; charset=utf-8');
    expect(text.text).toMatch(/actual time=/);
    const supabaseJs = await suite.anon.from('orders').select('id').eq('id', 1).explain({ format: 'json' });
    expect(supabaseJs.error).toBeNull();
  });
});
