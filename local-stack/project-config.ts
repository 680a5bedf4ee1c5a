import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { z } from 'zod';

/**
 * `supabase/config.toml`, read as the Supabase CLI reads it for what the local stack serves: the API's
 * exposed schemas and row limit, Auth's switches, limits and mail settings, Storage's size limit and the
 * local mail catcher. Missing keys take the CLI's defaults; `env(NAME)` values are substituted from the
 * environment as the CLI does. Unknown keys are ignored (the file configures much we do not run).
 */

/** Where `env(NAME)` values come from (process.env by default). */
export type Environment = Readonly<Record<string, string | undefined>>;

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** "50MiB", "5MB", "1024" → bytes (the CLI's size strings). */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = match ? UNITS[(match[2] || 'b').toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new Error(`not a size: "${value}" (use e.g. 50MiB)`);
  return Math.floor(Number(match[1]) * unit);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go durations as the CLI writes them ("1s", "1m30s", "2h") → milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value * 1000;
  let total = 0;
  let rest = value.trim();
  if (rest === '' || rest === '0') return 0;
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!match) throw new Error(`not a duration: "${value}" (use e.g. 1s, 5m, 1h)`);
    total += Number(match[1]) * DURATION_UNITS[match[2]];
    rest = rest.slice(match[0].length);
  }
  return total;
}

const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return parseSize(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const enabledOnly = z.object({ enabled: z.boolean().default(false) }).prefault({});

const mailCatcher = z
  .object({
    enabled: z.boolean().optional(),
    port: z.number().int().optional(),
    admin_email: z.string().optional(),
    sender_name: z.string().optional(),
  })
  .prefault({});

const configSchema = z.object({
  project_id: z.string().default('local'),
  api: z
    .object({
      enabled: z.boolean().default(true),
      schemas: z.array(z.string()).default(['public', 'graphql_public']),
      extra_search_path: z.array(z.string()).default(['public', 'extensions']),
      max_rows: z.number().int().positive().default(1000),
    })
    .prefault({}),
  realtime: z.object({ enabled: z.boolean().default(true) }).prefault({}),
  // Older CLIs call the mail catcher [inbucket]; newer ones [local_smtp]. Both are read (local_smtp wins).
  local_smtp: mailCatcher,
  inbucket: mailCatcher,
  storage: z
    .object({
      enabled: z.boolean().default(true),
      file_size_limit: size.default(50 * 1024 ** 2),
    })
    .prefault({}),
  auth: z
    .object({
      enabled: z.boolean().default(true),
      site_url: z.string().default('http://127.0.0.1:3000'),
      // The public URL Auth serves on; empty means the API URL with /auth/v1 appended.
      external_url: z.string().default(''),
      jwt_issuer: z.string().default(''),
      additional_redirect_urls: z.array(z.string()).default([]),
      jwt_expiry: z.number().int().positive().default(3600),
      enable_refresh_token_rotation: z.boolean().default(true),
      refresh_token_reuse_interval: z.number().int().min(0).default(10),
      enable_signup: z.boolean().default(true),
      enable_anonymous_sign_ins: z.boolean().default(false),
      enable_manual_linking: z.boolean().default(false),
      minimum_password_length: z.number().int().min(0).default(6),
      password_requirements: z.string().default(''),
      rate_limit: z
        .object({
          email_sent: z.number().int().min(0).default(2),
          sms_sent: z.number().int().min(0).default(30),
          anonymous_users: z.number().int().min(0).default(30),
          token_refresh: z.number().int().min(0).default(150),
          sign_in_sign_ups: z.number().int().min(0).default(30),
          token_verifications: z.number().int().min(0).default(30),
          web3: z.number().int().min(0).default(30),
        })
        .prefault({}),
      email: z
        .object({
          enable_signup: z.boolean().default(true),
          double_confirm_changes: z.boolean().default(true),
          enable_confirmations: z.boolean().default(false),
          secure_password_change: z.boolean().default(false),
          max_frequency: duration.default(1000),
          otp_length: z.number().int().min(6).max(10).default(6),
          otp_expiry: z.number().int().positive().default(3600),
          // A real SMTP server; only then does the CLI apply rate_limit.email_sent (the mail catcher is unlimited).
          smtp: z.object({ enabled: z.boolean().default(true) }).optional(),
        })
        .prefault({}),
      sms: z.object({ enable_signup: z.boolean().default(false) }).prefault({}),
      mfa: z
        .object({
          max_enrolled_factors: z.number().int().min(0).default(10),
          totp: z.object({ enroll_enabled: z.boolean().default(false), verify_enabled: z.boolean().default(false) }).prefault({}),
          phone: z.object({ enroll_enabled: z.boolean().default(false), verify_enabled: z.boolean().default(false) }).prefault({}),
        })
        .prefault({}),
      external: z.record(z.string(), enabledOnly).default({}),
      web3: z.record(z.string(), enabledOnly).default({}),
    })
    .prefault({}),
});

type RawConfig = z.output<typeof configSchema>;

export interface ProjectConfig extends Omit<RawConfig, 'local_smtp' | 'inbucket'> {
  /** The local mail catcher (Mailpit on the CLI): enabled, its web/API port, and the sender of Auth's mail. */
  mail: { enabled: boolean; port: number; adminEmail: string; senderName: string };
}

/** Replaces `env(NAME)` strings with the environment's value, as the CLI does ("" when unset). */
function substituteEnv(value: unknown, env: Environment): unknown {
  if (typeof value === 'string') {
    const match = /^env\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(value.trim());
    return match ? (env[match[1]] ?? '') : value;
  }
  if (Array.isArray(value)) return value.map((item) => substituteEnv(item, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteEnv(item, env)]));
  }
  return value;
}

/** Parses the text of a config.toml (`source` names it in errors). */
export function parseProjectConfig(text: string, source = 'config.toml', env: Environment = process.env): ProjectConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid TOML: ${(error as Error).message}`);
  }
  const result = configSchema.safeParse(substituteEnv(raw, env));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`${source}: ${problems}`);
  }
  const { local_smtp: smtp, inbucket, ...rest } = result.data;
  return {
    ...rest,
    mail: {
      enabled: smtp.enabled ?? inbucket.enabled ?? true,
      port: smtp.port ?? inbucket.port ?? 54324,
      adminEmail: smtp.admin_email ?? inbucket.admin_email ?? 'admin@email.com',
      senderName: smtp.sender_name ?? inbucket.sender_name ?? 'Admin',
    },
  };
}

/** `<projectDir>/supabase/config.toml`; the CLI's defaults when the file does not exist. */
export function loadProjectConfig(projectDir: string, env: Environment = process.env): ProjectConfig {
  const file = path.join(projectDir, 'supabase', 'config.toml');
  return parseProjectConfig(existsSync(file) ? readFileSync(file, 'utf8') : '', file, env);
}
