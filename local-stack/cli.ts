import { rmSync } from 'node:fs';
import { Command, Option } from 'commander';
import { defaultConfig, paths, type StackConfig } from './config.ts';
import { isHealthy, runningPid, serve, startInBackground, stopStack } from './daemon.ts';
import { stackInfo, type StackInfo } from './stack.ts';

type OutputFormat = 'pretty' | 'env' | 'json';

function format(info: StackInfo, output: OutputFormat): string {
  if (output === 'json') return JSON.stringify(info, null, 2);
  if (output === 'env') {
    const lines: Record<string, string> = {
      API_URL: info.apiUrl,
      DB_URL: info.dbUrl,
      JWT_SECRET: info.jwtSecret,
      ANON_KEY: info.anonKey,
      SERVICE_ROLE_KEY: info.serviceRoleKey,
      PUBLISHABLE_KEY: info.publishableKey,
      SECRET_KEY: info.secretKey,
      NEXT_PUBLIC_SUPABASE_URL: info.apiUrl,
      NEXT_PUBLIC_SUPABASE_ANON_KEY: info.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: info.serviceRoleKey,
      ...(info.mailUrl ? { MAILPIT_URL: info.mailUrl } : {}),
    };
    return Object.entries(lines)
      .map(([name, value]) => `${name}="${value}"`)
      .join('\n');
  }
  const rows: [string, string][] = [
    ['API URL', info.apiUrl],
    ['Auth URL', `${info.apiUrl}/auth/v1`],
    ['REST URL', `${info.apiUrl}/rest/v1`],
    ['Realtime URL', `${info.apiUrl.replace(/^http/, 'ws')}/realtime/v1`],
    ['DB URL', info.dbUrl],
    ...(info.mailUrl ? ([['Mailpit URL', info.mailUrl]] as [string, string][]) : []),
    ['JWT secret', info.jwtSecret],
    ['anon key', info.anonKey],
    ['service_role key', info.serviceRoleKey],
    ['Publishable key', info.publishableKey],
    ['Secret key', info.secretKey],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padStart(width)}: ${value}`).join('\n');
}

async function printStatus(config: StackConfig, output: OutputFormat): Promise<void> {
  console.log(format(await stackInfo(config), output));
}

async function run(action: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await action()) ?? 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}

const program = new Command()
  .name('local-stack')
  .description('A Docker-free local Supabase: PostgreSQL 17, platform bootstrap, migrations, Auth and REST APIs.');

program
  .command('start')
  .description('start the stack in the background (idempotent) and print its URLs and keys')
  .action(() =>
    run(async () => {
      const config = defaultConfig();
      const already = (await runningPid(config)) !== undefined && (await isHealthy(config));
      if (!already) console.log('Starting the local Supabase stack…');
      await startInBackground(config);
      console.log(already ? 'The local Supabase stack is already running.\n' : 'Started the local Supabase stack.\n');
      await printStatus(config, 'pretty');
    }),
  );

program
  .command('status')
  .description('print URLs and keys of the running stack')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['pretty', 'env', 'json']).default('pretty'))
  .action((options: { output: OutputFormat }) =>
    run(async () => {
      const config = defaultConfig();
      if ((await runningPid(config)) === undefined || !(await isHealthy(config))) {
        console.error('The local Supabase stack is not running. Start it with: npm run local:start');
        return 1;
      }
      await printStatus(config, options.output);
    }),
  );

program
  .command('stop')
  .description('stop the stack cleanly; data is kept')
  .action(() =>
    run(async () => {
      const stopped = await stopStack(defaultConfig());
      console.log(stopped ? 'Stopped the local Supabase stack. Data is kept.' : 'The local Supabase stack was not running.');
    }),
  );

program
  .command('reset')
  .description('wipe the database, then bootstrap, migrate and seed it again (leaves the stack running)')
  .action(() =>
    run(async () => {
      const config = defaultConfig();
      await stopStack(config);
      rmSync(paths(config).pgData, { recursive: true, force: true });
      rmSync(paths(config).storage, { recursive: true, force: true });
      console.log('Resetting the local database…');
      await startInBackground(config);
      console.log('Finished db:reset: bootstrap, migrations and seed applied.\n');
      await printStatus(config, 'pretty');
    }),
  );

program
  .command('serve', { hidden: true })
  .description('run the stack in the foreground (what start runs in the background)')
  .action(() => run(() => serve(defaultConfig())));

await program.parseAsync();
