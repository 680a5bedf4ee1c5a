import fc from 'fast-check';
import { inject } from 'vitest';

// Every property and fuzz test of the run draws from the seed the global setup chose and printed, so a
// failing run replays with FAST_CHECK_SEED=<seed>.
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: inject('fastCheckSeed') });
