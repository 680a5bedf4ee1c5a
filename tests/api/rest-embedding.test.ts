import { describe, expect, it } from 'vitest';
import { restSuite } from '../support/rest.ts';

/**
 * Resource embedding as PostgREST 12/13 documents it ("Resource Embedding", "Computed Fields"): the film
 * database of the docs, checked through supabase-js and raw HTTP, bodies and error texts word for word.
 */
const FIXTURE = `
create table directors (id int primary key, first_name text, last_name text);
create table films (id int primary key, director_id int references directors (id), title text, year int);
create table technical_specs (film_id int primary key references films (id), camera text);
create table actors (id int primary key, first_name text, last_name text);
create table roles (film_id int references films (id), actor_id int references actors (id), character text, primary key (film_id, actor_id));
create table addresses (id int primary key, name text);
create table orders (
  id int primary key, name text, billing_address_id int, shipping_address_id int,
  constraint billing foreign key (billing_address_id) references addresses (id),
  constraint shipping foreign key (shipping_address_id) references addresses (id)
);
create table employees (id int primary key, last_name text, supervisor_id int references employees (id));
create view film_titles as select id, title, director_id from films;
create table premieres (id int primary key, location text, film_id int);

insert into directors values (1, 'Louis', 'Lumière'), (2, 'Georges', 'Méliès'), (3, 'Quentin', 'Tarantino');
insert into films values (1, 1, 'Workers Leaving The Lumière Factory In Lyon', 1895), (2, 2, 'The Haunted Castle', 1896),
  (3, 3, 'Reservoir Dogs', 1992), (4, 3, 'Pulp Fiction', 1994);
insert into technical_specs values (4, 'Arriflex 35-III');
insert into actors values (1, 'Harvey', 'Keitel'), (2, 'Tim', 'Roth'), (3, 'Uma', 'Thurman');
insert into roles values (3, 1, 'Mr. White'), (3, 2, 'Mr. Orange'), (4, 3, 'Mia Wallace'), (4, 2, 'Pumpkin');
insert into addresses values (1, 'Home'), (2, 'Office');
insert into orders values (1, 'Water Filter', 1, 2);
insert into employees values (1, 'Taylor', null), (2, 'Johnson', 1), (3, 'Miller', 1);
insert into premieres values (1, 'Cannes', 4), (2, 'Berlin', 3);

create function full_name(directors) returns text language sql stable as $$ select $1.first_name || ' ' || $1.last_name $$;
create function film(premieres) returns setof films rows 1 language sql stable as $$ select * from films where id = $1.film_id $$;
create function premieres(films) returns setof premieres language sql stable as $$ select * from premieres where film_id = $1.id $$;
create function supervisor(employees) returns setof employees rows 1 language sql stable as $$
  select * from employees where id = $1.supervisor_id $$;
create function supervisees(employees) returns setof employees language sql stable as $$
  select * from employees where supervisor_id = $1.id $$;
`;

const suite = restSuite(FIXTURE);

describe('relationships', () => {
  it('embeds many-to-one, one-to-many, one-to-one and many-to-many', async () => {
    const { data, error } = await suite.anon.from('films').select('title, directors(last_name), technical_specs(camera), actors(first_name)').eq('id', 4).single();
    expect(error).toBeNull();
    expect(data).toMatchObject({ title: 'Pulp Fiction', directors: { last_name: 'Tarantino' }, technical_specs: { camera: 'Arriflex 35-III' } });
    expect((data as { actors: { first_name: string }[] }).actors.map((actor) => actor.first_name).sort()).toEqual(['Tim', 'Uma']);
    const viaJunction = await suite.rest('/films?select=title,actors!roles(first_name)&id=eq.3&actors.order=first_name');
    expect(viaJunction.json).toEqual([{ title: 'Reservoir Dogs', actors: [{ first_name: 'Harvey' }, { first_name: 'Tim' }] }]);
    const many = await suite.anon.from('directors').select('last_name, films(title)').eq('id', 3).order('id', { referencedTable: 'films' }).single();
    expect(many.data).toEqual({ last_name: 'Tarantino', films: [{ title: 'Reservoir Dogs' }, { title: 'Pulp Fiction' }] });
  });

  it('answers an ambiguous embedding with PGRST201 exactly as documented, and disambiguates with !constraint', async () => {
    const ambiguous = await suite.rest('/orders?select=*,addresses(*)');
    expect(ambiguous.status).toBe(300);
    expect(ambiguous.json).toEqual({
      code: 'PGRST201',
      details: [
        { cardinality: 'many-to-one', embedding: 'orders with addresses', relationship: 'billing using orders(billing_address_id) and addresses(id)' },
        { cardinality: 'many-to-one', embedding: 'orders with addresses', relationship: 'shipping using orders(shipping_address_id) and addresses(id)' },
      ],
      hint: "Try changing 'addresses' to one of the following: 'addresses!billing', 'addresses!shipping'. Find the desired relationship in the 'details' key.",
      message: "Could not embed because more than one relationship was found for 'orders' and 'addresses'",
    });
    const { data } = await suite.anon.from('orders').select('name, billing_address:addresses!billing(name), shipping_address:addresses!shipping(name)').single();
    expect(data).toEqual({ name: 'Water Filter', billing_address: { name: 'Home' }, shipping_address: { name: 'Office' } });
    const reverse = await suite.rest('/addresses?select=name,billing_orders:orders!billing(name),shipping_orders:orders!shipping(name)&id=eq.1');
    expect(reverse.json).toEqual([{ name: 'Home', billing_orders: [{ name: 'Water Filter' }], shipping_orders: [] }]);
    const byColumn = await suite.rest('/orders?select=name,addresses!shipping_address_id(name)');
    expect(byColumn.json).toEqual([{ name: 'Water Filter', addresses: { name: 'Office' } }]);
    const byTargetColumn = await suite.rest('/addresses?select=name,orders!billing_address_id(name)&id=eq.1');
    expect(byTargetColumn.json).toEqual([{ name: 'Home', orders: [{ name: 'Water Filter' }] }]);
  });

  it('reports PGRST200 with the schema and a suggestion', async () => {
    const missing = await suite.rest('/films?select=*,directorz(*)');
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({
      code: 'PGRST200',
      details: "Searched for a foreign key relationship between 'films' and 'directorz' in the schema 'public', but no matches were found.",
      hint: "Perhaps you meant 'directors' instead of 'directorz'.",
      message: "Could not find a relationship between 'films' and 'directorz' in the schema cache",
    });
    const withHint = await suite.rest('/films?select=*,directors!nope(*)');
    expect(withHint.json).toMatchObject({
      code: 'PGRST200',
      details: "Searched for a foreign key relationship between 'films' and 'directors' using the hint 'nope' in the schema 'public', but no matches were found.",
    });
  });

  it('embeds self-references by table name (one-to-many) and by column (many-to-one)', async () => {
    const children = await suite.rest('/employees?select=last_name,supervisees:employees(last_name)&id=eq.1');
    expect(children.json).toEqual([{ last_name: 'Taylor', supervisees: [{ last_name: 'Johnson' }, { last_name: 'Miller' }] }]);
    const parent = await suite.rest('/employees?select=last_name,boss:supervisor_id(last_name)&id=eq.2');
    expect(parent.json).toEqual([{ last_name: 'Johnson', boss: { last_name: 'Taylor' } }]);
  });

  it('embeds through views with the relationships of their tables', async () => {
    const view = await suite.rest('/film_titles?select=title,directors(last_name)&id=eq.2');
    expect(view.json).toEqual([{ title: 'The Haunted Castle', directors: { last_name: 'Méliès' } }]);
    const toView = await suite.rest('/directors?select=last_name,film_titles(title)&id=eq.1');
    expect(toView.json).toEqual([{ last_name: 'Lumière', film_titles: [{ title: 'Workers Leaving The Lumière Factory In Lyon' }] }]);
  });

  it('filters with empty embeds and null filters (semi and anti joins)', async () => {
    const withActor = await suite.rest('/films?select=title,actors()&actors.first_name=eq.Uma&actors=not.is.null');
    expect(withActor.json).toEqual([{ title: 'Pulp Fiction' }]);
    const noSpecs = await suite.rest('/films?select=id,technical_specs()&technical_specs=is.null&order=id');
    expect(noSpecs.json).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const counted = await suite.rest('/films?select=id,roles()&roles=not.is.null', { headers: { prefer: 'count=exact' } });
    expect(counted.headers.get('content-range')).toBe('0-1/2');
  });

  it('answers duplicate embed names with PostgreSQL 42712', async () => {
    const duplicate = await suite.rest('/films?select=directors(last_name),directors(first_name)');
    expect(duplicate.status).toBe(400);
    expect(duplicate.json).toMatchObject({ code: '42712', message: 'table name "films_directors_1" specified more than once' });
  });

  it('orders by a column of a to-one embed, and refuses a to-many one (PGRST118)', async () => {
    const ordered = await suite.rest('/films?select=title,directors(last_name)&order=directors(last_name).desc,id');
    expect((ordered.json as { title: string }[]).map((film) => film.title)).toEqual([
      'Reservoir Dogs',
      'Pulp Fiction',
      'The Haunted Castle',
      'Workers Leaving The Lumière Factory In Lyon',
    ]);
    const toMany = await suite.rest('/directors?select=*,films(title)&order=films(title)');
    expect(toMany.json).toEqual({
      code: 'PGRST118',
      details: "'directors' and 'films' do not form a many-to-one or one-to-one relationship",
      hint: null,
      message: "A related order on 'films' is not possible",
    });
    const notEmbedded = await suite.rest('/films?select=title&order=directors(last_name)');
    expect(notEmbedded.json).toMatchObject({ code: 'PGRST108', message: "'directors' is not an embedded resource in this request" });
  });
});

describe('spreads', () => {
  it('lifts the columns of a to-one embed into the parent', async () => {
    const { data } = await suite.anon.from('films').select('title, ...directors(director_first_name:first_name, director_last_name:last_name)').eq('id', 1).single();
    expect(data).toEqual({ title: 'Workers Leaving The Lumière Factory In Lyon', director_first_name: 'Louis', director_last_name: 'Lumière' });
  });

  it('turns the columns of a to-many spread into correlated arrays (PostgREST 13)', async () => {
    const spread = await suite.rest('/directors?select=first_name,...films(film_titles:title,film_years:year)&first_name=like.Quentin*&films.order=year');
    expect(spread.json).toEqual([{ first_name: 'Quentin', film_titles: ['Reservoir Dogs', 'Pulp Fiction'], film_years: [1992, 1994] }]);
  });

  it('spreads a junction table inside a many-to-many embed', async () => {
    const roles = await suite.rest('/films?select=title,cast:roles(character,...actors(first_name))&id=eq.3&cast.order=character');
    expect(roles.json).toEqual([{ title: 'Reservoir Dogs', cast: [{ character: 'Mr. Orange', first_name: 'Tim' }, { character: 'Mr. White', first_name: 'Harvey' }] }]);
  });
});

describe('computed fields and relationships', () => {
  it('selects, filters and orders by a computed field, which * leaves out', async () => {
    const computed = await suite.rest('/directors?select=id,full_name&full_name=like.*Tarantino&order=full_name');
    expect(computed.json).toEqual([{ id: 3, full_name: 'Quentin Tarantino' }]);
    const star = await suite.rest('/directors?select=*&id=eq.1');
    expect(star.json).toEqual([{ id: 1, first_name: 'Louis', last_name: 'Lumière' }]);
    const embedded = await suite.rest('/films?select=title,directors(full_name)&id=eq.2');
    expect(embedded.json).toEqual([{ title: 'The Haunted Castle', directors: { full_name: 'Georges Méliès' } }]);
  });

  it('embeds through functions: rows 1 is to-one, a set to-many, self-references too', async () => {
    const toOne = await suite.rest('/premieres?select=location,film(title)&order=id');
    expect(toOne.json).toEqual([
      { location: 'Cannes', film: { title: 'Pulp Fiction' } },
      { location: 'Berlin', film: { title: 'Reservoir Dogs' } },
    ]);
    const toMany = await suite.rest('/films?select=title,premieres(location)&id=eq.4');
    expect(toMany.json).toEqual([{ title: 'Pulp Fiction', premieres: [{ location: 'Cannes' }] }]);
    const selfOne = await suite.rest('/employees?select=last_name,supervisor(last_name)&id=eq.3');
    expect(selfOne.json).toEqual([{ last_name: 'Miller', supervisor: { last_name: 'Taylor' } }]);
    const selfMany = await suite.rest('/employees?select=last_name,supervisees(last_name)&id=eq.1&supervisees.order=last_name');
    expect(selfMany.json).toEqual([{ last_name: 'Taylor', supervisees: [{ last_name: 'Johnson' }, { last_name: 'Miller' }] }]);
  });

  it('returns computed fields and relationships from writes', async () => {
    const inserted = await suite.rest('/premieres?select=location,film(title)', {
      method: 'POST',
      headers: { prefer: 'return=representation' },
      body: { id: 3, location: 'Venice', film_id: 2 },
    });
    expect(inserted.status).toBe(201);
    expect(inserted.json).toEqual([{ location: 'Venice', film: { title: 'The Haunted Castle' } }]);
    const updated = await suite.rest('/directors?select=full_name&id=eq.2', { method: 'PATCH', headers: { prefer: 'return=representation' }, body: { first_name: 'G.' } });
    expect(updated.json).toEqual([{ full_name: 'G. Méliès' }]);
  });
});

describe('output formats', () => {
  it('quotes CSV as PostgreSQL prints records, as PostgREST does', async () => {
    await suite.db.sql`create table csv_rows (id int primary key, t text, n numeric, b boolean, a text[])`;
    await suite.db.sql`insert into csv_rows values (1, 'plain', 1.50, true, '{x,y}'), (2, 'with, comma "quoted"', null, false, '{}'), (3, '', 0, null, null)`;
    await suite.db.sql`notify pgrst, 'reload schema'`;
    let csv = await suite.rest('/csv_rows?order=id', { headers: { accept: 'text/csv' } });
    for (let attempt = 0; attempt < 100 && csv.status !== 200; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      csv = await suite.rest('/csv_rows?order=id', { headers: { accept: 'text/csv' } });
    }
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.text).toBe('id,t,n,b,a\n1,plain,1.50,t,"{x,y}"\n2,"with, comma ""quoted""",,f,{}\n3,"",0,,');
    const empty = await suite.rest('/csv_rows?id=eq.99', { headers: { accept: 'text/csv' } });
    expect(empty.text).toBe('\n');
  });

  it('answers an Accept it cannot produce with PGRST107', async () => {
    const xml = await suite.rest('/films', { headers: { accept: 'application/xml' } });
    expect(xml.status).toBe(406);
    expect(xml.json).toEqual({ code: 'PGRST107', details: null, hint: null, message: 'None of these media types are available: application/xml' });
    const plan = await suite.rest('/films', { headers: { accept: 'application/vnd.pgrst.plan+json' } });
    expect(plan.status).toBe(406);
    expect(plan.json).toMatchObject({ code: 'PGRST107', message: 'None of these media types are available: application/vnd.pgrst.plan+json; for="application/json"' });
  });
});
