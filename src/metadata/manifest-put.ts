/**
 * ManifestStore.put: the one write that must see its references and keep them until it commits.
 *
 * In PostgreSQL (READ COMMITTED) the check locks the repository blob links and child manifests it
 * found with `FOR SHARE`. A concurrent `blobs.unlink` / `manifests.delete` (or GC's delete) takes
 * `FOR UPDATE` on its target first and only then, in a new statement, looks for references
 * (referenced-under-lock.ts): either it waits for this put to commit and then sees its references,
 * or this put waits for the delete and then finds the row gone and reports it missing. SQLite runs one write transaction at a time.
 */
import type { Kysely } from 'kysely';
import type { ManifestInput, PutManifestResult, SizeMismatch } from './metadata-store.js';
import { writeEvents, type NewEvent } from './event-store.js';
import { ensureRepositoryId, findRepositoryId } from './repository-store.js';
import type { Database, ManifestReferencesTable } from './schema.js';
import { immutableRefusal, movesTo, recordTagChanges, tagChangeEvents } from './tag-changes.js';

// Rows per statement: under SQLite's and PostgreSQL's bound-parameter limits with room to spare.
const BATCH = 500;

/** Stores `input` when all its references are present; see ManifestStore.put. */
export async function putManifest(
  db: Kysely<Database>,
  rowLocks: boolean,
  input: ManifestInput,
): Promise<PutManifestResult> {
  const blobs = unique(input.blobs);
  const children = unique(input.manifests);
  // One order for every writer, so two puts upserting the same tags can't deadlock.
  const tags = unique(input.tags).sort();
  return db.transaction().execute(async (trx): Promise<PutManifestResult> => {
    const existingId = await findRepositoryId(trx, input.repository);
    const linked = await presentDigests(trx, 'repository_blobs', existingId, blobs, rowLocks);
    const present = await presentDigests(trx, 'manifests', existingId, children, rowLocks);
    const missingBlobs = blobs.filter((digest) => !linked.has(digest));
    const missingManifests = children.filter((digest) => !present.has(digest));
    if (missingBlobs.length > 0 || missingManifests.length > 0) {
      return { status: 'missing', blobs: missingBlobs, manifests: missingManifests };
    }
    // A descriptor's size is the stored content's size (image-spec, descriptor): a client trusts
    // it to bound what it reads, so a wrong one is refused here, where the links were just found.
    const mismatches = input.declaredSizes ? sizeMismatches(input.declaredSizes, new Map([...(await blobSizes(trx, blobs)), ...present])) : [];
    if (mismatches.length > 0) return { status: 'size-mismatch', mismatches };

    const repositoryId = existingId ?? (await ensureRepositoryId(trx, input.repository));
    // Before writing anything: a refused tag move must leave the manifest unstored too.
    const moves = await movesTo(trx, rowLocks, repositoryId, tags, input.digest);
    const refused = immutableRefusal(moves, input.immutable);
    if (refused) return refused;
    const now = Date.now();
    // Same digest, same bytes: an existing row is already this manifest.
    await trx
      .insertInto('manifests')
      .values({
        repository_id: repositoryId,
        digest: input.digest,
        media_type: input.mediaType,
        artifact_type: input.artifactType ?? null,
        subject: input.subject ?? null,
        size: input.bytes.byteLength,
        bytes: Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength),
        annotations: input.annotations === undefined ? null : JSON.stringify(input.annotations),
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing())
      .execute();

    const references: ManifestReferencesTable[] = [
      ...blobs.map((digest) => reference(repositoryId, input.digest, digest, 'blob')),
      ...children.map((digest) => reference(repositoryId, input.digest, digest, 'manifest')),
    ];
    for (const batch of batches(references)) {
      await trx
        .insertInto('manifest_references')
        .values(batch)
        .onConflict((oc) => oc.columns(['repository_id', 'manifest_digest', 'reference_digest', 'kind']).doNothing())
        .execute();
    }

    for (const batch of batches(moves.map((move) => move.tag))) {
      await trx
        .insertInto('tags')
        .values(batch.map((name) => ({ repository_id: repositoryId, name, digest: input.digest, updated_at: now })))
        .onConflict((oc) =>
          oc.columns(['repository_id', 'name']).doUpdateSet((eb) => ({
            digest: eb.ref('excluded.digest'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
    if (moves.length > 0) {
      await recordTagChanges(trx, repositoryId, moves, input.actor, now);
      await bumpTagsVersion(trx, repositoryId);
    }
    // A re-push of stored bytes is still a push (as Distribution notifies it); tags that didn't move write no tag event.
    const pushed: NewEvent = {
      type: 'manifest.pushed',
      repository: input.repository,
      target: { mediaType: input.mediaType, digest: input.digest, size: input.bytes.byteLength, ...(tags.length > 0 ? { tag: tags[0], tags } : {}) },
      ...(input.artifactType || input.subject ? { data: { ...(input.artifactType ? { artifactType: input.artifactType } : {}), ...(input.subject ? { subject: input.subject } : {}) } } : {}),
    };
    await writeEvents(trx, rowLocks, [pushed, ...tagChangeEvents(input.repository, moves)], input, now);
    return { status: 'stored' };
  });
}

/** Marks the repository's tags as changed, inside the transaction that changes them. */
export async function bumpTagsVersion(trx: Kysely<Database>, repositoryId: number): Promise<void> {
  await trx
    .updateTable('repositories')
    .set((eb) => ({ tags_version: eb('tags_version', '+', 1) }))
    .where('id', '=', repositoryId)
    .execute();
}

/**
 * Which of `digests` the repository has in `table`, share-locked when `rowLocks`, with the stored
 * manifest's size (manifests; a blob link has no size of its own, see blobSizes).
 */
async function presentDigests(
  trx: Kysely<Database>,
  table: 'repository_blobs' | 'manifests',
  repositoryId: number | undefined,
  digests: string[],
  rowLocks: boolean,
): Promise<Map<string, number | undefined>> {
  const found = new Map<string, number | undefined>();
  if (repositoryId === undefined) return found;
  for (const batch of batches(digests)) {
    if (table === 'manifests') {
      const rows = await trx.selectFrom('manifests').select(['digest', 'size']).where('repository_id', '=', repositoryId).where('digest', 'in', batch).$if(rowLocks, (q) => q.forShare()).execute();
      for (const row of rows) found.set(row.digest, Number(row.size));
    } else {
      const rows = await trx.selectFrom('repository_blobs').select('digest').where('repository_id', '=', repositoryId).where('digest', 'in', batch).$if(rowLocks, (q) => q.forShare()).execute();
      for (const row of rows) found.set(row.digest, undefined);
    }
  }
  return found;
}

/** The sizes of committed blobs. Unlocked: a digest's size never changes, and the links are locked. */
async function blobSizes(trx: Kysely<Database>, digests: string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const batch of batches(digests)) {
    const rows = await trx.selectFrom('blobs').select(['digest', 'size']).where('digest', 'in', batch).execute();
    for (const row of rows) sizes.set(row.digest, Number(row.size));
  }
  return sizes;
}

function sizeMismatches(declared: ReadonlyMap<string, number>, stored: ReadonlyMap<string, number | undefined>): SizeMismatch[] {
  const mismatches: SizeMismatch[] = [];
  for (const [digest, size] of declared) {
    const actual = stored.get(digest);
    if (actual !== undefined && actual !== size) mismatches.push({ digest, declared: size, stored: actual });
  }
  return mismatches;
}

function reference(
  repositoryId: number,
  manifestDigest: string,
  referenceDigest: string,
  kind: ManifestReferencesTable['kind'],
): ManifestReferencesTable {
  return { repository_id: repositoryId, manifest_digest: manifestDigest, reference_digest: referenceDigest, kind };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function* batches<T>(values: readonly T[]): Generator<T[]> {
  for (let start = 0; start < values.length; start += BATCH) yield values.slice(start, start + BATCH);
}
