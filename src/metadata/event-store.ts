/**
 * The outbox (`events`, migration 0013): one row per change a user cares about, written by the
 * store method that makes the change, in its transaction — a push acknowledged to its client is
 * never without its event, whatever happens to the node after the commit.
 *
 * Ids follow commit order, so a reader that asks for `after=<last id seen>` never skips an event.
 * A sequence alone doesn't give that on PostgreSQL: a transaction that took id 5 may commit after
 * the one that took id 6, and a reader that saw 6 would never see 5. So every transaction that
 * writes events first takes one transaction-scoped advisory lock, and writes its events last:
 * event-writing commits queue for that lock for the moment between their last write and their
 * commit, and ids are handed out in the order they commit. SQLite has one writer at a time.
 */
import { hostname } from 'node:os';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, EventsTable } from './schema.js';

/** The event types, in the order the docs list them. */
export const EVENT_TYPES = [
  'manifest.pushed',
  'manifest.pulled',
  'manifest.deleted',
  'tag.created',
  'tag.moved',
  'tag.deleted',
  'repository.deleted',
  'blob.uploaded',
  'quota.warning',
  'quota.exceeded',
  'gc.finished',
  'lifecycle.expired',
  'readonly.changed',
  'base.moved',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** True for a known event type name. */
export function isEventType(name: string): name is EventType {
  return (EVENT_TYPES as readonly string[]).includes(name);
}

/** What the event is about: a manifest, a blob or a tag (as an OCI descriptor, plus the tag). */
export interface EventTarget {
  mediaType?: string;
  digest?: string;
  size?: number;
  /** The tag (tag events; a push's first tag). */
  tag?: string;
  /** Tags pointing at a pushed manifest. */
  tags?: string[];
  /** A moved or deleted tag's previous digest. */
  oldDigest?: string;
}

/**
 * `base.moved` (extensions/lineage): a tag that images of `repository` are built on moved. The
 * event's target is the base tag (tag, digest = new, oldDigest = old); its data is this.
 */
export interface BaseMovedData {
  base: { repository: string; tag: string; oldDigest: string; newDigest: string };
  /** The dependent repository's images built on the old base, with their tags and platform. */
  images: { digest: string; tags: string[]; platform?: string }[];
}

/** Who caused a change and from where; the same names the audit log uses. */
export interface EventOrigin {
  /** `bob`, `robot$ci`, `system`, `lifecycle`, `gc`. */
  actor?: string;
  /** user, robot, anonymous or system. */
  actorKind?: string;
  /** The client's address. */
  address?: string;
  /** The node that made the change. */
  node?: string;
}

/** Who makes a change, why, and what else it should record: the options of a change that writes events. */
export interface ChangeOrigin extends EventOrigin {
  /** Why, when it isn't a client's request (e.g. 'lifecycle'): recorded in the events' data. */
  reason?: string;
  /** More events to write in the change's transaction (e.g. lifecycle.expired beside manifest.deleted). */
  events?: readonly NewEvent[];
}

/** An event to write, inside the change's transaction. */
export interface NewEvent {
  type: EventType;
  repository?: string;
  target?: EventTarget;
  /** Type-specific detail (quota figures, GC totals, the read-only state, pull counts). */
  data?: Record<string, unknown>;
}

/** An event with who caused it: what `append` takes. */
export interface OriginatedEvent {
  event: NewEvent;
  origin: EventOrigin;
}

/** A stored event. */
export interface EventRecord extends NewEvent {
  /** Monotonic: a later commit has a larger id. */
  id: number;
  at: Date;
  actor: string;
  actorKind?: string;
  address?: string;
  node?: string;
}

/** Which events to read: ids after `after` (oldest first), optionally of some types or one repository. */
export interface EventQuery {
  after?: number;
  types?: readonly EventType[];
  repository?: string;
  limit: number;
}

/** The outbox's reads and what is written outside a change's own transaction. */
export interface EventStore {
  /** Appends events that belong to no change (batched pulls, a refused push's quota.exceeded), each with its origin, in one transaction. */
  append(events: readonly OriginatedEvent[]): Promise<void>;
  /** Events matching the query, oldest first. */
  list(query: EventQuery): Promise<EventRecord[]>;
  /** The newest event's id (0 when there is none): where a follower that wants only new events starts. */
  lastId(): Promise<number>;
  /** Deletes events older than `before`; returns how many. */
  prune(before: Date): Promise<number>;
}

// Rows per statement: under SQLite's and PostgreSQL's bound-parameter limits with room to spare.
const BATCH = 200;

// The node an event names when its origin names none: the process that wrote it.
const THIS_NODE = `${hostname()}:${process.pid}`;

/**
 * Writes events in the caller's transaction. Call it last in the transaction: on PostgreSQL it
 * takes the event writers' lock, held until commit.
 */
export async function writeEvents(trx: Kysely<Database>, rowLocks: boolean, events: readonly NewEvent[], origin: EventOrigin | undefined, at = Date.now()): Promise<void> {
  await insertEvents(trx, rowLocks, events.map((event) => ({ event, origin: origin ?? {} })), at);
}

async function insertEvents(trx: Kysely<Database>, rowLocks: boolean, events: readonly OriginatedEvent[], at: number): Promise<void> {
  if (events.length === 0) return;
  // current_schema() keeps registries sharing one PostgreSQL server (in their own schemas) apart.
  if (rowLocks) await sql`select pg_advisory_xact_lock(hashtext(current_schema() || ':berth-events'))`.execute(trx);
  for (let start = 0; start < events.length; start += BATCH) {
    await trx
      .insertInto('events')
      .values(
        events.slice(start, start + BATCH).map(({ event, origin }) => ({
          type: event.type,
          at,
          repository: event.repository ?? null,
          target: event.target === undefined ? null : JSON.stringify(event.target),
          data: event.data === undefined ? null : JSON.stringify(event.data),
          actor: origin.actor ?? 'system',
          actor_kind: origin.actorKind ?? (origin.actor === undefined ? 'system' : null),
          address: origin.address ?? null,
          node: origin.node ?? THIS_NODE,
        })),
      )
      .execute();
  }
}

/** The outbox over a Kysely database. */
export class KyselyEventStore implements EventStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rowLocks: boolean,
  ) {}

  async append(events: readonly OriginatedEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.transaction().execute((trx) => insertEvents(trx, this.rowLocks, events, Date.now()));
  }

  async list(query: EventQuery): Promise<EventRecord[]> {
    if (query.types !== undefined && query.types.length === 0) return [];
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .$if(query.after !== undefined, (q) => q.where('id', '>', query.after ?? 0))
      .$if(query.types !== undefined, (q) => q.where('type', 'in', [...(query.types ?? [])]))
      .$if(query.repository !== undefined, (q) => q.where('repository', '=', query.repository ?? ''))
      .orderBy('id')
      .limit(query.limit)
      .execute();
    return rows.map(toRecord);
  }

  async lastId(): Promise<number> {
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    return row?.id == null ? 0 : Number(row.id);
  }

  async prune(before: Date): Promise<number> {
    const result = await this.db.deleteFrom('events').where('at', '<', before.getTime()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toRecord(row: Selectable<EventsTable>): EventRecord {
  return {
    id: Number(row.id),
    type: row.type as EventType,
    at: new Date(Number(row.at)),
    actor: row.actor,
    ...(row.actor_kind !== null ? { actorKind: row.actor_kind } : {}),
    ...(row.address !== null ? { address: row.address } : {}),
    ...(row.node !== null ? { node: row.node } : {}),
    ...(row.repository !== null ? { repository: row.repository } : {}),
    ...(row.target !== null ? { target: JSON.parse(row.target) as EventTarget } : {}),
    ...(row.data !== null ? { data: JSON.parse(row.data) as Record<string, unknown> } : {}),
  };
}
