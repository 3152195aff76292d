import type { Kysely } from 'kysely';
import { bumpTagsVersion, putManifest } from './manifest-put.js';
import type {
  ManifestInput,
  ManifestRecord,
  ManifestStore,
  PageRequest,
  PutManifestResult,
  ReferrerRecord,
  SetTagResult,
  UnlinkResult,
} from './metadata-store.js';
import { pageLimit } from './page.js';
import { writeEvents } from './event-store.js';
import { findRepositoryId } from './repository-store.js';
import { referencedUnderLock } from './referenced-under-lock.js';
import type { Database } from './schema.js';
import { currentTags, immutableRefusal, lockRepositoryTags, recordTagChanges, tagChangeEvents, type TagChangeOptions } from './tag-changes.js';
import type { ImmutableTagRefusal } from './tag-history-store.js';
import { setTag } from './tag-set.js';

/**
 * Manifests, tags and referrers through Kysely. `rowLocks` (PostgreSQL) makes delete lock the
 * manifest `FOR UPDATE` before looking for indexes that list it; see manifest-put.ts.
 */
export class KyselyManifestStore implements ManifestStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rowLocks: boolean,
  ) {}

  async put(input: ManifestInput): Promise<PutManifestResult> {
    return putManifest(this.db, this.rowLocks, input);
  }

  async get(repository: string, digest: string): Promise<ManifestRecord | undefined> {
    const row = await this.db
      .selectFrom('manifests')
      .innerJoin('repositories', 'repositories.id', 'manifests.repository_id')
      .select(['manifests.digest', 'manifests.media_type', 'manifests.size', 'manifests.bytes'])
      .where('repositories.name', '=', repository)
      .where('manifests.digest', '=', digest)
      .executeTakeFirst();
    return row && { digest: row.digest, mediaType: row.media_type, size: row.size, bytes: row.bytes };
  }

  async getByTag(repository: string, tag: string): Promise<ManifestRecord | undefined> {
    const row = await this.db
      .selectFrom('tags')
      .innerJoin('repositories', 'repositories.id', 'tags.repository_id')
      .innerJoin('manifests', (join) =>
        join
          .onRef('manifests.repository_id', '=', 'tags.repository_id')
          .onRef('manifests.digest', '=', 'tags.digest'),
      )
      .select(['manifests.digest', 'manifests.media_type', 'manifests.size', 'manifests.bytes'])
      .where('repositories.name', '=', repository)
      .where('tags.name', '=', tag)
      .executeTakeFirst();
    return row && { digest: row.digest, mediaType: row.media_type, size: row.size, bytes: row.bytes };
  }

  async delete(repository: string, digest: string, options: TagChangeOptions = {}): Promise<UnlinkResult | ImmutableTagRefusal> {
    return this.db.transaction().execute(async (trx): Promise<UnlinkResult | ImmutableTagRefusal> => {
      const repositoryId = await findRepositoryId(trx, repository);
      if (repositoryId === undefined) return { status: 'unknown' };
      // Lock first; the index check below is a new statement, so under READ COMMITTED it sees an
      // index put that committed while we waited for this lock.
      const locked = await referencedUnderLock(trx, { kind: 'manifest', repositoryId, digest, rowLocks: this.rowLocks });
      const stored = await trx.selectFrom('manifests').select(['media_type', 'size']).where('repository_id', '=', repositoryId).where('digest', '=', digest).executeTakeFirst();
      if (locked === undefined) return { status: 'unknown' };
      if (locked.referencedBy !== undefined) return { status: 'referenced', by: locked.referencedBy };
      // Referrers (manifests whose subject is this one) stay: the referrers API lists them still.
      await lockRepositoryTags(trx, this.rowLocks, repositoryId);
      const tagged = await trx.selectFrom('tags').select('name').where('repository_id', '=', repositoryId).where('digest', '=', digest).orderBy('name').execute();
      const removals = tagged.map((row) => ({ tag: row.name, oldDigest: digest, newDigest: null }));
      const refused = immutableRefusal(removals, options.immutable);
      if (refused) return refused;
      if (removals.length > 0) {
        await trx.deleteFrom('tags').where('repository_id', '=', repositoryId).where('digest', '=', digest).execute();
        await recordTagChanges(trx, repositoryId, removals, options.actor, Date.now());
        await bumpTagsVersion(trx, repositoryId);
      }
      await trx
        .deleteFrom('manifest_references')
        .where('repository_id', '=', repositoryId)
        .where('manifest_digest', '=', digest)
        .execute();
      await trx.deleteFrom('manifests').where('repository_id', '=', repositoryId).where('digest', '=', digest).execute();
      const reason = options.reason === undefined ? {} : { data: { reason: options.reason } };
      const deleted = { type: 'manifest.deleted' as const, repository, target: { digest, ...(stored ? { mediaType: stored.media_type, size: Number(stored.size) } : {}) }, ...reason };
      await writeEvents(trx, this.rowLocks, [...tagChangeEvents(repository, removals, options.reason), deleted, ...(options.events ?? [])], options);
      return { status: 'deleted' };
    });
  }

  async deleteTag(repository: string, tag: string, options: TagChangeOptions = {}): Promise<boolean | ImmutableTagRefusal> {
    return this.db.transaction().execute(async (trx): Promise<boolean | ImmutableTagRefusal> => {
      const repositoryId = await findRepositoryId(trx, repository);
      if (repositoryId === undefined) return false;
      await lockRepositoryTags(trx, this.rowLocks, repositoryId);
      const current = (await currentTags(trx, repositoryId, [tag])).get(tag);
      if (current === undefined) return false;
      const removal = [{ tag, oldDigest: current, newDigest: null }];
      const refused = immutableRefusal(removal, options.immutable);
      if (refused) return refused;
      await trx.deleteFrom('tags').where('repository_id', '=', repositoryId).where('name', '=', tag).execute();
      await recordTagChanges(trx, repositoryId, removal, options.actor, Date.now());
      await bumpTagsVersion(trx, repositoryId);
      await writeEvents(trx, this.rowLocks, tagChangeEvents(repository, removal, options.reason), options);
      return true;
    });
  }

  async setTag(repository: string, tag: string, digest: string, options: TagChangeOptions = {}): Promise<SetTagResult> {
    return setTag(this.db, this.rowLocks, { repository, tag, digest }, options);
  }

  async tagsVersion(repository: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('repositories').select('tags_version').where('name', '=', repository).executeTakeFirst();
    return row?.tags_version;
  }

  async listTags(repository: string, page: PageRequest): Promise<string[]> {
    const limit = pageLimit(page);
    if (limit === 0) return [];
    const after = page.after;
    const rows = await this.db
      .selectFrom('tags')
      .innerJoin('repositories', 'repositories.id', 'tags.repository_id')
      .select('tags.name')
      .where('repositories.name', '=', repository)
      .$if(after !== undefined, (q) => q.where('tags.name', '>', after ?? ''))
      .orderBy('tags.name')
      .$if(limit !== undefined, (q) => q.limit(limit ?? 0))
      .execute();
    return rows.map((row) => row.name);
  }

  async referrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerRecord[]> {
    const rows = await this.db
      .selectFrom('manifests')
      .innerJoin('repositories', 'repositories.id', 'manifests.repository_id')
      .select([
        'manifests.digest',
        'manifests.media_type',
        'manifests.size',
        'manifests.artifact_type',
        'manifests.annotations',
      ])
      .where('repositories.name', '=', repository)
      .where('manifests.subject', '=', subject)
      .$if(artifactType !== undefined, (q) => q.where('manifests.artifact_type', '=', artifactType ?? ''))
      .orderBy('manifests.digest')
      .execute();
    return rows.map((row) => {
      const referrer: ReferrerRecord = { digest: row.digest, mediaType: row.media_type, size: row.size };
      if (row.artifact_type !== null) referrer.artifactType = row.artifact_type;
      if (row.annotations !== null) referrer.annotations = JSON.parse(row.annotations) as Record<string, string>;
      return referrer;
    });
  }
}
