import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailServer, type MailServer } from '../../local-stack/mail/server.ts';
import { MailStore } from '../../local-stack/mail/store.ts';
import { freePort } from '../../local-stack/processes.ts';

// The local inbox's Mailpit-compatible API and page, with the mail Auth would deliver.
let store: MailStore;
let server: MailServer;

beforeAll(async () => {
  store = new MailStore(5);
  server = await startMailServer(store, { host: '127.0.0.1', port: await freePort('127.0.0.1') });
});
afterAll(async () => {
  await server?.close();
});

const deliver = (to: string, subject: string, html = '<p><a href="http://x.test/verify?token=1&amp;type=signup">Confirm</a></p>') =>
  store.deliver({ from: { Name: 'Admin', Address: 'admin@email.com' }, to: [{ Name: '', Address: to }], subject, html, text: `${subject}\ncode: 123456` });

describe('Mailpit-compatible API', () => {
  it('lists newest first with Mailpit\'s summary fields, and pages', async () => {
    store.delete();
    deliver('a@example.com', 'First');
    deliver('b@example.com', 'Second');
    const page = await (await fetch(`${server.url}/api/v1/messages?limit=1`)).json();
    expect(page).toMatchObject({ total: 2, unread: 2, count: 1, messages_count: 2, start: 0, tags: [] });
    expect(page.messages[0]).toMatchObject({
      ID: expect.any(String),
      MessageID: expect.any(String),
      Read: false,
      From: { Name: 'Admin', Address: 'admin@email.com' },
      To: [{ Name: '', Address: 'b@example.com' }],
      Subject: 'Second',
      Created: expect.any(String),
      Snippet: 'Second code: 123456',
    });
    const second = await (await fetch(`${server.url}/api/v1/messages?start=1&limit=1`)).json();
    expect(second.messages[0].Subject).toBe('First');
  });

  it('reads a message (marking it read), its raw source, and `latest`', async () => {
    const stored = deliver('c@example.com', 'Read me');
    const message = await (await fetch(`${server.url}/api/v1/message/${stored.id}`)).json();
    expect(message).toMatchObject({ ID: stored.id, Subject: 'Read me', Text: expect.stringContaining('123456'), HTML: expect.stringContaining('href=') });
    expect(store.get(stored.id)!.read).toBe(true);
    expect((await (await fetch(`${server.url}/api/v1/message/latest`)).json()).ID).toBe(stored.id);
    const raw = await (await fetch(`${server.url}/api/v1/message/${stored.id}/raw`)).text();
    expect(raw).toContain('To: <c@example.com>');
    expect((await fetch(`${server.url}/api/v1/message/nope`)).status).toBe(404);
  });

  it('searches by recipient and subject, and deletes by id, by search, or all', async () => {
    store.delete();
    const one = deliver('d@example.com', 'Reset Your Password');
    deliver('e@example.com', 'Confirm Your Email');
    const found = await (await fetch(`${server.url}/api/v1/search?query=${encodeURIComponent('to:"d@example.com" subject:"reset"')}`)).json();
    expect(found.messages.map((m: { ID: string }) => m.ID)).toEqual([one.id]);
    expect((await fetch(`${server.url}/api/v1/search`)).status).toBe(400);
    await fetch(`${server.url}/api/v1/messages`, { method: 'DELETE', body: JSON.stringify({ IDs: [one.id] }) });
    expect(store.list().map((m) => m.subject)).toEqual(['Confirm Your Email']);
    await fetch(`${server.url}/api/v1/search?query=to:e@example.com`, { method: 'DELETE' });
    expect(store.list()).toHaveLength(0);
    deliver('f@example.com', 'x');
    expect((await fetch(`${server.url}/api/v1/messages`, { method: 'DELETE' })).status).toBe(200);
    expect(store.list()).toHaveLength(0);
    expect((await fetch(`${server.url}/api/v1/messages`, { method: 'DELETE', body: '{"IDs": 5' })).status).toBe(400);
  });

  it('keeps a bounded number of messages', () => {
    store.delete();
    for (let index = 0; index < 8; index++) deliver('g@example.com', `#${index}`);
    expect(store.list().map((m) => m.subject)).toEqual(['#7', '#6', '#5', '#4', '#3']);
  });
});

describe('inbox page', () => {
  it('lists mail and shows a message with its links, escaping what the mail contains', async () => {
    store.delete();
    const stored = deliver('h@example.com', '<script>alert(1)</script>');
    const inbox = await fetch(`${server.url}/`);
    expect(inbox.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await inbox.text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)</script>');
    const page = await (await fetch(`${server.url}/message/${stored.id}`)).text();
    expect(page).toContain('http://x.test/verify?token=1&amp;type=signup');
    const view = await fetch(`${server.url}/view/${stored.id}.html`);
    expect(view.headers.get('content-security-policy')).toMatch(/^sandbox/);
    const crossSite = await fetch(`${server.url}/delete-all`, { method: 'POST', headers: { origin: 'http://evil.example' }, redirect: 'manual' });
    expect(crossSite.status).toBe(403);
    expect(store.list()).toHaveLength(1);
  });
});
