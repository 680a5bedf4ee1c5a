import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeaders } from '../../worker/webhooks/signing.ts';
import { RESPONSE_EXCERPT_BYTES, WebhookSender } from '../../worker/webhooks/webhook-sender.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

// A real receiver on 127.0.0.1: the strict sender must never reach it; the local-stack sender must.
let receiver: WebhookReceiver;
let port: string;
beforeAll(async () => {
  receiver = await startWebhookReceiver((request) => {
    if (request.body === 'big') return { status: 200, body: 'x'.repeat(1_000_000) };
    if (request.body === 'redirect') return { status: 302, headers: { location: 'https://example.com/' } };
    if (request.body === 'hang') return 'hang';
    return { status: 202, body: 'accepted' };
  });
  port = new URL(receiver.url).port;
});
afterAll(async () => {
  await receiver.close();
});

const strict = new WebhookSender({ timeoutMs: 2000, allowPrivateTargets: false });
const local = new WebhookSender({ timeoutMs: 500, allowPrivateTargets: true });
afterAll(() => {
  strict.close();
  local.close();
});

describe('private network targets', () => {
  it.each([
    'http://127.0.0.1:PORT/', // loopback
    'http://localhost:PORT/', // a name resolving to loopback
    'http://[::1]:PORT/', // IPv6 loopback
    'http://[::ffff:127.0.0.1]:PORT/', // IPv4-mapped IPv6
    'http://0x7f.1:PORT/', // 127.0.0.1 spelled in hex (the URL parser normalises it)
    'http://2130706433:PORT/', // 127.0.0.1 as one number
    'http://10.1.2.3/', // RFC 1918
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data/', // link-local: cloud metadata
    'http://100.64.0.1/', // CGNAT
    'http://[fc00::1]/', // IPv6 unique local
    'http://[fe80::1]/', // IPv6 link-local
    'http://0.0.0.0:PORT/', // unspecified
  ])('%s is refused before any request, and not retried', async (template) => {
    const before = receiver.received.length;
    const result = await strict.send({ url: template.replace('PORT', port), headers: {}, body: '{}' });
    expect(result).toMatchObject({ statusCode: null, retryable: false, responseExcerpt: null });
    expect(result.error).toMatch(/^refused: .* is a private or reserved address .*WEBHOOK_ALLOW_PRIVATE_TARGETS=true/);
    expect(receiver.received.length).toBe(before);
  });

  it('are reached when allowed (the local stack), except the unspecified address', async () => {
    expect(await local.send({ url: receiver.url, headers: {}, body: '{}' })).toMatchObject({ statusCode: 202, error: null, responseExcerpt: 'accepted' });
    expect((await local.send({ url: `http://0.0.0.0:${port}/`, headers: {}, body: '{}' })).error).toMatch(/^refused/);
  });

  it('URLs that are not http(s) or carry credentials are never tried', async () => {
    for (const url of ['ftp://example.com/', 'http://user:pw@example.com/', 'nonsense']) {
      expect(await local.send({ url, headers: {}, body: '{}' })).toMatchObject({ statusCode: null, retryable: false });
    }
  });
});

describe('what is read and sent', () => {
  it('reads only the start of a large answer', async () => {
    const result = await local.send({ url: receiver.url, headers: {}, body: 'big' });
    expect(result.statusCode).toBe(200);
    expect(result.responseExcerpt).toHaveLength(RESPONSE_EXCERPT_BYTES);
  });

  it('does not follow redirects, and times out on a receiver that never answers', async () => {
    expect(await local.send({ url: receiver.url, headers: {}, body: 'redirect' })).toMatchObject({ statusCode: 302 });
    expect(await local.send({ url: receiver.url, headers: {}, body: 'hang' })).toMatchObject({ statusCode: null, error: 'timed out after 500 ms', retryable: true });
  });

  it('an unreachable receiver is a retryable failure', async () => {
    const closed = await startWebhookReceiver();
    await closed.close();
    const result = await local.send({ url: closed.url, headers: {}, body: '{}' });
    expect(result).toMatchObject({ statusCode: null, retryable: true });
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('signs per Standard Webhooks: the receiver verifies with the library, with either secret after a rotation', async () => {
    const current = `whsec_${Buffer.from('a'.repeat(32)).toString('base64')}`;
    const previous = `whsec_${Buffer.from('b'.repeat(32)).toString('base64')}`;
    const body = JSON.stringify({ type: 'job.succeeded', timestamp: new Date().toISOString(), data: { id: 'x' } });
    const before = receiver.received.length;
    await local.send({ url: receiver.url, headers: signatureHeaders('msg_1', [current, previous], body), body });
    const [request] = receiver.received.slice(before);
    expect(request.headers).toMatchObject({ 'webhook-id': 'msg_1', 'content-type': 'application/json', 'user-agent': 'commerce-pix-webhooks/1.0' });
    expect(request.headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    for (const secret of [current, previous]) expect(new Webhook(secret).verify(request.body, request.headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(current).verify(`${request.body} `, request.headers)).toThrow();
  });
});
