import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** docs/GENERATION_JOBS_SCHEMA.md as plain text, so the dashboard's documentation panel can link to it. */
export async function GET() {
  const markdown = await readFile(path.join(process.cwd(), 'docs', 'GENERATION_JOBS_SCHEMA.md'), 'utf8');
  return new Response(markdown, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
}
