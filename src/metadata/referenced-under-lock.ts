/**
 * The step every delete of a manifest or of a repository's blob link takes before deleting: lock
 * the row, then ask manifest_references whether a manifest of the repository still lists it.
 *
 * On PostgreSQL (`rowLocks`) the lock is `FOR UPDATE`, pairing with the `FOR SHARE` a manifest put
 * takes on the rows it references (manifest-put.ts); the reference check is a new statement, so
 * under READ COMMITTED it sees a put that committed while we waited for the lock. SQLite runs one
 * write transaction at a time (the writer lock), so there the transaction is the lock.
 */
import type { Kysely } from 'kysely';
import type { Database, ReferenceKind } from './schema.js';

/** What to lock: a manifest (`kind: 'manifest'`) or a repository's link to a blob (`kind: 'blob'`). */
export interface LockTarget<K extends ReferenceKind> {
  kind: K;
  repositoryId: number;
  digest: string;
  /** PostgreSQL: lock the row (FOR UPDATE). False on SQLite. */
  rowLocks: boolean;
  /** With rowLocks, pass over a row another transaction holds (as if absent) instead of waiting. */
  skipLocked?: boolean;
}

/** The locked manifest row's columns its deleters read. */
export interface LockedManifest {
  digest: string;
  subject: string | null;
  created_at: number;
}

/** The locked blob link's columns its deleters read. */
export interface LockedBlobLink {
  digest: string;
  seen_at: number;
}

type LockedRow<K extends ReferenceKind> = K extends 'manifest' ? LockedManifest : LockedBlobLink;

/** Locks the target's row; undefined when there is none (or, with skipLocked, it is busy). */
export async function lockRow<K extends ReferenceKind>(trx: Kysely<Database>, target: LockTarget<K>): Promise<LockedRow<K> | undefined> {
  const { repositoryId, digest, rowLocks, skipLocked = false } = target;
  const row =
    target.kind === 'manifest'
      ? await trx
          .selectFrom('manifests')
          .select(['digest', 'subject', 'created_at'])
          .where('repository_id', '=', repositoryId)
          .where('digest', '=', digest)
          .$if(rowLocks, (q) => q.forUpdate())
          .$if(rowLocks && skipLocked, (q) => q.skipLocked())
          .executeTakeFirst()
      : await trx
          .selectFrom('repository_blobs')
          .select(['digest', 'seen_at'])
          .where('repository_id', '=', repositoryId)
          .where('digest', '=', digest)
          .$if(rowLocks, (q) => q.forUpdate())
          .$if(rowLocks && skipLocked, (q) => q.skipLocked())
          .executeTakeFirst();
  // The branch taken follows target.kind, which is K: the row is K's.
  return row as LockedRow<K> | undefined;
}

/**
 * Locks the target's row, then looks (in a new statement) for a manifest of the repository that
 * references it: `referencedBy` is the first such manifest's digest in byte order, or undefined.
 * Undefined when there is no row (or, with skipLocked, it is busy).
 */
export async function referencedUnderLock<K extends ReferenceKind>(
  trx: Kysely<Database>,
  target: LockTarget<K>,
): Promise<{ row: LockedRow<K>; referencedBy: string | undefined } | undefined> {
  const row = await lockRow(trx, target);
  if (row === undefined) return undefined;
  const reference = await trx
    .selectFrom('manifest_references')
    .select('manifest_digest')
    .where('repository_id', '=', target.repositoryId)
    .where('reference_digest', '=', target.digest)
    .where('kind', '=', target.kind)
    .orderBy('manifest_digest')
    .limit(1)
    .executeTakeFirst();
  return { row, referencedBy: reference?.manifest_digest };
}
