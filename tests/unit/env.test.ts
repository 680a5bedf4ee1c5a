import { afterEach, describe, expect, it } from 'vitest';
import { publicEnv, serviceRoleKey } from '../../lib/env.ts';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const KEY = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiJ9.signature';

describe('publicEnv', () => {
  it('accepts the legacy anon key or the newer publishable key', () => {
    process.env.NEXT_PUBLIC_SUPABASE_URL = 'https://abc.supabase.co';
    delete process.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY;
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = KEY;
    expect(publicEnv()).toEqual({ supabaseUrl: 'https://abc.supabase.co', supabaseKey: KEY });
    process.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY = 'sb_publishable_abcdefghijklmnopqrstuvwxyz';
    expect(publicEnv().supabaseKey).toBe('sb_publishable_abcdefghijklmnopqrstuvwxyz');
  });

  it('names the missing variable', () => {
    delete process.env.NEXT_PUBLIC_SUPABASE_URL;
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = KEY;
    expect(() => publicEnv()).toThrow(/NEXT_PUBLIC_SUPABASE_URL/);
    process.env.NEXT_PUBLIC_SUPABASE_URL = 'https://abc.supabase.co';
    delete process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY;
    delete process.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY;
    expect(() => publicEnv()).toThrow(/NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY or NEXT_PUBLIC_SUPABASE_ANON_KEY/);
  });

  it('rejects a URL that is not one', () => {
    process.env.NEXT_PUBLIC_SUPABASE_URL = 'localhost:54321';
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = KEY;
    expect(() => publicEnv()).toThrow(/NEXT_PUBLIC_SUPABASE_URL must be the URL/);
  });

  it('serviceRoleKey names SUPABASE_SERVICE_ROLE_KEY when it is missing', () => {
    delete process.env.SUPABASE_SERVICE_ROLE_KEY;
    expect(() => serviceRoleKey()).toThrow(/SUPABASE_SERVICE_ROLE_KEY is missing/);
  });
});
