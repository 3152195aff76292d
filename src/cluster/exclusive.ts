/**
 * Work that one node of a scaled-out registry does at a time (garbage collection, lifecycle
 * runs), guarded by a lease in the shared database (metadata/lease-store.ts). The holder renews
 * the lease while it works, so a long run keeps it, and a holder killed with SIGKILL loses it
 * when it expires. On one node with SQLite this costs two tiny writes per run.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { LeaseStore } from '../metadata/lease-store.js';

/** Thrown when another node holds the lease: the work was not started. */
export class LeaseBusyError extends Error {
  constructor(
    readonly lease: string,
    readonly holder: string,
    readonly until: Date,
  ) {
    super(`${lease} is already running on ${holder} (its lease lasts until ${until.toISOString()} unless renewed); try again later`);
    this.name = 'LeaseBusyError';
  }
}

/** This process's name in leases: the host, the process id and a random part (pids repeat in containers). */
export function nodeId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** Runs work under named leases. */
export class Exclusive {
  constructor(
    private readonly leases: LeaseStore,
    readonly holder: string = nodeId(),
    private readonly ttlMs = 60_000,
  ) {}

  /** Runs `work` holding the lease `name`; throws {@link LeaseBusyError} when another node holds it. */
  async run<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (!(await this.leases.acquire(name, this.holder, this.ttlMs))) {
      const current = await this.leases.get(name);
      throw new LeaseBusyError(name, current?.holder ?? 'another node', current?.expiresAt ?? new Date());
    }
    // A failed renewal is retried at the next tick; the guarded work re-checks every deletion
    // under row locks, so even two runners at once would only waste effort.
    const renewal = setInterval(() => void this.leases.acquire(name, this.holder, this.ttlMs).catch(() => undefined), this.ttlMs / 3);
    renewal.unref();
    try {
      return await work();
    } finally {
      clearInterval(renewal);
      await this.leases.release(name, this.holder).catch(() => undefined);
    }
  }
}
