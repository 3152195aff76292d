/**
 * ManifestStore.setTag: points a tag at a manifest already in the repository (what a rollback
 * does), with the same lock, immutability check and history record as a manifest put.
 */
import type { Kysely } from 'kysely';
import { bumpTagsVersion } from './manifest-put.js';
import type { SetTagResult } from './metadata-store.js';
import { writeEvents } from './event-store.js';
import { findRepositoryId } from './repository-store.js';
import type { Database } from './schema.js';
import { immutableRefusal, movesTo, recordTagChanges, tagChangeEvents, type TagChangeOptions } from './tag-changes.js';

/** Where to point which tag. */
export interface TagTarget {
  repository: string;
  tag: string;
  digest: string;
}

/** See ManifestStore.setTag. */
export async function setTag(db: Kysely<Database>, rowLocks: boolean, target: TagTarget, options: TagChangeOptions): Promise<SetTagResult> {
  return db.transaction().execute(async (trx): Promise<SetTagResult> => {
    const repositoryId = await findRepositoryId(trx, target.repository);
    if (repositoryId === undefined) return { status: 'unknown' };
    // Share-locked like a put's references: a concurrent manifest delete (FOR UPDATE) either waits
    // for this tag to commit and then removes it with the manifest, or goes first and we see no row.
    const manifest = await trx
      .selectFrom('manifests')
      .select('digest')
      .where('repository_id', '=', repositoryId)
      .where('digest', '=', target.digest)
      .$if(rowLocks, (q) => q.forShare())
      .executeTakeFirst();
    if (manifest === undefined) return { status: 'unknown' };
    const moves = await movesTo(trx, rowLocks, repositoryId, [target.tag], target.digest);
    if (moves.length === 0) return { status: 'unchanged' };
    const refused = immutableRefusal(moves, options.immutable);
    if (refused) return refused;
    const now = Date.now();
    await trx
      .insertInto('tags')
      .values({ repository_id: repositoryId, name: target.tag, digest: target.digest, updated_at: now })
      .onConflict((oc) => oc.columns(['repository_id', 'name']).doUpdateSet({ digest: target.digest, updated_at: now }))
      .execute();
    await recordTagChanges(trx, repositoryId, moves, options.actor, now);
    await bumpTagsVersion(trx, repositoryId);
    await writeEvents(trx, rowLocks, tagChangeEvents(target.repository, moves, options.reason), options, now);
    return { status: 'tagged' };
  });
}
