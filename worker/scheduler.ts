import type postgres from 'postgres';
import type { Logger } from './log.ts';

export interface PeriodicTask {
  name: string;
  intervalMs: number;
  /**
   * Run by one worker at a time across all processes (a session advisory lock; the others skip that
   * round). Leave it off for tasks that are already safe to run concurrently (SKIP LOCKED).
   */
  exclusive?: boolean;
  run(): Promise<void>;
}

/**
 * The worker's one scheduler for periodic work (rescue of expired leases now; archival, webhook delivery
 * and rollups register here later). Each task runs on its own interval, never overlapping itself; a
 * failure is logged and the task runs again at its next tick.
 */
export class Scheduler {
  private readonly tasks: PeriodicTask[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = true;

  constructor(
    private readonly sql: postgres.Sql,
    private readonly log: Logger,
  ) {}

  add(task: PeriodicTask): void {
    this.tasks.push(task);
    if (!this.stopped) this.plan(task, task.intervalMs);
  }

  start(): void {
    this.stopped = false;
    for (const task of this.tasks) this.plan(task, Math.floor(Math.random() * task.intervalMs)); // spread workers out
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  private plan(task: PeriodicTask, delayMs: number): void {
    this.timers.set(
      task.name,
      setTimeout(() => {
        const run = this.runOnce(task).finally(() => {
          this.running.delete(run);
          if (!this.stopped) this.plan(task, task.intervalMs);
        });
        this.running.add(run);
      }, delayMs),
    );
  }

  private async runOnce(task: PeriodicTask): Promise<void> {
    try {
      if (!task.exclusive) {
        await task.run();
        return;
      }
      const connection = await this.sql.reserve();
      try {
        const [{ locked }] = await connection<{ locked: boolean }[]>`select pg_try_advisory_lock(hashtextextended(${`job_queue:${task.name}`}, 0)) as locked`;
        if (!locked) return;
        try {
          await task.run();
        } finally {
          await connection`select pg_advisory_unlock(hashtextextended(${`job_queue:${task.name}`}, 0))`;
        }
      } finally {
        connection.release();
      }
    } catch (error) {
      this.log.warn({ err: error, task: task.name }, 'periodic task failed');
    }
  }
}
