import type { LocalLimits } from './limits.ts';

export interface ModeContext {
  limits: LocalLimits;
  /** Throws the abort reason once the job's signal fired: called between stages (sharp's own work cannot be interrupted). */
  check: () => void;
}
