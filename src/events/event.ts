/**
 * What subscribers see of events. The event types and records are the outbox's own
 * (metadata/event-store.ts: one row per change a user cares about, written in the change's
 * transaction, ids in commit order); subscribers (webhooks, triggers, scanning, replication) are
 * extensions: the dispatcher (events/dispatcher.ts) hands each new event to every subscription
 * whose types include it and enqueues the jobs it asks for on the shared queue, keyed so that one
 * event never yields the same job twice.
 */
import type { NewJob } from '../metadata/job-store.js';
import type { EventRecord, EventTarget, EventType } from '../metadata/event-store.js';

export { EVENT_TYPES, isEventType, type BaseMovedData, type EventOrigin, type EventRecord, type EventTarget, type EventType, type NewEvent } from '../metadata/event-store.js';

/**
 * An extension's interest in events. `jobsFor` is called once per matching event (again after a
 * crash before the dispatcher recorded its progress); each job's `key` makes it unique for the
 * event, so a second call enqueues nothing new.
 */
export interface EventSubscription {
  /** Unique among subscriptions; part of every idempotency key. */
  name: string;
  types: readonly EventType[];
  jobsFor(event: EventRecord): Promise<readonly SubscribedJob[]>;
}

/** A job a subscription asks for: a job without its idempotency key, plus the part that makes it unique for the event. */
export interface SubscribedJob extends Omit<NewJob, 'idempotencyKey'> {
  /** Distinguishes jobs of one event (e.g. the webhook id); '' when there is only one. */
  key: string;
}

/** An event as JSON, the one shape the API (`/api/v1/events`) and CloudEvents' data show. */
export interface EventJson {
  id: number;
  type: EventType;
  at: string;
  repository: string | null;
  target: EventTarget | null;
  data: Record<string, unknown> | null;
  actor: string;
  actorKind: string | null;
  address: string | null;
  node: string | null;
}

export function eventJson(event: EventRecord): EventJson {
  return {
    id: event.id,
    type: event.type,
    at: event.at.toISOString(),
    repository: event.repository ?? null,
    target: event.target ?? null,
    data: event.data ?? null,
    actor: event.actor,
    actorKind: event.actorKind ?? null,
    address: event.address ?? null,
    node: event.node ?? null,
  };
}
