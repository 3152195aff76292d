/**
 * Hands new events to the subscriptions (events/event.ts) and enqueues the jobs they ask for.
 *
 * One node dispatches at a time (the `events.dispatch` lease; every node running jobs competes
 * for it, so another takes over within a lease when the holder dies). Its progress — the id of
 * the last event handed out — is a registry setting, written after each batch. A node that dies
 * between enqueueing and recording progress hands the batch out again after the takeover; each
 * job's idempotency key (`<subscription>:<event id>:<key>`) makes the second enqueue a no-op, so
 * an event never yields the same job twice and none is lost. Ids follow commit order
 * (metadata/event-store.ts), so reading `after` the recorded id never skips an event.
 *
 * The same loop prunes, hourly, the events and finished jobs past their retention.
 */
import type { Config } from '../config/index.js';
import type { EventStore } from '../metadata/event-store.js';
import type { JobStore, NewJob } from '../metadata/job-store.js';
import type { LeaseStore } from '../metadata/lease-store.js';
import type { SettingsStore } from '../metadata/settings-store.js';
import type { EventRecord, EventSubscription } from './event.js';

/** The lease of the dispatching node, and the setting holding its progress. */
export const DISPATCH_LEASE = 'events.dispatch';
export const DISPATCH_PROGRESS = 'events.dispatched';

/** Events read per batch. */
const BATCH = 200;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface DispatcherSettings {
  /** This node's id (the lease names it). */
  node: string;
  pollMs: number;
  leaseMs: number;
  /** Days events and finished jobs are kept (0: forever). */
  eventRetentionDays: number;
  jobRetentionDays: number;
}

/** The dispatcher's settings from the configuration (`events.*`, `jobs.*`). */
export function dispatcherSettings(config: Config, node: string): DispatcherSettings {
  return {
    node,
    pollMs: config.events.dispatchIntervalMs,
    leaseMs: config.jobs.leaseSeconds * 1000,
    eventRetentionDays: config.events.retentionDays,
    jobRetentionDays: config.jobs.retentionDays,
  };
}

export interface DispatcherStores {
  events: EventStore;
  jobs: JobStore;
  leases: LeaseStore;
  settings: SettingsStore;
}

/** Where the dispatcher reports what an operator should see. */
export interface DispatcherLog {
  warn(detail: Record<string, unknown>, message: string): void;
  info(detail: Record<string, unknown>, message: string): void;
}

/** Polls the outbox and enqueues the subscriptions' jobs. */
export class EventDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = true;
  private lastPrune = 0;
  private leaseUntil = 0;

  constructor(
    private readonly stores: DispatcherStores,
    private readonly subscriptions: readonly EventSubscription[],
    private readonly settings: DispatcherSettings,
    private readonly log: DispatcherLog,
    /** Told when jobs were enqueued (the node's runner looks for them at once). */
    private readonly enqueued: () => void = () => undefined,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the round in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.stores.leases.release(DISPATCH_LEASE, this.settings.node).catch(() => undefined);
  }

  /**
   * One round: when this node holds the lease, hands out every event after the recorded
   * progress (batch by batch) and prunes when due. Returns how many events it handed out.
   */
  async dispatchOnce(now = Date.now()): Promise<number> {
    if (!(await this.holdLease(now))) return 0;
    await this.pruneIfDue(now);
    let handed = 0;
    let after = await this.progress();
    for (;;) {
      const events = await this.stores.events.list({ after, limit: BATCH });
      if (events.length === 0) return handed;
      // The batch's jobs are enqueued in one transaction, in event order: one write per batch, not per job.
      const jobs: NewJob[] = [];
      for (const event of events) {
        jobs.push(...(await this.jobsFor(event)));
        after = event.id;
        handed++;
      }
      const created = await this.stores.jobs.enqueueAll(jobs);
      await this.stores.settings.set(DISPATCH_PROGRESS, JSON.stringify({ id: after }), this.settings.node);
      if (created > 0) this.enqueued();
      if (events.length < BATCH || this.stopped) return handed;
    }
  }

  /** The jobs the subscriptions want for `event`, with their idempotency keys. */
  private async jobsFor(event: EventRecord): Promise<NewJob[]> {
    const jobs: NewJob[] = [];
    for (const subscription of this.subscriptions) {
      if (!subscription.types.includes(event.type)) continue;
      for (const { key, ...job } of await subscription.jobsFor(event)) jobs.push({ ...job, idempotencyKey: `${subscription.name}:${event.id}:${key}` });
    }
    return jobs;
  }

  private async progress(): Promise<number> {
    const record = await this.stores.settings.get(DISPATCH_PROGRESS);
    if (record === undefined) return 0;
    const id = (JSON.parse(record.value) as { id?: unknown }).id;
    return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : 0;
  }

  /** Takes or renews the lease (renewed every third of it, not every poll: a poll stays a read). */
  private async holdLease(now: number): Promise<boolean> {
    if (now < this.leaseUntil - (this.settings.leaseMs * 2) / 3) return true;
    const held = await this.stores.leases.acquire(DISPATCH_LEASE, this.settings.node, this.settings.leaseMs);
    this.leaseUntil = held ? now + this.settings.leaseMs : 0;
    return held;
  }

  private async pruneIfDue(now: number): Promise<void> {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    const { eventRetentionDays, jobRetentionDays } = this.settings;
    const events = eventRetentionDays > 0 ? await this.stores.events.prune(new Date(now - eventRetentionDays * DAY_MS)) : 0;
    const jobs = jobRetentionDays > 0 ? await this.stores.jobs.prune(new Date(now - jobRetentionDays * DAY_MS)) : 0;
    if (events + jobs > 0) this.log.info({ events, jobs }, 'pruned events and finished jobs past their retention');
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.dispatchOnce().then(
        () => undefined,
        (error: unknown) => this.log.warn({ err: error }, 'events could not be dispatched; trying again'),
      );
      void this.running.finally(() => this.schedule(this.settings.pollMs));
    }, delayMs);
    this.timer.unref();
  }
}
