import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, isAlive, waitUntilGone } from '../../local-stack/processes.ts';
import { makeDataDir } from '../../local-stack/scratch-cluster.ts';

const run = promisify(execFile);
const CLI = path.resolve('local-stack/cli.ts');

interface Stack {
  dataDir: string;
  apiPort: number;
  dbPort: number;
  mailPort: number;
  env: NodeJS.ProcessEnv;
}

async function newStack(): Promise<Stack> {
  const dataDir = makeDataDir('jobs-stack');
  const apiPort = await freePort();
  const dbPort = await freePort();
  const mailPort = await freePort();
  return {
    dataDir,
    apiPort,
    dbPort,
    mailPort,
    env: {
      ...process.env,
      LOCAL_STACK_DATA_DIR: dataDir,
      LOCAL_STACK_API_PORT: String(apiPort),
      LOCAL_STACK_DB_PORT: String(dbPort),
      LOCAL_STACK_MAIL_PORT: String(mailPort),
    },
  };
}

async function cli(stack: Stack, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: stack.env,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

const dbUrlOf = (stack: Stack) => `postgresql://postgres:postgres@127.0.0.1:${stack.dbPort}/postgres`;
const pidOf = (stack: Stack) => Number(readFileSync(path.join(stack.dataDir, 'stack.pid'), 'utf8'));
const postmasterPidOf = (stack: Stack) =>
  Number(readFileSync(path.join(stack.dataDir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function withDb<T>(stack: Stack, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(dbUrlOf(stack), { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

const stacks: Stack[] = [];
let stack: Stack;

beforeEach(async () => {
  stack = await newStack();
  stacks.push(stack);
});

afterEach(async () => {
  await cli(stack, 'stop');
});

afterAll(() => {
  for (const { dataDir } of stacks) rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run local:*', () => {
  it('start prints the status table, serves SQL and health, stop frees everything, restart keeps data, reset restores the seed', async () => {
    const started = await cli(stack, 'start');
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain(`API URL: http://127.0.0.1:${stack.apiPort}`);
    expect(started.stdout).toContain(`DB URL: ${dbUrlOf(stack)}`);
    expect(started.stdout).toMatch(/anon key: eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expect(started.stdout).toMatch(/service_role key: eyJ/);
    expect(started.stdout).toContain('Publishable key: sb_publishable_');
    expect(started.stdout).toContain(`Mailpit URL: http://127.0.0.1:${stack.mailPort}`);

    const health = await fetch(`http://127.0.0.1:${stack.apiPort}/health`);
    expect(health.status).toBe(200);
    const inbox = await fetch(`http://127.0.0.1:${stack.mailPort}/api/v1/messages`);
    expect(await inbox.json()).toMatchObject({ total: 0, messages: [] });

    const env = await cli(stack, 'status', '-o', 'env');
    expect(env.code).toBe(0);
    expect(env.stdout).toContain(`API_URL="http://127.0.0.1:${stack.apiPort}"`);
    expect(env.stdout).toContain('ANON_KEY="eyJ');
    expect(env.stdout).toContain('PUBLISHABLE_KEY="sb_publishable_');
    // The CLI's publishable key is let in by the running stack's gateway.
    const settings = await fetch(`http://127.0.0.1:${stack.apiPort}/auth/v1/settings`, { headers: { apikey: /PUBLISHABLE_KEY="([^"]+)"/.exec(env.stdout)![1] } });
    expect(settings.status).toBe(200);
    expect(env.stdout).toContain(`NEXT_PUBLIC_SUPABASE_URL="http://127.0.0.1:${stack.apiPort}"`);
    expect(env.stdout).toContain(`MAILPIT_URL="http://127.0.0.1:${stack.mailPort}"`);

    const migrations = readdirSync('supabase/migrations').filter((file) => file.endsWith('.sql'));
    await withDb(stack, async (sql) => {
      if (migrations.length > 0) {
        const applied = await sql<{ version: string }[]>`select version from supabase_migrations.schema_migrations order by 1`;
        expect(applied.map((row) => row.version)).toEqual(migrations.map((file) => file.split('_')[0]).sort());
      }
      const sub = '11111111-2222-4333-8444-555555555555';
      const [row] = await sql.begin(async (tx) => {
        await tx`set local role authenticated`;
        await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub, role: 'authenticated' })}, true)`;
        return tx<{ uid: string }[]>`select auth.uid() as uid`;
      });
      expect(row.uid).toBe(sub);
      await sql`create table public.survives_restart (note text)`;
      await sql`insert into public.survives_restart values ('kept')`;
    });

    const again = await cli(stack, 'start');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already running');

    const postmaster = postmasterPidOf(stack);
    const serve = pidOf(stack);
    const stopped = await cli(stack, 'stop');
    expect(stopped.code).toBe(0);
    expect(isAlive(serve)).toBe(false);
    expect(isAlive(postmaster)).toBe(false);
    expect(await portIsFree(stack.apiPort)).toBe(true);
    expect(await portIsFree(stack.dbPort)).toBe(true);
    expect(await portIsFree(stack.mailPort)).toBe(true);
    expect((await cli(stack, 'status')).code).toBe(1);

    expect((await cli(stack, 'start')).code).toBe(0);
    await withDb(stack, async (sql) => {
      expect(await sql`select note from public.survives_restart`).toEqual([{ note: 'kept' }]);
    });

    const reset = await cli(stack, 'reset');
    expect(reset.code, reset.stderr).toBe(0);
    await withDb(stack, async (sql) => {
      const [{ exists }] = await sql<{ exists: boolean }[]>`select to_regclass('public.survives_restart') is not null as exists`;
      expect(exists).toBe(false);
      const seeds = await sql<{ path: string }[]>`
        select path from supabase_migrations.seed_files where to_regclass('supabase_migrations.seed_files') is not null`;
      expect(seeds.map((seed) => seed.path)).toEqual(['supabase/seed.sql']);
    });
  }, 240_000);

  it('two concurrent starts give one healthy stack', async () => {
    const [first, second] = await Promise.all([cli(stack, 'start'), cli(stack, 'start')]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const serve = pidOf(stack);
    expect(isAlive(serve)).toBe(true);
    const log = readFileSync(path.join(stack.dataDir, 'stack.log'), 'utf8');
    expect(log.match(/ready on/g)).toHaveLength(1);
  }, 180_000);

  it('recovers from kill -9: a stale pid file and an orphaned PostgreSQL do not block the next start, data is kept', async () => {
    expect((await cli(stack, 'start')).code).toBe(0);
    await withDb(stack, (sql) => sql`create table public.before_crash (id int)`);
    const serve = pidOf(stack);
    process.kill(serve, 'SIGKILL');
    expect(await waitUntilGone(serve, 5_000)).toBe(true);

    const restarted = await cli(stack, 'start');
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(pidOf(stack)).not.toBe(serve);
    await withDb(stack, async (sql) => {
      const [{ exists }] = await sql<{ exists: boolean }[]>`select to_regclass('public.before_crash') is not null as exists`;
      expect(exists).toBe(true);
    });
  }, 180_000);

  it('refuses to start when a port is taken by something else, naming the port', async () => {
    const sockets = new Set<net.Socket>();
    const squatter = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => squatter.listen(stack.apiPort, '127.0.0.1', resolve));
    try {
      const result = await cli(stack, 'start');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Port ${stack.apiPort} (API) is already in use`);
      expect(result.stderr).toContain('LOCAL_STACK_API_PORT');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    // The failed start left nothing running: the database port is free again.
    expect(await portIsFree(stack.dbPort)).toBe(true);
  }, 180_000);
});
