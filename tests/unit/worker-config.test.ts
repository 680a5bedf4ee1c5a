import { describe, expect, it } from 'vitest';
import { ConfigError, LOCAL_DATABASE_URL, loadConfig } from '../../worker/config.ts';

describe('worker configuration (environment, checked with zod)', () => {
  it('has sane defaults: the local stack, 10 slots, a 30 s lease renewed every 10 s', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: LOCAL_DATABASE_URL,
      providers: ['simulated'],
      concurrency: 10,
      batchSize: 10,
      leaseSeconds: 30,
      heartbeatMs: 10_000,
      pollIntervalMs: 2000,
      shutdownGraceMs: 10_000,
    });
    expect(config.workerId).toMatch(/^.+:\d+:[0-9a-f]{6}$/);
  });

  it('reads every variable; empty ones keep the default', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://worker:secret@db.example.com:5432/postgres',
      WORKER_ID: 'w-1',
      WORKER_CONCURRENCY: '50',
      WORKER_BATCH_SIZE: '',
      WORKER_LEASE_SECONDS: '60',
      WORKER_PROVIDERS: 'simulated, simulated',
    });
    expect(config).toMatchObject({ workerId: 'w-1', concurrency: 50, batchSize: 10, leaseSeconds: 60, heartbeatMs: 20_000, providers: ['simulated'] });
  });

  it('names every invalid variable', () => {
    const attempt = () =>
      loadConfig({ DATABASE_URL: 'mysql://x', WORKER_CONCURRENCY: 'lots', WORKER_PROVIDERS: 'manual', WORKER_LEASE_SECONDS: '1' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ['DATABASE_URL', 'WORKER_CONCURRENCY', 'WORKER_PROVIDERS', 'WORKER_LEASE_SECONDS']) expect(message).toContain(name);
    }
    expect(() => loadConfig({ WORKER_LEASE_SECONDS: '5', WORKER_HEARTBEAT_MS: '9000' })).toThrow(
      'WORKER_HEARTBEAT_MS: WORKER_HEARTBEAT_MS must be shorter than the lease',
    );
  });
});
