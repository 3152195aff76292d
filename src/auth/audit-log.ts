/**
 * The audit log: who did what to what, when and from where. Events are buffered and written in
 * batches (a pull on the hot path must not wait for a database write); queries flush first, so a
 * node always sees its own events. A crash loses at most the last flush interval of events.
 */
import type { AuditEventInput, AuditEventRecord, AuditQuery, AuditStore } from '../metadata/access-store.js';

const FLUSH_MS = 500;
const FLUSH_EVENTS = 500;

/** A failed write, reported to the caller's logger rather than thrown at a request. */
export type AuditErrorHandler = (error: unknown, lost: number) => void;

/** Buffers audit events and writes them to the store. */
export class AuditLog {
  private pending: AuditEventInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: AuditStore,
    private readonly onError: AuditErrorHandler,
  ) {}

  /** Records an event (at the current time unless `at` is given). */
  record(event: Omit<AuditEventInput, 'at'> & { at?: Date }): void {
    this.pending.push({ ...event, at: event.at ?? new Date() });
    if (this.pending.length >= FLUSH_EVENTS) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes everything recorded so far. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.store.append(batch);
      } catch (error) {
        this.onError(error, batch.length);
      }
    });
    await this.writing;
  }

  /** Events matching the filter, newest first (after writing what is pending). */
  async query(filter: AuditQuery): Promise<AuditEventRecord[]> {
    await this.flush();
    return this.store.query(filter);
  }
}
