import type { TestProject } from 'vitest/node';
import { SUPABASE_LOCAL_JWT_SECRET } from '../../local-stack/config.ts';
import { createMigratedDatabase, startScratchCluster } from '../../local-stack/scratch-cluster.ts';
import { TEMPLATE_DATABASE, type TestCluster } from './cluster.ts';
import { fastCheckSeed, SEED_VARIABLE } from './fast-check-seed.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: TestCluster;
    fastCheckSeed: number;
  }
}

/**
 * One throwaway PostgreSQL per test run (never the developer's stack on 54322): bootstrapped and
 * migrated once into a template database that each test file clones.
 */
export default async function setup(project: TestProject) {
  const seed = fastCheckSeed();
  console.log(`fast-check seed ${seed} (replay: ${SEED_VARIABLE}=${seed} npm run test:vitest)`);
  project.provide('fastCheckSeed', seed);
  const cluster = await startScratchCluster('jobs-test-pg');
  try {
    await createMigratedDatabase(cluster, TEMPLATE_DATABASE);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  project.provide('cluster', { host: cluster.host, port: cluster.port, jwtSecret: SUPABASE_LOCAL_JWT_SECRET });
  return () => cluster.stop();
}
