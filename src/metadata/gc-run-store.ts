/**
 * The history of garbage collections (`gc_runs`, migration 0010): a row is written when a run
 * starts and completed when it ends, so a run killed half-way shows as never finished. The end
 * writes the gc.finished event in the same transaction.
 */
import type { Kysely, Selectable } from 'kysely';
import { writeEvents } from './event-store.js';
import type { Database, GcRunsTable } from './schema.js';

/** What a finished run removed (or, dry, would remove). */
export interface GcRunCounts {
  manifests: number;
  links: number;
  blobs: number;
  uploads: number;
  orphanFiles: number;
  auditEvents: number;
  bytesReclaimed: number;
}

/** One run as stored. */
export interface GcRunRecord extends GcRunCounts {
  id: number;
  startedAt: Date;
  /** Absent while the run goes on (or when its node died). */
  finishedAt?: Date;
  /** The node that ran it (Exclusive's holder id). */
  node: string;
  dryRun: boolean;
  /** Why the run failed, when it did. */
  error?: string;
}

/** GC run history. */
export interface GcRunStore {
  /** Records a run that starts now; returns its id. */
  start(run: { node: string; dryRun: boolean; startedAt: Date }): Promise<number>;
  /** Records how the run ended. */
  finish(id: number, outcome: { finishedAt: Date; counts: GcRunCounts; error?: string }): Promise<void>;
  /** The newest runs first, `limit` at most. */
  list(limit: number): Promise<GcRunRecord[]>;
}

const NOTHING_YET = { manifests: 0, links: 0, blobs: 0, uploads: 0, orphan_files: 0, audit_events: 0, bytes_reclaimed: 0 };

/** GC run history through Kysely. */
export class KyselyGcRunStore implements GcRunStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rowLocks: boolean,
  ) {}

  async start(run: { node: string; dryRun: boolean; startedAt: Date }): Promise<number> {
    const row = await this.db
      .insertInto('gc_runs')
      .values({ started_at: run.startedAt.getTime(), node: run.node, dry_run: run.dryRun ? 1 : 0, ...NOTHING_YET })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async finish(id: number, outcome: { finishedAt: Date; counts: GcRunCounts; error?: string }): Promise<void> {
    const c = outcome.counts;
    await this.db.transaction().execute(async (trx) => {
      const run = await trx
        .updateTable('gc_runs')
        .set({
          finished_at: outcome.finishedAt.getTime(),
          manifests: c.manifests,
          links: c.links,
          blobs: c.blobs,
          uploads: c.uploads,
          orphan_files: c.orphanFiles,
          audit_events: c.auditEvents,
          bytes_reclaimed: c.bytesReclaimed,
          error: outcome.error ?? null,
        })
        .where('id', '=', id)
        .returning(['node', 'dry_run'])
        .executeTakeFirst();
      if (run === undefined) return;
      const data = { run: id, dryRun: run.dry_run === 1, ...c, ...(outcome.error === undefined ? {} : { error: outcome.error }) };
      await writeEvents(trx, this.rowLocks, [{ type: 'gc.finished', data }], { actor: 'gc', actorKind: 'system', node: run.node }, outcome.finishedAt.getTime());
    });
  }

  async list(limit: number): Promise<GcRunRecord[]> {
    const rows = await this.db.selectFrom('gc_runs').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toRecord);
  }
}

function toRecord(row: Selectable<GcRunsTable>): GcRunRecord {
  return {
    id: Number(row.id),
    startedAt: new Date(Number(row.started_at)),
    ...(row.finished_at === null ? {} : { finishedAt: new Date(Number(row.finished_at)) }),
    node: row.node,
    dryRun: Number(row.dry_run) === 1,
    manifests: Number(row.manifests),
    links: Number(row.links),
    blobs: Number(row.blobs),
    uploads: Number(row.uploads),
    orphanFiles: Number(row.orphan_files),
    auditEvents: Number(row.audit_events),
    bytesReclaimed: Number(row.bytes_reclaimed),
    ...(row.error === null ? {} : { error: row.error }),
  };
}
