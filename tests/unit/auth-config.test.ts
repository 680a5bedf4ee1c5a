import { describe, expect, it } from 'vitest';
import { authConfigFrom } from '../../local-stack/auth/auth-config.ts';
import { TokenBucketLimiter } from '../../local-stack/auth/rate-limits.ts';
import { globToRegExp, isRedirectUrlValid } from '../../local-stack/auth/redirect-urls.ts';
import { REPO_ROOT } from '../../local-stack/config.ts';
import { loadProjectConfig, parseProjectConfig } from '../../local-stack/project-config.ts';

describe('Auth settings from config.toml, as the CLI hands them to GoTrue', () => {
  it('reads the project file: autoconfirm, rotation, limits, and the mail catcher taking all mail', () => {
    const config = authConfigFrom(loadProjectConfig(REPO_ROOT), 'http://127.0.0.1:54321');
    expect(config).toMatchObject({
      siteUrl: 'http://127.0.0.1:3000',
      uriAllowList: ['https://127.0.0.1:3000'],
      externalUrl: 'http://127.0.0.1:54321/auth/v1',
      jwtIssuer: 'http://127.0.0.1:54321/auth/v1',
      jwtExpirySeconds: 3600,
      refreshTokenRotation: true,
      refreshTokenReuseIntervalSeconds: 10,
      disableSignup: false,
      anonymousSignIns: false,
      email: { enabled: true, autoconfirm: true, secureEmailChange: true, maxFrequencyMs: 1000, otpLength: 6, otpExpirySeconds: 3600 },
      mfa: { maxEnrolledFactors: 10, totp: { enrollEnabled: false, verifyEnabled: false } },
      rateLimits: { emailSentPerHour: 360_000, tokenRefresh: 150, signInSignUps: 30, tokenVerifications: 30, anonymousUsersPerHour: 30 },
    });
  });

  it('applies email_sent only with a real SMTP server, and maps password requirements to character sets', () => {
    const config = authConfigFrom(
      parseProjectConfig('[auth]\npassword_requirements = "lower_upper_letters_digits"\n[auth.rate_limit]\nemail_sent = 7\n[auth.email.smtp]\nhost = "smtp.example"\n'),
      'http://x',
    );
    expect(config.rateLimits.emailSentPerHour).toBe(7);
    expect(config.password.requiredCharacters).toHaveLength(3);
    expect(() => authConfigFrom(parseProjectConfig('[auth]\npassword_requirements = "emoji"\n'), 'http://x')).toThrow(/password_requirements/);
  });
});

describe('redirect allow-list (GoTrue\'s IsRedirectURLValid with gobwas globs)', () => {
  const config = { siteUrl: 'http://localhost:3000', uriAllowList: ['https://*.example.com/**', 'myapp://callback', 'https://app.test/a?b'] };
  it.each([
    ['http://localhost:9999/anything', true],
    ['http://127.0.0.1:1234/', true],
    ['http://[::1]:8080/x', true],
    ['https://preview.example.com/auth/confirm?next=/x', true],
    ['https://a.b.example.com/', false],
    ['https://evil.com/?https://x.example.com/', false],
    ['myapp://callback', true],
    ['myapp://callback/extra', false],
    ['http://2130706433/', false],
    ['http://0x7f.1/', false],
    ['javascript:alert(1)', false],
    ['', false],
  ])('%s → %s', (url, allowed) => {
    expect(isRedirectUrlValid(config, url)).toBe(allowed);
  });

  it('compiles globs with `.` and `/` as separators', () => {
    expect(globToRegExp('https://*.x.io').test('https://a.x.io')).toBe(true);
    expect(globToRegExp('https://*.x.io').test('https://a.b.x.io')).toBe(false);
    expect(globToRegExp('https://**.x.io').test('https://a.b.x.io')).toBe(true);
    expect(globToRegExp('https://{a,b}.x.io/?').test('https://b.x.io/1')).toBe(true);
    expect(globToRegExp('https://[ab].x.io').test('https://c.x.io')).toBe(false);
  });
});

describe('token bucket (golang.org/x/time/rate, as tollbooth)', () => {
  it('allows a burst, then refills at the rate, per key', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter(0.5, 3, () => now);
    expect([1, 2, 3, 4].map(() => limiter.allow('a'))).toEqual([true, true, true, false]);
    expect(limiter.allow('b')).toBe(true);
    now += 1000;
    expect(limiter.allow('a')).toBe(false);
    now += 1000;
    expect(limiter.allow('a')).toBe(true);
    now += 60 * 60 * 1000 + 1;
    expect([1, 2, 3, 4].map(() => limiter.allow('a'))).toEqual([true, true, true, false]);
  });
});
