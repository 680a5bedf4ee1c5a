import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON lines on stdout (one object per event), as log collectors expect. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service: 'generation-worker', ...base }, timestamp: pino.stdTimeFunctions.isoTime });
}
