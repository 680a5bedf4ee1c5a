import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type APIResponse } from '@playwright/test';
import { collectCspViolations } from './csp-violations';
import { collectPageErrors, DEMO_USER, signIn } from './helpers';
import { APP_URL, BROWSER_TEST_PORTS } from './ports';

const SUPABASE_ORIGIN = `http://127.0.0.1:${BROWSER_TEST_PORTS.api}`;

function directives(response: APIResponse): Map<string, string[]> {
  const csp = response.headers()['content-security-policy'];
  expect(csp, `no CSP on ${response.url()}`).toBeTruthy();
  return new Map(
    csp.split(';').map((directive) => {
      const [name, ...sources] = directive.trim().split(/\s+/);
      return [name, sources] as [string, string[]];
    }),
  );
}

function expectFixedHeaders(response: APIResponse) {
  const headers = response.headers();
  expect(headers['x-content-type-options'], response.url()).toBe('nosniff');
  expect(headers['referrer-policy'], response.url()).toBe('strict-origin-when-cross-origin');
  expect(headers['permissions-policy'], response.url()).toContain('camera=()');
  expect(headers['x-frame-options'], response.url()).toBe('DENY');
}

test('pages, redirects and route handlers carry the security headers and a per-request nonce CSP', async ({ request }) => {
  const responses = [
    await request.get('/'),
    await request.get('/login'),
    await request.get('/jobs-test', { maxRedirects: 0 }), // signed out: the proxy's redirect
    await request.get('/jobs-test/schema-doc', { maxRedirects: 0 }),
    await request.get('/auth/confirm?token_hash=forged&type=email', { maxRedirects: 0 }), // a route handler
  ];
  expect(responses.map((response) => response.status())).toEqual([200, 200, 307, 307, 307]);

  const nonces = new Set<string>();
  for (const response of responses) {
    expectFixedHeaders(response);
    const csp = directives(response);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'self'"]);
    const scripts = csp.get('script-src') ?? [];
    expect(scripts).toContain("'strict-dynamic'");
    expect(scripts).not.toContain("'unsafe-eval'"); // production build
    expect(scripts).not.toContain("'unsafe-inline'");
    const nonce = scripts.find((source) => source.startsWith("'nonce-"));
    expect(nonce).toMatch(/^'nonce-[A-Za-z0-9+/]{22}=='$/); // 128 random bits
    nonces.add(nonce!);
    expect(csp.get('connect-src')).toEqual(expect.arrayContaining(["'self'", SUPABASE_ORIGIN, SUPABASE_ORIGIN.replace('http', 'ws')]));
    expect(csp.get('img-src')).toEqual(expect.arrayContaining(["'self'", 'blob:', 'data:', SUPABASE_ORIGIN]));
  }
  expect(nonces.size).toBe(responses.length); // new for every request

  // Every script of a page carries that response's nonce.
  const login = await request.get('/login');
  const nonce = directives(login).get('script-src')!.find((source) => source.startsWith("'nonce-"))!.slice(7, -1);
  const html = await login.text();
  const scriptTags = html.match(/<script\b[^>]*>/g) ?? [];
  expect(scriptTags.length).toBeGreaterThan(0);
  for (const tag of scriptTags) expect(tag).toContain(`nonce="${nonce}"`);

  // Static files get the fixed headers too.
  const script = html.match(/src="(\/_next\/static\/[^"]+\.js)"/)?.[1];
  expect(script).toBeTruthy();
  expectFixedHeaders(await request.get(script!));
  expectFixedHeaders(await request.get('/icon.svg'));
});

test('another origin cannot frame the app', async ({ page }) => {
  const errors = collectPageErrors(page);
  // A real page on another origin (its own port) framing the dashboard, and, as a control that the check
  // can see a framed page at all, a page of its own origin.
  const attacker = createServer((request, response) => {
    response.setHeader('content-type', 'text/html');
    if (request.url === '/control') return response.end('<h1>framed control</h1>');
    response.end(`<!doctype html><title>attacker</title>
      <iframe id="app" src="${APP_URL}/jobs-test"></iframe>
      <iframe id="control" src="/control"></iframe>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  try {
    await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
    await expect(page.frameLocator('#control').getByRole('heading', { name: 'framed control' })).toBeVisible();
    // Chromium refuses the frame (frame-ancestors 'none'): the app never renders inside it.
    await expect.poll(() => errors).toContainEqual(expect.stringMatching(/frame-ancestors 'none'/));
    await expect(page.frameLocator('#app').getByRole('heading', { name: 'Sign in to the jobs dashboard' })).toHaveCount(0);
  } finally {
    attacker.close();
  }
});

test('the login page and the dashboard run without a single CSP violation', async ({ page }) => {
  const violations = await collectCspViolations(page);
  const errors = collectPageErrors(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Generation jobs');
  await page.getByRole('link', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, DEMO_USER.email, DEMO_USER.password);
  await expect(page).toHaveURL(/\/jobs-test$/);
  await expect(page.getByRole('article').first()).toBeVisible();
  // Client-side work after hydration: switch project, open and close a dialog.
  await page.getByLabel('Selected project', { exact: true }).selectOption({ label: 'Spring sneaker launch' });
  const running = page.locator('article[data-status="running"]').first();
  await running.getByRole('button', { name: /^Mark failed/ }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toBeHidden();
  await page.reload();
  await expect(page.getByRole('article').first()).toBeVisible();
  expect(violations).toEqual([]);
  expect(errors).toEqual([]);

  // A route handler's own answer (signed in, so not the proxy's redirect) carries the headers too.
  const schemaDoc = await page.request.get('/jobs-test/schema-doc', { maxRedirects: 0 });
  expect(schemaDoc.status()).toBe(200);
  expectFixedHeaders(schemaDoc);
  expect(directives(schemaDoc).get('frame-ancestors')).toEqual(["'none'"]);
});
