import { z } from 'zod';

const publicEnvSchema = z.object({
  NEXT_PUBLIC_SUPABASE_URL: z.url({
    protocol: /^https?$/,
    message: 'NEXT_PUBLIC_SUPABASE_URL must be the URL of your Supabase project (or of the local stack: npm run dev sets it)',
  }),
  supabaseKey: z.string({
    message:
      'Set NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY or NEXT_PUBLIC_SUPABASE_ANON_KEY (Supabase dashboard → Project Settings → API keys)',
  }).min(20, 'The Supabase publishable/anon key looks truncated'),
});

export interface PublicEnv {
  supabaseUrl: string;
  /** Publishable key (newer projects) or the legacy anon key: both are safe in the browser. */
  supabaseKey: string;
}

function formatIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `- ${issue.message}`).join('\n');
}

/**
 * Public Supabase settings, validated once. The variables are read by their literal names so Next.js
 * can inline them into the browser bundle.
 */
export function publicEnv(): PublicEnv {
  const parsed = publicEnvSchema.safeParse({
    NEXT_PUBLIC_SUPABASE_URL: process.env.NEXT_PUBLIC_SUPABASE_URL,
    supabaseKey: process.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY || process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY,
  });
  if (!parsed.success) throw new Error(`Supabase is not configured:\n${formatIssues(parsed.error)}`);
  return { supabaseUrl: parsed.data.NEXT_PUBLIC_SUPABASE_URL, supabaseKey: parsed.data.supabaseKey };
}

/** Server-only secret; read lazily so the browser bundle never references it. */
export function serviceRoleKey(): string {
  const parsed = z
    .string({ message: 'SUPABASE_SERVICE_ROLE_KEY is missing (server only; npm run dev sets it for the local stack)' })
    .min(20)
    .safeParse(process.env.SUPABASE_SERVICE_ROLE_KEY);
  if (!parsed.success) throw new Error(`Supabase is not configured:\n${formatIssues(parsed.error)}`);
  return parsed.data;
}
