import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../local-stack/config.ts';
import { loadProjectConfig, parseDuration, parseProjectConfig, parseSize } from '../../local-stack/project-config.ts';

describe('supabase/config.toml as the local stack reads it', () => {
  it("reads the project's own file", () => {
    const config = loadProjectConfig(REPO_ROOT);
    expect(config.api.schemas).toEqual(['public', 'graphql_public']);
    expect(config.api.max_rows).toBe(1000);
    expect(config.auth.jwt_expiry).toBe(3600);
    expect(config.auth.rate_limit.sign_in_sign_ups).toBe(30);
    expect(config.auth.email.max_frequency).toBe(1000);
    expect(config.storage.file_size_limit).toBe(50 * 1024 * 1024);
    expect(config.mail).toEqual({ enabled: true, port: 54324, adminEmail: 'admin@email.com', senderName: 'Admin' });
    expect(config.auth.external.apple).toEqual({ enabled: false });
  });

  it("takes the CLI's defaults for a missing file or missing keys", () => {
    const config = parseProjectConfig('[auth]\nenable_signup = false\n');
    expect(config.auth.enable_signup).toBe(false);
    expect(config.auth.enable_refresh_token_rotation).toBe(true);
    expect(config.auth.mfa.totp).toEqual({ enroll_enabled: false, verify_enabled: false });
    expect(config.api.schemas).toEqual(['public', 'graphql_public']);
  });

  it('substitutes env(NAME) and reads the older [inbucket] section', () => {
    const config = parseProjectConfig('[auth]\nsite_url = "env(SITE)"\n[inbucket]\nport = 9000\n', 'x.toml', { SITE: 'http://x.test' });
    expect(config.auth.site_url).toBe('http://x.test');
    expect(config.mail.port).toBe(9000);
  });

  it('names the file and the key on bad values', () => {
    expect(() => parseProjectConfig('[api]\nmax_rows = "many"\n', 'bad.toml')).toThrow(/bad\.toml: api\.max_rows/);
    expect(() => parseProjectConfig('[storage]\nfile_size_limit = "lots"\n', 'bad.toml')).toThrow(/not a size/);
    expect(() => parseProjectConfig('[api\n', 'broken.toml')).toThrow(/broken\.toml is not valid TOML/);
  });

  it('parses sizes and durations as the CLI writes them', () => {
    expect(parseSize('5MB')).toBe(5_000_000);
    expect(parseSize('1GiB')).toBe(1024 ** 3);
    expect(parseSize(2048)).toBe(2048);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
  });
});
