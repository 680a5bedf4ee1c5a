/**
 * `npm run worker`: runs generation jobs from the database queue until SIGTERM/SIGINT.
 * Configuration comes from the environment (worker/config.ts, README "Environment variables").
 */
import postgres from 'postgres';
import { ConfigError, loadConfig, type WorkerConfig } from './config.ts';
import { createLogger } from './log.ts';
import { createProviders } from './providers/index.ts';
import { Queue } from './queue.ts';
import { Runner } from './runner.ts';

let config: WorkerConfig;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const log = createLogger(config.logLevel, { workerId: config.workerId });
const sql = postgres(config.databaseUrl, {
  max: config.dbPoolSize,
  connect_timeout: 10,
  idle_timeout: 60,
  onnotice: () => {},
  connection: { application_name: 'generation-worker' },
});
for (const note of config.notes) log.warn(note);
const queue = new Queue(sql, config.workerId);
const providers = createProviders(config, queue, log);
const runner = new Runner(sql, config, log, providers.providerFor, { onRescued: providers.onRescued });

let stopping: Promise<void> | null = null;
function shutdown(signal: NodeJS.Signals): void {
  if (stopping) {
    // A second signal: stop waiting for running jobs (they are aborted and released).
    log.warn({ signal }, 'second signal: aborting running jobs now');
    runner.abortAll();
    return;
  }
  log.info({ signal }, 'shutting down');
  stopping = runner
    .stop()
    .then(() => sql.end({ timeout: 5 }))
    .then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

try {
  // A worker configured for a hosted model offers its modes (generation_modes rows of http stay disabled otherwise).
  const httpModes = providers.imageModes.http ?? [];
  if (httpModes.length > 0) {
    const enabled = await queue.enableModes('http', [...httpModes]);
    if (enabled.length > 0) log.info({ provider: 'http', modes: enabled }, 'enabled the modes this worker has models for');
  }
  await runner.start();
} catch (error) {
  log.fatal({ err: error }, `the worker could not start (database: ${redact(config.databaseUrl)})`);
  await sql.end({ timeout: 1 }).catch(() => undefined);
  process.exit(1);
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unparsable URL';
  }
}
