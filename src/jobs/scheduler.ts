/**
 * The one scheduler of a node's periodic work (GC, lifecycle runs, and what extensions add): each
 * task runs every interval, never overlapping itself, and a failed run is reported and tried again
 * at the next tick. Stopping waits for the runs in flight. The durable job queue (issue 12) will
 * take over retries and cross-node claims; the tasks' own leases keep one node running each now.
 */

/** What a periodic task is: a name for logs, its interval and the work. */
export interface PeriodicTask<R> {
  name: string;
  intervalMs: number;
  run(): Promise<R>;
  /** Told of each finished run. */
  done(result: R): void;
  /** Told of each failed run (a busy lease included: the task decides what that means). */
  failed(error: unknown): void;
  /** Called once on stop, after the last run finished (e.g. to drain what the task buffers). */
  stopped?(): Promise<void>;
}

interface Scheduled {
  timer: NodeJS.Timeout;
  current: Promise<unknown>;
  stopped?: () => Promise<void>;
}

/** Runs the registered tasks until stopped. */
export class Scheduler {
  private readonly tasks = new Map<string, Scheduled>();

  /** Starts `task`; its first run is one interval from now. Names are unique. */
  every<R>(task: PeriodicTask<R>): void {
    if (this.tasks.has(task.name)) throw new Error(`a task named ${task.name} is scheduled already`);
    const entry: Scheduled = { current: Promise.resolve(), timer: setInterval(() => tick(), task.intervalMs), ...(task.stopped ? { stopped: task.stopped } : {}) };
    let running = false;
    const tick = (): void => {
      if (running) return;
      running = true;
      entry.current = task.run().then(
        (result) => task.done(result),
        (error: unknown) => task.failed(error),
      ).finally(() => {
        running = false;
      });
    };
    // A timer must not keep the process alive: `berth serve` ends when its server closes.
    entry.timer.unref();
    this.tasks.set(task.name, entry);
  }

  /** The scheduled task names, in the order they were added. */
  names(): string[] {
    return [...this.tasks.keys()];
  }

  /** Stops every task and waits for the runs in flight, then for each task's own stop. */
  async stop(): Promise<void> {
    const entries = [...this.tasks.values()];
    this.tasks.clear();
    for (const entry of entries) clearInterval(entry.timer);
    await Promise.all(entries.map((entry) => entry.current));
    for (const entry of entries) await entry.stopped?.();
  }
}
