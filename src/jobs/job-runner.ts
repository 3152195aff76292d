/**
 * Runs the durable jobs of the kinds this node has handlers for (metadata/job-store.ts holds the
 * queue). Every node with `jobs.enabled` runs one: it polls each kind for due jobs while it has
 * free slots (a handler's `concurrency`, per node), renews each running job's lease every third
 * of the lease, and aborts an attempt whose lease it lost (the job was cancelled, or the node
 * paused past the expiry and another node took it) or that ran past the handler's timeout. A
 * failed attempt is retried after an exponential backoff with jitter, until the job is dead.
 */
import type { JobRecord, JobStore } from '../metadata/job-store.js';

/** What runs the jobs of one kind. */
export interface JobHandler<P = unknown> {
  kind: string;
  /** Jobs of this kind one node runs at once. */
  concurrency: number;
  /** How long an attempt may take; past it the attempt is aborted and fails. */
  timeoutMs: number;
  /** One attempt. Throwing fails it; `signal` aborts on timeout, a lost lease or stop. */
  run(payload: P, context: { job: JobRecord; signal: AbortSignal }): Promise<void>;
}

/** Retry delays: `baseMs` doubled per attempt, at most `maxMs`. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export interface JobRunnerSettings {
  /** This node's id (leases name it). */
  node: string;
  leaseMs: number;
  pollMs: number;
  backoff: Backoff;
  /** How long stop() lets attempts in flight finish before aborting them. */
  stopGraceMs: number;
}

/** Where the runner reports what an operator should see. */
export interface JobRunnerLog {
  warn(detail: Record<string, unknown>, message: string): void;
}

/**
 * The delay before retrying after failed attempt number `attempt` (1-based): exponential, capped,
 * and spread over its upper half ("equal jitter"), so jobs that failed together don't all
 * return together and hammer a receiver that just came back.
 */
export function retryDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponential = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/** Polls the queue for the kinds it has handlers for, and runs what it claims. */
export class JobRunner {
  private readonly handlers: ReadonlyMap<string, JobHandler>;
  private readonly running = new Map<number, Running & { kind: string }>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly store: JobStore,
    handlers: readonly JobHandler[],
    private readonly settings: JobRunnerSettings,
    private readonly log: JobRunnerLog,
  ) {
    const byKind = new Map<string, JobHandler>();
    for (const handler of handlers) {
      if (byKind.has(handler.kind)) throw new Error(`two job handlers for kind ${handler.kind}`);
      if (!(handler.concurrency >= 1)) throw new Error(`job handler ${handler.kind}: concurrency must be at least 1`);
      byKind.set(handler.kind, handler);
    }
    this.handlers = byKind;
  }

  /** The kinds this node runs. */
  kinds(): string[] {
    return [...this.handlers.keys()];
  }

  /** Starts polling (at once, then every pollMs). */
  start(): void {
    if (this.timer || this.handlers.size === 0) return;
    this.timer = setInterval(() => this.wake(), this.settings.pollMs);
    // The poll timer must not keep the process alive: `berth serve` ends when its server closes.
    this.timer.unref();
    this.wake();
  }

  /** Polls now (e.g. after this node enqueued a job), unless a poll is under way. */
  wake(): void {
    if (this.stopping || this.polling) return;
    this.polling = this.poll().finally(() => {
      this.polling = undefined;
    });
  }

  /** Jobs this node runs now, per kind. */
  inFlight(kind: string): number {
    let count = 0;
    for (const entry of this.running.values()) if (entry.kind === kind) count++;
    return count;
  }

  /**
   * Stops claiming, lets attempts in flight finish for stopGraceMs, then aborts the rest. An
   * aborted attempt is not recorded as failed (a restart is not the job's fault): its lease
   * runs out and the job is claimed again, by this node after a restart or by another.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    const inFlight = [...this.running.values()];
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.settings.stopGraceMs).unref());
    await Promise.race([Promise.all(inFlight.map((entry) => entry.done)), grace]);
    for (const entry of this.running.values()) entry.controller.abort(new Error('the node is stopping'));
    await Promise.all([...this.running.values()].map((entry) => entry.done));
  }

  private async poll(): Promise<void> {
    // Claiming is a write transaction per kind; asking first which kinds have work is one read,
    // so an idle node's polls (and the wake after every finished job) don't queue for the writer.
    const open = [...this.handlers.values()].filter((handler) => handler.concurrency > this.inFlight(handler.kind));
    let due: Set<string>;
    try {
      due = await this.store.dueKinds(open.map((handler) => handler.kind));
    } catch (error) {
      this.log.warn({ err: error }, 'could not look for due jobs; trying again at the next poll');
      return;
    }
    for (const handler of open) {
      const free = handler.concurrency - this.inFlight(handler.kind);
      if (free <= 0 || this.stopping || !due.has(handler.kind)) continue;
      let jobs: JobRecord[];
      try {
        jobs = await this.store.claim(handler.kind, this.settings.node, this.settings.leaseMs, free);
      } catch (error) {
        this.log.warn({ err: error, kind: handler.kind }, 'could not claim jobs; trying again at the next poll');
        continue;
      }
      for (const job of jobs) this.begin(handler, job);
    }
  }

  private begin(handler: JobHandler, job: JobRecord): void {
    const controller = new AbortController();
    const entry = { kind: handler.kind, controller, done: Promise.resolve() };
    this.running.set(job.id, entry);
    entry.done = this.attempt(handler, job, controller).finally(() => {
      this.running.delete(job.id);
      // A slot is free: look for more work now rather than at the next tick.
      this.wake();
    });
  }

  private async attempt(handler: JobHandler, job: JobRecord, controller: AbortController): Promise<void> {
    const { node, leaseMs } = this.settings;
    const renewal = setInterval(() => {
      this.store.renew(job.id, node, leaseMs).then(
        (held) => {
          if (!held) controller.abort(new Error('the job was cancelled or its lease was taken over'));
        },
        (error: unknown) => this.log.warn({ err: error, job: job.id }, 'could not renew a job lease'),
      );
    }, Math.max(1, Math.floor(leaseMs / 3)));
    const timeout = setTimeout(() => controller.abort(new Error(`the attempt ran past its ${handler.timeoutMs} ms timeout`)), handler.timeoutMs);
    try {
      await abortable(handler.run(job.payload, { job, signal: controller.signal }), controller.signal);
      clearInterval(renewal);
      if (!(await this.store.complete(job.id, node))) this.log.warn({ job: job.id, kind: job.kind }, 'a job finished after its lease was lost; its result is not recorded');
    } catch (error) {
      clearInterval(renewal);
      if (this.stopping && controller.signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      try {
        const outcome = await this.store.fail(job.id, node, message, new Date(Date.now() + retryDelay(job.attempts, this.settings.backoff)));
        if (outcome === 'dead') this.log.warn({ job: job.id, kind: job.kind, attempts: job.attempts, error: message }, 'a job failed its last attempt and is dead');
      } catch (recording) {
        // The database is away: the lease runs out and the job is claimed again (at least once).
        this.log.warn({ err: recording, job: job.id }, 'could not record a failed job attempt');
      }
    } finally {
      clearInterval(renewal);
      clearTimeout(timeout);
    }
  }
}

/** Settles with `work`, or rejects as soon as `signal` aborts (a handler that ignores its signal can't hold a slot). */
function abortable(work: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
