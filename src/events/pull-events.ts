/**
 * Pull events, off the request path. A pull changes nothing, and a busy registry serves thousands
 * a second: one outbox write per pull would make every pull wait for the database and would
 * multiply its write load. So pulls are gathered in memory and written in batches (one
 * transaction per flush), and repeated pulls of one manifest by one client within a flush are one
 * event with a `count`. The cost of this: a node that dies loses at most its last flush interval
 * of pull events — never a change's event, which is written in the change's own transaction.
 */
import type { EventOrigin, EventStore, EventTarget, NewEvent } from '../metadata/event-store.js';

/** How often buffered pulls are written. */
export const PULL_FLUSH_MS = 1000;

/** Distinct (manifest, client) pulls held before a flush is forced; past twice this, pulls are dropped and counted. */
export const PULL_BUFFER_ENTRIES = 5000;

/** A pulled manifest. */
export interface PulledManifest {
  repository: string;
  digest: string;
  mediaType: string;
  size: number;
  /** The tag the client asked for, when it asked by tag. */
  tag?: string;
}

interface Pending {
  event: NewEvent & { target: EventTarget };
  origin: EventOrigin;
  count: number;
}

/** Where a failed write goes: the events are lost (pulls are not changes), the operator is told. */
export type PullEventErrorHandler = (error: unknown, lost: number) => void;

/** Buffers pull events and writes them in batches. */
export class PullEvents {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dropped = 0;

  constructor(
    private readonly store: Pick<EventStore, 'append'>,
    private readonly onError: PullEventErrorHandler,
    private readonly flushMs = PULL_FLUSH_MS,
    private readonly maxEntries = PULL_BUFFER_ENTRIES,
  ) {}

  /** Notes a pull; returns at once. */
  record(pulled: PulledManifest, origin: EventOrigin): void {
    const key = JSON.stringify([pulled.repository, pulled.digest, pulled.tag ?? null, origin.actor ?? null, origin.address ?? null]);
    const known = this.pending.get(key);
    if (known) {
      known.count++;
      return;
    }
    if (this.pending.size >= this.maxEntries * 2) {
      // The store is not keeping up (or is down): bounded memory wins over pull events.
      this.dropped++;
      return;
    }
    const target: EventTarget = { mediaType: pulled.mediaType, digest: pulled.digest, size: pulled.size, ...(pulled.tag === undefined ? {} : { tag: pulled.tag }) };
    this.pending.set(key, { event: { type: 'manifest.pulled', repository: pulled.repository, target }, origin, count: 1 });
    if (this.pending.size >= this.maxEntries) void this.flush();
    else {
      this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
      // A pending flush must not keep a finished process alive; close() flushes what is left.
      this.timer.unref();
    }
  }

  /** Writes everything recorded so far (close calls it before the store closes). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    const dropped = this.dropped;
    this.dropped = 0;
    this.writing = this.writing.then(async () => {
      if (dropped > 0) this.onError(new Error(`${dropped} pull events were dropped: the event store did not keep up`), dropped);
      if (batch.length === 0) return;
      try {
        await this.store.append(batch.map(({ event, origin, count }) => ({ event: { ...event, data: { count } }, origin })));
      } catch (error) {
        this.onError(error, batch.length);
      }
    });
    await this.writing;
  }
}
