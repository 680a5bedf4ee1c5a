import { describe, expect, it } from 'vitest';
import { confirmationErrorCode, loginErrorText, loginMessageText } from '../../lib/auth/login-messages.ts';
import { loginPath, mfaChallengePath, safeNextPath } from '../../lib/auth/redirects.ts';

describe('safeNextPath', () => {
  it.each([
    ['/jobs-test', '/jobs-test'],
    ['/jobs-test?project=1#top', '/jobs-test?project=1#top'],
    ['/a/../jobs-test', '/jobs-test'],
    ['/%09/evil.example', '/%09/evil.example'],
    [null, '/jobs-test'],
    ['', '/jobs-test'],
    ['https://evil.example', '/jobs-test'],
    ['//evil.example/path', '/jobs-test'],
    ['/\\evil.example', '/jobs-test'],
    ['/\t/evil.example', '/jobs-test'],
    ['/\n/evil.example', '/jobs-test'],
    ['/\r\nSet-Cookie: x=1', '/jobs-test'],
    ['\t//evil.example', '/jobs-test'],
    ['/ /evil.example', '/%20/evil.example'],
    ['jobs-test', '/jobs-test'],
    ['javascript:alert(1)', '/jobs-test'],
    [`/${'a'.repeat(3000)}`, '/jobs-test'],
  ])('%j → %j', (input, expected) => {
    expect(safeNextPath(input)).toBe(expected);
  });

  it('never returns a value a browser would read as another origin', () => {
    for (const candidate of ['/\t/evil.example', '/\\/evil.example', '//evil.example', '/%2F/evil.example', '/./\t/evil']) {
      const target = new URL(safeNextPath(candidate), 'https://app.example');
      expect(target.origin).toBe('https://app.example');
    }
  });

  it('loginPath and mfaChallengePath carry the way back, encoded and checked', () => {
    expect(loginPath('/jobs-test?a=1&b=2')).toBe('/login?next=%2Fjobs-test%3Fa%3D1%26b%3D2');
    expect(loginPath('//evil.example')).toBe('/login?next=%2Fjobs-test');
    expect(mfaChallengePath('/\t/evil.example')).toBe('/auth/mfa?next=%2Fjobs-test');
  });
});

describe('login page messages', () => {
  it('shows known codes only', () => {
    expect(loginErrorText('confirmation_failed')).toMatch(/^Email confirmation failed/);
    expect(loginErrorText('Your account is locked, call +1 555 scam')).toBeNull();
    expect(loginErrorText('toString')).toBeNull();
    expect(loginErrorText(['confirmation_failed'])).toBeNull();
    expect(loginMessageText('password_updated')).toMatch(/password was changed/);
    expect(loginMessageText('<b>hi</b>')).toBeNull();
  });

  it('maps GoTrue error codes from /verify redirects', () => {
    expect(confirmationErrorCode('otp_expired')).toBe('link_expired');
    expect(confirmationErrorCode('anything')).toBe('confirmation_failed');
    expect(confirmationErrorCode(null)).toBe('confirmation_failed');
  });
});
