/**
 * The lineage tables (migrations.ts) through the extension's database: recording and forgetting
 * images, the two questions inference asks of layer chains (the deepest stored image an image
 * starts with; the images whose deepest stored start is a given one), the images whose
 * annotations name a base, and the debounce rows of base-tag moves.
 */
import type { Kysely } from 'kysely';
import { writeEvents, type NewEvent } from '../../metadata/event-store.js';
import type { ExtensionDatabase } from '../../metadata/extension-database.js';
import type { Database } from '../../metadata/schema.js';

interface ImagesTable {
  repository: string;
  digest: string;
  is_index: number;
  platform: string | null;
  depth: number;
  chain: string | null;
  base_name: string | null;
  base_repository: string | null;
  base_tag: string | null;
  base_digest: string | null;
  recorded_at: number;
}

interface ChainsTable {
  repository: string;
  digest: string;
  depth: number;
  chain: string;
}

interface PendingMovesTable {
  repository: string;
  tag: string;
  old_digest: string;
  new_digest: string;
  last_event: number;
  settled: number;
}

export interface LineageTables {
  lineage_images: ImagesTable;
  lineage_chains: ChainsTable;
  lineage_pending_moves: PendingMovesTable;
}

/** A recorded image manifest (layers) or index (only what its annotations name). */
export interface LineageImage {
  repository: string;
  digest: string;
  isIndex: boolean;
  platform?: string;
  /** ChainIDs of each prefix of its layer stack (empty for an index). */
  chains: string[];
  base?: { name?: string; repository?: string; tag?: string; digest?: string };
  recordedAt: Date;
}

/** An image found through the tables: where it is and how deep its layer stack is. */
export interface ImageRef {
  repository: string;
  digest: string;
  depth: number;
  platform?: string;
}

function imageRef(row: { repository: string; digest: string; depth: number; platform: string | null }): ImageRef {
  return { repository: row.repository, digest: row.digest, depth: Number(row.depth), ...(row.platform !== null ? { platform: row.platform } : {}) };
}

/** A burst of moves of one base tag: the digest before its first move and after its latest. */
export interface PendingMove {
  oldDigest: string;
  newDigest: string;
  lastEvent: number;
}

/** A burst as stored: settled once its events are written. */
export interface MoveBurst extends PendingMove {
  settled: boolean;
}

const BATCH = 200;

export class LineageStore {
  private readonly db: Kysely<LineageTables>;

  constructor(private readonly database: ExtensionDatabase<LineageTables>) {
    this.db = database.db;
  }

  /** Records (or records again) one image, replacing what was recorded of it. */
  async record(image: LineageImage): Promise<void> {
    const row = {
      is_index: image.isIndex ? 1 : 0,
      platform: image.platform ?? null,
      depth: image.chains.length,
      chain: image.chains.at(-1) ?? null,
      base_name: image.base?.name ?? null,
      base_repository: image.base?.repository ?? null,
      base_tag: image.base?.tag ?? null,
      base_digest: image.base?.digest ?? null,
      recorded_at: image.recordedAt.getTime(),
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('lineage_chains').where('repository', '=', image.repository).where('digest', '=', image.digest).execute();
      await trx
        .insertInto('lineage_images')
        .values({ repository: image.repository, digest: image.digest, ...row })
        .onConflict((oc) => oc.columns(['repository', 'digest']).doUpdateSet(row))
        .execute();
      const chains = image.chains.map((chain, index) => ({ repository: image.repository, digest: image.digest, depth: index + 1, chain }));
      for (let start = 0; start < chains.length; start += BATCH) await trx.insertInto('lineage_chains').values(chains.slice(start, start + BATCH)).execute();
    });
  }

  /** Forgets one image, or (no digest) every image of the repository. */
  async forget(repository: string, digest?: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const table of ['lineage_chains', 'lineage_images'] as const) {
        let query = trx.deleteFrom(table).where('repository', '=', repository);
        if (digest !== undefined) query = query.where('digest', '=', digest);
        await query.execute();
      }
    });
  }

  async get(repository: string, digest: string): Promise<LineageImage | undefined> {
    const row = await this.db.selectFrom('lineage_images').selectAll().where('repository', '=', repository).where('digest', '=', digest).executeTakeFirst();
    if (!row) return undefined;
    const chains = row.depth === 0 ? [] : (await this.db.selectFrom('lineage_chains').select('chain').where('repository', '=', repository).where('digest', '=', digest).orderBy('depth').execute()).map((c) => c.chain);
    const base = {
      ...(row.base_name !== null ? { name: row.base_name } : {}),
      ...(row.base_repository !== null ? { repository: row.base_repository } : {}),
      ...(row.base_tag !== null ? { tag: row.base_tag } : {}),
      ...(row.base_digest !== null ? { digest: row.base_digest } : {}),
    };
    return {
      repository,
      digest,
      isIndex: row.is_index === 1,
      ...(row.platform !== null ? { platform: row.platform } : {}),
      chains,
      ...(Object.keys(base).length > 0 ? { base } : {}),
      recordedAt: new Date(Number(row.recorded_at)),
    };
  }

  /**
   * The stored image manifests whose whole layer stack is the deepest proper prefix of the
   * image's: its inferred base and any copies of it (the earliest recorded first).
   */
  async deepestPrefix(repository: string, digest: string, depth: number): Promise<ImageRef[]> {
    const rows = await this.db
      .selectFrom('lineage_chains as c')
      .innerJoin('lineage_images as i', (join) => join.onRef('i.chain', '=', 'c.chain').onRef('i.depth', '=', 'c.depth'))
      .select(['i.repository', 'i.digest', 'i.depth', 'i.platform'])
      .where('c.repository', '=', repository)
      .where('c.digest', '=', digest)
      .where('c.depth', '<', depth)
      .where('i.is_index', '=', 0)
      .orderBy('i.depth', 'desc')
      .orderBy('i.recorded_at')
      .orderBy('i.repository')
      .execute();
    const deepest = rows[0]?.depth;
    return rows.filter((row) => row.depth === deepest).map(imageRef);
  }

  /**
   * The images that start with the layer stack `chain` (of `depth` layers), have more layers,
   * name no base in their annotations, and start with no deeper stored image: those whose
   * inferred base is an image with this stack.
   */
  async inferredDependents(chain: string, depth: number): Promise<ImageRef[]> {
    const rows = await this.db
      .selectFrom('lineage_chains as c')
      .innerJoin('lineage_images as d', (join) => join.onRef('d.repository', '=', 'c.repository').onRef('d.digest', '=', 'c.digest'))
      .select(['d.repository', 'd.digest', 'd.depth', 'd.platform'])
      .where('c.chain', '=', chain)
      .where('c.depth', '=', depth)
      .where('d.depth', '>', depth)
      .where('d.base_name', 'is', null)
      .where('d.base_digest', 'is', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('lineage_chains as c2')
              .innerJoin('lineage_images as m', (join) => join.onRef('m.chain', '=', 'c2.chain').onRef('m.depth', '=', 'c2.depth'))
              .select('m.digest')
              .whereRef('c2.repository', '=', 'd.repository')
              .whereRef('c2.digest', '=', 'd.digest')
              .where('c2.depth', '>', depth)
              .whereRef('c2.depth', '<', 'd.depth')
              .where('m.is_index', '=', 0),
          ),
        ),
      )
      .orderBy('d.repository')
      .orderBy('d.digest')
      .execute();
    return rows.map(imageRef);
  }

  /** The images (manifests or indexes) whose annotations name `repository` with one of `tags`, or one of `digests`. */
  async namedDependents(repository: string, tags: readonly string[], digests: readonly string[]): Promise<ImageRef[]> {
    if (tags.length === 0 && digests.length === 0) return [];
    const rows = await this.db
      .selectFrom('lineage_images')
      .select(['repository', 'digest', 'depth', 'platform'])
      .where((eb) =>
        eb.or([
          ...(tags.length > 0 ? [eb.and([eb('base_repository', '=', repository), eb('base_tag', 'in', [...tags])])] : []),
          ...(digests.length > 0 ? [eb('base_digest', 'in', [...digests])] : []),
        ]),
      )
      .orderBy('repository')
      .orderBy('digest')
      .execute();
    return rows.map(imageRef);
  }

  /**
   * Notes a move of a base tag (event `lastEvent`): it extends the tag's unsettled burst (the
   * first old digest kept, the newest new one taken) or starts a new one. A move already noted
   * (a retried job) changes nothing and gets the burst as it is, settled or not.
   */
  async noteMove(repository: string, tag: string, move: PendingMove): Promise<MoveBurst> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('lineage_pending_moves').selectAll().where('repository', '=', repository).where('tag', '=', tag).executeTakeFirst();
      const fresh = { old_digest: move.oldDigest, new_digest: move.newDigest, last_event: move.lastEvent, settled: 0 };
      if (!row) {
        await trx.insertInto('lineage_pending_moves').values({ repository, tag, ...fresh }).execute();
        return { ...move, settled: false };
      }
      if (Number(row.last_event) >= move.lastEvent) return { oldDigest: row.old_digest, newDigest: row.new_digest, lastEvent: Number(row.last_event), settled: row.settled === 1 };
      const next = row.settled === 1 ? fresh : { ...fresh, old_digest: row.old_digest };
      await trx.updateTable('lineage_pending_moves').set(next).where('repository', '=', repository).where('tag', '=', tag).execute();
      return { oldDigest: next.old_digest, newDigest: next.new_digest, lastEvent: move.lastEvent, settled: false };
    });
  }

  /**
   * Settles the burst whose latest move is `lastEvent` and writes its events, in one transaction:
   * a retried job finds it settled and writes nothing twice. False when it was settled already.
   */
  async settleMove(repository: string, tag: string, lastEvent: number, events: readonly NewEvent[], actor: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const settled = await trx
        .updateTable('lineage_pending_moves')
        .set({ settled: 1 })
        .where('repository', '=', repository)
        .where('tag', '=', tag)
        .where('last_event', '=', lastEvent)
        .where('settled', '=', 0)
        .executeTakeFirst();
      if (settled.numUpdatedRows !== 1n) return false;
      // The extension's tables and the outbox share the database: the events commit with the settling.
      await writeEvents(trx as unknown as Kysely<Database>, this.database.rowLocks, events, { actor, actorKind: 'system' });
      return true;
    });
  }
}
