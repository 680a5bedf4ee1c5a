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

  it('webhook delivery: a day-long retry schedule by default, compressed by env; the lease must outlast the timeout', () => {
    expect(loadConfig({}).webhooks).toEqual({
      concurrency: 10,
      pollIntervalMs: 5000,
      timeoutMs: 10_000,
      leaseSeconds: 60,
      retryScheduleMs: [5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
      disableAfterFailures: 20,
      allowPrivateTargets: false,
    });
    const fast = loadConfig({ WEBHOOK_RETRY_SCHEDULE: '100ms, 1.5s,2', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_CONCURRENCY: '0' }).webhooks;
    expect(fast).toMatchObject({ retryScheduleMs: [100, 1500, 2], allowPrivateTargets: true, concurrency: 0 });
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: 'none' }).webhooks.retryScheduleMs).toEqual([]);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5s,soon' })).toThrow('WEBHOOK_RETRY_SCHEDULE: "soon" is not a duration');
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '8d' })).toThrow('longer than 7 days');
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'maybe' })).toThrow('WEBHOOK_ALLOW_PRIVATE_TARGETS');
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: '30000', WEBHOOK_LEASE_SECONDS: '30' })).toThrow('WEBHOOK_LEASE_SECONDS must exceed WEBHOOK_TIMEOUT_MS');
  });
});

describe('worker configuration of the image providers', () => {
  const storage = { SUPABASE_URL: 'http://127.0.0.1:54321', SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-of-the-project' };

  it('runs local when Storage is configured, http when a model API is too; says what it left out', () => {
    expect(loadConfig({}).notes).toEqual([expect.stringMatching(/^local provider not started: set SUPABASE_URL .* SUPABASE_SERVICE_ROLE_KEY/)]);
    expect(loadConfig(storage)).toMatchObject({ providers: ['simulated', 'local'], storage: { url: storage.SUPABASE_URL }, http: null, notes: [] });
    const fallback = loadConfig({ NEXT_PUBLIC_SUPABASE_URL: 'https://ref.supabase.co', SUPABASE_SERVICE_ROLE_KEY: storage.SUPABASE_SERVICE_ROLE_KEY });
    expect(fallback.storage?.url).toBe('https://ref.supabase.co');
    const noModel = loadConfig({ ...storage, HTTP_PROVIDER_BASE_URL: 'https://api.replicate.com/v1/' });
    expect(noModel.providers).toEqual(['simulated', 'local']);
    expect(noModel.notes).toEqual([expect.stringMatching(/http provider not started: it needs a model/)]);
    const hosted = loadConfig({
      ...storage,
      HTTP_PROVIDER_BASE_URL: 'https://api.replicate.com/v1/',
      HTTP_PROVIDER_TOKEN: 'r8_token',
      HTTP_PROVIDER_MODEL_UPSCALE: 'nightmareai/real-esrgan',
      HTTP_PROVIDER_MODEL_BACKGROUND_REMOVAL: 'cjwbw/rembg:fb8af171cfa1616ddcf1242c093f9c46bcada5ad4cf6f2fbe8b81b330ec5c003',
    });
    expect(hosted.providers).toEqual(['simulated', 'local', 'http']);
    expect(hosted.http).toMatchObject({
      baseUrl: 'https://api.replicate.com/v1',
      token: 'r8_token',
      models: { upscale: 'nightmareai/real-esrgan', 'background-removal': expect.stringMatching(/^cjwbw\/rembg:/) },
      imageInput: 'url',
      inputKey: 'image',
      maxRetryAfterMs: 60_000,
    });
    expect(hosted.images).toEqual({ concurrency: 2, sharpThreads: 0, maxInputPixels: 40_000_000, maxOutputPixels: 40_000_000 });
  });

  it('refuses image providers named without their configuration, and bad values, naming the variables', () => {
    expect(() => loadConfig({ WORKER_PROVIDERS: 'local' })).toThrow(/WORKER_PROVIDERS: the local and http providers read and write images in Storage: set SUPABASE_URL/);
    expect(() => loadConfig({ ...storage, WORKER_PROVIDERS: 'http' })).toThrow(/the http provider needs HTTP_PROVIDER_BASE_URL/);
    expect(() => loadConfig({ ...storage, WORKER_PROVIDERS: 'http', HTTP_PROVIDER_BASE_URL: 'https://api.example.com' })).toThrow(/needs a model for at least one mode/);
    const attempt = () =>
      loadConfig({ ...storage, HTTP_PROVIDER_BASE_URL: 'ftp://x', HTTP_PROVIDER_MODEL_SHADOW: 'not a model', WORKER_IMAGE_CONCURRENCY: '0', HTTP_PROVIDER_IMAGE_INPUT: 'bytes' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      for (const name of ['HTTP_PROVIDER_BASE_URL', 'HTTP_PROVIDER_MODEL_SHADOW', 'WORKER_IMAGE_CONCURRENCY', 'HTTP_PROVIDER_IMAGE_INPUT']) expect((error as Error).message).toContain(name);
    }
  });
});
