/**
 * The job queue (`jobs`, migration 0012), shared by every node through the metadata store.
 * A job is queued until its `runAt`; a node claims it under a lease (PostgreSQL: `FOR UPDATE SKIP
 * LOCKED`, so claimers never wait on each other; SQLite: one writer), renews the lease while it
 * works, and completes it or fails it. A failed job goes back to the queue at the retry time its
 * runner chose, or is dead once it has used its attempts. A job whose node died is claimable
 * again when its lease expires — which counts as an attempt, so a job that kills its node can't
 * loop forever. Only the lease holder may complete, fail or renew a job: a node that lost its
 * lease (it paused past the expiry and another node took the job) changes nothing.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, JobsTable } from './schema.js';

/** queued → running → done | queued (retry) | dead; queued or running → cancelled. */
export type JobState = 'queued' | 'running' | 'done' | 'dead' | 'cancelled';

export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'done', 'dead', 'cancelled'];

/** A job to enqueue. */
export interface NewJob {
  kind: string;
  /** JSON-serialisable input of the job's handler. */
  payload: unknown;
  /** Attempts before it is dead (at least 1). */
  maxAttempts: number;
  /** Not before this time (default now). */
  runAt?: Date;
  /** Unique: enqueueing a second job with the key returns the first one's id. */
  idempotencyKey?: string;
  /**
   * Jobs of one group run one at a time, in the order they were enqueued: a job is not claimed
   * while an earlier job of its group is queued or running (a dead or cancelled one no longer holds it up).
   */
  group?: string;
}

/** A job as stored. */
export interface JobRecord {
  id: number;
  kind: string;
  payload: unknown;
  state: JobState;
  /** Claims so far (a claim is an attempt, whether it ends in success, failure or a lost lease). */
  attempts: number;
  maxAttempts: number;
  /** When it is due (next retry, for a failed one). */
  runAt: Date;
  /** The node running it and its lease, while running. */
  lockedBy?: string;
  lockedUntil?: Date;
  idempotencyKey?: string;
  group?: string;
  /** Why the last attempt failed. */
  lastError?: string;
  createdAt: Date;
  updatedAt: Date;
  /** When it became done, dead or cancelled. */
  finishedAt?: Date;
}

/** Which jobs to list: newest first, ids below `before` (a page cursor). */
export interface JobQuery {
  state?: JobState;
  kind?: string;
  before?: number;
  limit: number;
}

/** The queue. Each method is one transaction. */
export interface JobStore {
  /** Deletes finished jobs (done, dead, cancelled) that finished before `before`; returns how many. */
  prune(before: Date): Promise<number>;
  /** Enqueues a job, or finds the one enqueued with the same idempotency key (`created: false`). */
  enqueue(job: NewJob): Promise<{ id: number; created: boolean }>;
  /** Enqueues jobs in order, in one transaction (ids follow the order); how many were new. */
  enqueueAll(jobs: readonly NewJob[]): Promise<number>;
  /**
   * Claims up to `limit` due jobs of the kind for `node` (oldest due first): running, leased for
   * leaseMs, their attempt counted. Includes running jobs whose lease expired; one whose lease
   * expired on its last attempt becomes dead instead.
   */
  claim(kind: string, node: string, leaseMs: number, limit: number): Promise<JobRecord[]>;
  /**
   * Which of `kinds` have a job a claim could take now (due, or running on a lease that ran
   * out): one read, so an idle poll writes nothing.
   */
  dueKinds(kinds: readonly string[]): Promise<Set<string>>;
  /** Extends the lease; false when the node no longer holds it (the job was cancelled or taken). */
  renew(id: number, node: string, leaseMs: number): Promise<boolean>;
  /** Marks the job done; false when the node no longer holds its lease (nothing changed). */
  complete(id: number, node: string): Promise<boolean>;
  /**
   * Records a failed attempt: queued again at `retryAt`, or dead when it has used its attempts;
   * 'lost' when the node no longer holds the lease (nothing changed).
   */
  fail(id: number, node: string, error: string, retryAt: Date): Promise<'retrying' | 'dead' | 'lost'>;
  /** Cancels a queued or running job; 'finished' when it is already done, dead or cancelled. */
  cancel(id: number): Promise<'cancelled' | 'finished' | 'unknown'>;
  /** Queues a dead or cancelled job again, due now, with its attempts reset. */
  retry(id: number): Promise<'queued' | 'not-failed' | 'unknown'>;
  get(id: number): Promise<JobRecord | undefined>;
  list(query: JobQuery): Promise<JobRecord[]>;
}

/**
 * "The job is unfinished", written as the partial indexes of migration 0015 name it, with literal
 * values: a planner can prove a partial index applies only from the query's text (SQLite never
 * from a bound parameter, PostgreSQL not in a generic plan).
 */
const isOpen = (table: 'jobs' | 'earlier') => sql<boolean>`${sql.ref(`${table}.state`)} in ('queued', 'running')`;

/** Longest stored error text: the first lines of a stack are what an operator reads. */
const ERROR_LIMIT = 2000;

/**
 * Inserts a job in `db`, which may be a transaction: a change and the work it causes commit
 * together (or neither does). With an idempotency key already used, returns that job.
 */
export async function insertJob(db: Kysely<Database>, job: NewJob, now = Date.now()): Promise<{ id: number; created: boolean }> {
  if (!Number.isInteger(job.maxAttempts) || job.maxAttempts < 1) throw new RangeError(`maxAttempts must be a positive integer, not ${job.maxAttempts}`);
  const inserted = await db
    .insertInto('jobs')
    .values({
      kind: job.kind,
      payload: JSON.stringify(job.payload ?? null),
      state: 'queued',
      attempts: 0,
      max_attempts: job.maxAttempts,
      run_at: job.runAt?.getTime() ?? now,
      idempotency_key: job.idempotencyKey ?? null,
      group_key: job.group ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: Number(inserted.id), created: true };
  const existing = await db
    .selectFrom('jobs')
    .select('id')
    .where('idempotency_key', '=', job.idempotencyKey ?? '')
    .executeTakeFirstOrThrow();
  return { id: Number(existing.id), created: false };
}

/** The queue through Kysely; `rowLocks` on PostgreSQL (claims skip rows another claimer holds). */
export class KyselyJobStore implements JobStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rowLocks = false,
  ) {}

  enqueue(job: NewJob): Promise<{ id: number; created: boolean }> {
    return this.db.transaction().execute((trx) => insertJob(trx, job));
  }

  async enqueueAll(jobs: readonly NewJob[]): Promise<number> {
    if (jobs.length === 0) return 0;
    return this.db.transaction().execute(async (trx) => {
      let created = 0;
      for (const job of jobs) if ((await insertJob(trx, job)).created) created++;
      return created;
    });
  }

  claim(kind: string, node: string, leaseMs: number, limit: number): Promise<JobRecord[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.db.transaction().execute(async (trx) => {
      const now = Date.now();
      const found = await trx
        .selectFrom('jobs')
        .select(['id', 'state', 'attempts', 'max_attempts'])
        .where('kind', '=', kind)
        // The partial index of unfinished jobs (migration 0015): finished ones are never read.
        .where(isOpen('jobs'))
        .where((eb) => eb.or([eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', now)]), eb.and([eb('state', '=', 'running'), eb('locked_until', '<', now)])]))
        // A grouped job waits for the earlier unfinished jobs of its group. On PostgreSQL, another
        // claimer's uncommitted claim of the group's head still reads as queued here: also waiting.
        .where((eb) =>
          eb.or([
            eb('jobs.group_key', 'is', null),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('jobs as earlier')
                  .select('earlier.id')
                  .whereRef('earlier.group_key', '=', 'jobs.group_key')
                  .whereRef('earlier.id', '<', 'jobs.id')
                  .where(isOpen('earlier')),
              ),
            ),
          ]),
        )
        .orderBy('run_at')
        .orderBy('id')
        .limit(limit)
        .$if(this.rowLocks, (q) => q.forUpdate().skipLocked())
        .execute();
      // A lease that ran out on the last attempt: its node died (or hung) running it every time.
      // Found with the due jobs, so a claim with nothing of the sort costs no extra statement.
      const lapsed = found.filter((row) => row.state === 'running' && Number(row.attempts) >= Number(row.max_attempts));
      if (lapsed.length > 0) {
        await trx
          .updateTable('jobs')
          .set({ state: 'dead', last_error: 'the node running its last attempt stopped renewing the lease', locked_by: null, locked_until: null, finished_at: now, updated_at: now })
          .where(
            'id',
            'in',
            lapsed.map((row) => row.id),
          )
          .execute();
      }
      const due = found.filter((row) => !lapsed.includes(row));
      if (due.length === 0) return [];
      const rows = await trx
        .updateTable('jobs')
        .set((eb) => ({ state: 'running', locked_by: node, locked_until: now + leaseMs, attempts: eb('attempts', '+', 1), updated_at: now }))
        .where(
          'id',
          'in',
          due.map((row) => row.id),
        )
        .returningAll()
        .execute();
      return rows.map(toRecord).sort((a, b) => a.runAt.getTime() - b.runAt.getTime() || a.id - b.id);
    });
  }

  async dueKinds(kinds: readonly string[]): Promise<Set<string>> {
    if (kinds.length === 0) return new Set();
    const now = Date.now();
    const rows = await this.db
      .selectFrom('jobs')
      .select('kind')
      .distinct()
      .where('kind', 'in', [...kinds])
      .where(isOpen('jobs'))
      .where((eb) => eb.or([eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', now)]), eb.and([eb('state', '=', 'running'), eb('locked_until', '<', now)])]))
      .execute();
    return new Set(rows.map((row) => row.kind));
  }

  async renew(id: number, node: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    const result = await this.db.updateTable('jobs').set({ locked_until: now + leaseMs, updated_at: now }).where('id', '=', id).where('state', '=', 'running').where('locked_by', '=', node).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async complete(id: number, node: string): Promise<boolean> {
    const now = Date.now();
    const result = await this.db
      .updateTable('jobs')
      .set({ state: 'done', locked_by: null, locked_until: null, finished_at: now, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .where('locked_by', '=', node)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  fail(id: number, node: string, error: string, retryAt: Date): Promise<'retrying' | 'dead' | 'lost'> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('jobs')
        .select(['attempts', 'max_attempts'])
        .where('id', '=', id)
        .where('state', '=', 'running')
        .where('locked_by', '=', node)
        .$if(this.rowLocks, (q) => q.forUpdate())
        .executeTakeFirst();
      if (!row) return 'lost';
      const now = Date.now();
      const dead = row.attempts >= row.max_attempts;
      await trx
        .updateTable('jobs')
        .set({
          state: dead ? 'dead' : 'queued',
          run_at: dead ? now : retryAt.getTime(),
          last_error: error.slice(0, ERROR_LIMIT),
          locked_by: null,
          locked_until: null,
          finished_at: dead ? now : null,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      return dead ? 'dead' : 'retrying';
    });
  }

  cancel(id: number): Promise<'cancelled' | 'finished' | 'unknown'> {
    return this.db.transaction().execute(async (trx) => {
      const now = Date.now();
      const result = await trx
        .updateTable('jobs')
        .set({ state: 'cancelled', locked_by: null, locked_until: null, finished_at: now, updated_at: now })
        .where('id', '=', id)
        .where('state', 'in', ['queued', 'running'])
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) return 'cancelled';
      return (await trx.selectFrom('jobs').select('id').where('id', '=', id).executeTakeFirst()) ? 'finished' : 'unknown';
    });
  }

  retry(id: number): Promise<'queued' | 'not-failed' | 'unknown'> {
    return this.db.transaction().execute(async (trx) => {
      const now = Date.now();
      const result = await trx
        .updateTable('jobs')
        .set({ state: 'queued', attempts: 0, run_at: now, finished_at: null, updated_at: now })
        .where('id', '=', id)
        .where('state', 'in', ['dead', 'cancelled'])
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) return 'queued';
      return (await trx.selectFrom('jobs').select('id').where('id', '=', id).executeTakeFirst()) ? 'not-failed' : 'unknown';
    });
  }

  async prune(before: Date): Promise<number> {
    const result = await this.db.deleteFrom('jobs').where('state', 'in', ['done', 'dead', 'cancelled']).where('finished_at', '<', before.getTime()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async get(id: number): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async list(query: JobQuery): Promise<JobRecord[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .$if(query.state !== undefined, (q) => q.where('state', '=', query.state ?? ''))
      .$if(query.kind !== undefined, (q) => q.where('kind', '=', query.kind ?? ''))
      .$if(query.before !== undefined, (q) => q.where('id', '<', query.before ?? 0))
      .orderBy('id', 'desc')
      .limit(query.limit)
      .execute();
    return rows.map(toRecord);
  }
}

function toRecord(row: Selectable<JobsTable>): JobRecord {
  return {
    id: Number(row.id),
    kind: row.kind,
    payload: JSON.parse(row.payload) as unknown,
    state: row.state as JobState,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    runAt: new Date(Number(row.run_at)),
    ...(row.locked_by === null ? {} : { lockedBy: row.locked_by }),
    ...(row.locked_until === null ? {} : { lockedUntil: new Date(Number(row.locked_until)) }),
    ...(row.idempotency_key === null ? {} : { idempotencyKey: row.idempotency_key }),
    ...(row.group_key === null ? {} : { group: row.group_key }),
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
    ...(row.finished_at === null ? {} : { finishedAt: new Date(Number(row.finished_at)) }),
  };
}
