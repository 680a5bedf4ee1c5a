import { describe, expect, it } from 'vitest';
import { loginPath, safeNextPath } from '../../lib/auth/redirects.ts';

describe('safeNextPath', () => {
  it.each([
    ['/jobs-test', '/jobs-test'],
    ['/jobs-test?project=1', '/jobs-test?project=1'],
    [null, '/jobs-test'],
    ['', '/jobs-test'],
    ['https://evil.example', '/jobs-test'],
    ['//evil.example/path', '/jobs-test'],
    ['/\\evil.example', '/jobs-test'],
    ['jobs-test', '/jobs-test'],
  ])('%j → %j', (input, expected) => {
    expect(safeNextPath(input)).toBe(expected);
  });

  it('loginPath carries the way back, encoded', () => {
    expect(loginPath('/jobs-test?a=1&b=2')).toBe('/login?next=%2Fjobs-test%3Fa%3D1%26b%3D2');
    expect(loginPath('//evil.example')).toBe('/login?next=%2Fjobs-test');
  });
});
