/**
 * The tag-changing steps every store method shares (manifest put and delete, tag delete, setTag),
 * run inside the method's transaction: serialise tag moves per repository, read what the tags point
 * at now, refuse a move that an immutable-tag rule forbids, and record each move in `tag_events`.
 *
 * Why a lock: a history is only useful when each move starts where the previous one ended. Under
 * PostgreSQL's READ COMMITTED two pushes of one tag would both read the same old digest (or both
 * "no tag"); locking the repository row `FOR UPDATE` first makes the second wait and then read
 * the first one's result. Every tag-changing path takes this lock before touching `tags`, and
 * after the row locks it takes on manifests and blob links, so they all lock in one order
 * (references, repository, tags): no deadlocks. Callers outside the store that change tags
 * (retention, replication) should go through the store methods, which record the history.
 * SQLite runs one write transaction at a time, so it needs (and supports) no row locks.
 */
import type { Kysely } from 'kysely';
import type { ChangeOrigin, NewEvent } from './event-store.js';
import type { Database } from './schema.js';
import { ruleProtecting, type ImmutableTagRefusal, type ImmutableTagRule } from './tag-history-store.js';

/**
 * Who changes tags, and the rules protecting them: options of the tag-changing store methods. The
 * origin (actor, client address, node) goes into the tag history and the change's events.
 */
export interface TagChangeOptions extends ChangeOrigin {
  /** Recorded in the tag history (default 'system': GC, retention and other internal callers). */
  actor?: string;
  /**
   * The immutable-tag rules that apply to the repository (content/ resolves them). A change to a
   * tag one matches is refused — creating a new tag is not a change and stays allowed.
   */
  immutable?: readonly ImmutableTagRule[];
}

/** One tag move. null oldDigest: created; null newDigest: removed. */
export interface TagChange {
  tag: string;
  oldDigest: string | null;
  newDigest: string | null;
}

// Rows per statement: under SQLite's and PostgreSQL's bound-parameter limits with room to spare.
const BATCH = 500;

/** Takes the repository's tag lock (PostgreSQL); see the file comment. */
export async function lockRepositoryTags(trx: Kysely<Database>, rowLocks: boolean, repositoryId: number): Promise<void> {
  if (rowLocks) await trx.selectFrom('repositories').select('id').where('id', '=', repositoryId).forUpdate().execute();
}

/** What the named tags point at now (absent tags are left out). Call after lockRepositoryTags. */
export async function currentTags(trx: Kysely<Database>, repositoryId: number, names: readonly string[]): Promise<Map<string, string>> {
  const current = new Map<string, string>();
  for (let start = 0; start < names.length; start += BATCH) {
    const rows = await trx
      .selectFrom('tags')
      .select(['name', 'digest'])
      .where('repository_id', '=', repositoryId)
      .where('name', 'in', names.slice(start, start + BATCH))
      .execute();
    for (const row of rows) current.set(row.name, row.digest);
  }
  return current;
}

/**
 * The moves that pointing `tags` at `digest` makes: tags already there are left out (an unchanged
 * tag writes nothing). Locks first, so the old digests are the latest committed ones.
 */
export async function movesTo(trx: Kysely<Database>, rowLocks: boolean, repositoryId: number, tags: readonly string[], digest: string): Promise<TagChange[]> {
  if (tags.length === 0) return [];
  await lockRepositoryTags(trx, rowLocks, repositoryId);
  const current = await currentTags(trx, repositoryId, tags);
  return tags.filter((tag) => current.get(tag) !== digest).map((tag) => ({ tag, oldDigest: current.get(tag) ?? null, newDigest: digest }));
}

/** The refusal for the first change an immutable-tag rule forbids: moving or removing an existing tag. */
export function immutableRefusal(changes: readonly TagChange[], rules: readonly ImmutableTagRule[] | undefined): ImmutableTagRefusal | undefined {
  for (const change of changes) {
    if (change.oldDigest === null) continue;
    const rule = ruleProtecting(change.tag, rules);
    if (rule) return { status: 'immutable', tag: change.tag, rule };
  }
  return undefined;
}

/** Writes the moves to `tag_events` (in the caller's transaction, so history and tags agree). */
export async function recordTagChanges(trx: Kysely<Database>, repositoryId: number, changes: readonly TagChange[], actor: string | undefined, at: number): Promise<void> {
  for (let start = 0; start < changes.length; start += BATCH) {
    await trx
      .insertInto('tag_events')
      .values(
        changes.slice(start, start + BATCH).map((change) => ({
          repository_id: repositoryId,
          tag: change.tag,
          old_digest: change.oldDigest,
          new_digest: change.newDigest,
          actor: actor ?? 'system',
          at,
        })),
      )
      .execute();
  }
}

/** The outbox events of tag moves: created, moved (old and new digest) or deleted (the old one). */
export function tagChangeEvents(repository: string, changes: readonly TagChange[], reason?: string): NewEvent[] {
  const data = reason === undefined ? {} : { data: { reason } };
  return changes.map((change): NewEvent => {
    if (change.newDigest === null) return { type: 'tag.deleted', repository, target: { tag: change.tag, oldDigest: change.oldDigest ?? undefined }, ...data };
    if (change.oldDigest === null) return { type: 'tag.created', repository, target: { tag: change.tag, digest: change.newDigest }, ...data };
    return { type: 'tag.moved', repository, target: { tag: change.tag, digest: change.newDigest, oldDigest: change.oldDigest }, ...data };
  });
}
