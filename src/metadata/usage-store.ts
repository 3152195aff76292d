/**
 * Storage usage, computed from the blob links rather than counted: a namespace uses the sizes of
 * the distinct blobs its repositories link (a layer shared by ten images counts once), a
 * repository the sizes of the blobs it links. Nothing is kept that could drift from the links,
 * so usage is exact under any mix of concurrent pushes, deletes and GC.
 *
 * The store doesn't know how names map to namespaces (auth.namespaces.depth and .root decide
 * that): content/quotas.ts describes a namespace's repositories as a {@link RepositoryScope}.
 */
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from './schema.js';

/**
 * Which repositories a namespace holds, in terms the store can turn into SQL. A name belongs
 * when it matches `prefix` (and, with `directChildren`, has no further '/') or, with `rootNames`,
 * when it has no '/' at all. An empty scope holds nothing.
 */
export interface RepositoryScope {
  /** Names that start with this; it ends with '/' (`team/`). */
  prefix?: string;
  /** With `prefix`: only names with no '/' after it (a namespace shallower than the depth). */
  directChildren?: boolean;
  /** Names without a '/' (the root namespace's, `alpine` → `library`). */
  rootNames?: boolean;
}

/** What a commit or mount is checked against: the namespace's quota and repositories. */
export interface BlobQuota {
  /** The namespace's name, for the lock and the refusal. */
  namespace: string;
  scope: RepositoryScope;
  limitBytes: number;
  /**
   * The upload session a commit closes: its bytes become the blob, so they don't count twice, and
   * the commit removes its row in the same transaction (else, until the caller removed it, the
   * bytes would count twice for every other commit into the namespace).
   */
  closing?: string;
}

/** A link the quota leaves room for, and what the namespace used before it (for the 80 % warning). */
export interface QuotaRoom {
  status: 'room';
  usedBytes: number;
  quotaBytes: number;
}

/** The share of a quota past which a link raises a quota.warning event. */
export const QUOTA_WARNING_RATIO = 0.8;

/** True when adding `bytes` to `room.usedBytes` crosses the warning share of the quota. */
export function crossesQuotaWarning(room: QuotaRoom, bytes: number): boolean {
  const threshold = room.quotaBytes * QUOTA_WARNING_RATIO;
  return room.usedBytes < threshold && room.usedBytes + bytes >= threshold;
}

/** A link refused because the namespace would exceed its quota; nothing was changed. */
export interface QuotaRefusal {
  status: 'over-quota';
  namespace: string;
  quotaBytes: number;
  /** What the namespace uses now (blobs and unfinished uploads). */
  usedBytes: number;
  /** The part of usedBytes held by unfinished upload sessions. */
  uploadBytes: number;
  /** What the refused blob (or chunk) would have added. */
  blobBytes: number;
}

/** One repository's usage. */
export interface RepositoryUsage {
  repository: string;
  bytes: number;
}

/** Usage questions. */
export interface UsageStore {
  /** Bytes of the distinct blobs linked in the scope's repositories. */
  usage(scope: RepositoryScope): Promise<number>;
  /** Bytes received so far by the unfinished upload sessions of the scope's repositories. */
  uploadUsage(scope: RepositoryScope): Promise<number>;
  /** The blob's size when a repository of the scope links it (then linking it again costs nothing). */
  linkedSize(scope: RepositoryScope, digest: string): Promise<number | undefined>;
  /** Bytes linked by each repository of the scope (a shared blob counts in each), by name. */
  repositoryUsage(scope: RepositoryScope): Promise<RepositoryUsage[]>;
  /**
   * The answer a commit of `digest` (`size` bytes) under `quota` would get now, without a lock:
   * an early refusal before bytes are moved; the commit itself checks again under the lock.
   */
  check(quota: BlobQuota, digest: string, size: number): Promise<QuotaRefusal | undefined>;
  /** The whole registry: committed blobs (each once) and their bytes, and manifests (for /metrics). */
  totals(): Promise<StorageTotals>;
}

/** What the registry holds, in total. */
export interface StorageTotals {
  blobs: number;
  blobBytes: number;
  manifests: number;
}

/** Usage through Kysely. */
export class KyselyUsageStore implements UsageStore {
  constructor(private readonly db: Kysely<Database>) {}

  async totals(): Promise<StorageTotals> {
    const blobs = await this.db
      .selectFrom('blobs')
      .select([sql<number>`count(*)`.as('count'), sql<number | null>`cast(sum(size) as bigint)`.as('bytes')])
      .executeTakeFirstOrThrow();
    const manifests = await this.db.selectFrom('manifests').select(sql<number>`count(*)`.as('count')).executeTakeFirstOrThrow();
    return { blobs: Number(blobs.count), blobBytes: Number(blobs.bytes ?? 0), manifests: Number(manifests.count) };
  }

  async usage(scope: RepositoryScope): Promise<number> {
    return namespaceUsage(this.db, scope);
  }

  async uploadUsage(scope: RepositoryScope): Promise<number> {
    return openUploadBytes(this.db, scope);
  }

  async linkedSize(scope: RepositoryScope, digest: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('repository_blobs')
      .innerJoin('repositories', 'repositories.id', 'repository_blobs.repository_id')
      .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
      .select('blobs.size')
      .where('repository_blobs.digest', '=', digest)
      .where(nameInScope('repositories.name', scope))
      .limit(1)
      .executeTakeFirst();
    return row && Number(row.size);
  }

  async repositoryUsage(scope: RepositoryScope): Promise<RepositoryUsage[]> {
    const rows = await this.db
      .selectFrom('repositories')
      .innerJoin('repository_blobs', 'repository_blobs.repository_id', 'repositories.id')
      .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
      .select(['repositories.name as repository', sql<number>`cast(sum(blobs.size) as bigint)`.as('bytes')])
      .where(nameInScope('repositories.name', scope))
      .groupBy('repositories.name')
      .orderBy('repositories.name')
      .execute();
    return rows.map((row) => ({ repository: row.repository, bytes: Number(row.bytes) }));
  }

  async check(quota: BlobQuota, digest: string, size: number): Promise<QuotaRefusal | undefined> {
    const check = await checkQuota(this.db, quota, digest, size, false);
    return check?.status === 'over-quota' ? check : undefined;
  }
}

/**
 * Inside a commit's or mount's transaction: undefined when linking `digest` (of `size` bytes)
 * keeps the namespace within its quota, the refusal otherwise. A digest the namespace already
 * links costs nothing. `lock` (PostgreSQL) first takes a transaction-scoped advisory lock on the
 * namespace, so two links into one namespace can't both pass on the same usage; it is released
 * at commit, after which the next one's usage query (a new READ COMMITTED statement) sees this
 * link. SQLite runs one writer at a time, so it needs none.
 */
export async function checkQuota(trx: Kysely<Database>, quota: BlobQuota, digest: string, size: number, lock: boolean): Promise<QuotaRefusal | QuotaRoom | undefined> {
  if (lock) await lockNamespace(trx, quota.namespace);
  const linked = await trx
    .selectFrom('repository_blobs')
    .innerJoin('repositories', 'repositories.id', 'repository_blobs.repository_id')
    .select('repository_blobs.digest')
    .where('repository_blobs.digest', '=', digest)
    .where(nameInScope('repositories.name', quota.scope))
    .limit(1)
    .executeTakeFirst();
  if (linked) return undefined;
  return roomFor(trx, quota, size);
}

/**
 * Inside an upload's offset update: undefined when `growBy` more bytes of unfinished upload keep
 * the namespace within its quota, the refusal otherwise. Unfinished uploads hold disk like blobs
 * (for up to gc.uploadTtlSeconds), so they count; the lock is the one commits take.
 */
export async function checkUploadRoom(trx: Kysely<Database>, quota: BlobQuota, growBy: number, lock: boolean): Promise<QuotaRefusal | QuotaRoom> {
  if (lock) await lockNamespace(trx, quota.namespace);
  return roomFor(trx, quota, growBy);
}

/** The namespace's transaction-scoped advisory lock (PostgreSQL), shared by links and uploads. */
async function lockNamespace(trx: Kysely<Database>, namespace: string): Promise<void> {
  // current_schema() keeps registries sharing one PostgreSQL server (in their own schemas) apart.
  await sql`select pg_advisory_xact_lock(hashtext(current_schema() || ${`:berth-quota:${namespace}`}::text))`.execute(trx);
}

async function roomFor(trx: Kysely<Database>, quota: BlobQuota, size: number): Promise<QuotaRefusal | QuotaRoom> {
  const blobBytes = await namespaceUsage(trx, quota.scope);
  const uploadBytes = await openUploadBytes(trx, quota.scope, quota.closing);
  const usedBytes = blobBytes + uploadBytes;
  if (usedBytes + size <= quota.limitBytes) return { status: 'room', usedBytes, quotaBytes: quota.limitBytes };
  return { status: 'over-quota', namespace: quota.namespace, quotaBytes: quota.limitBytes, usedBytes, uploadBytes, blobBytes: size };
}

/** Recorded offsets of the scope's open upload sessions, leaving out `except`. */
async function openUploadBytes(db: Kysely<Database>, scope: RepositoryScope, except?: string): Promise<number> {
  const row = await db
    .selectFrom('uploads')
    .select(sql<number>`cast(coalesce(sum(${sql.ref('uploads.offset')}), 0) as bigint)`.as('bytes'))
    .where(nameInScope('uploads.repository', scope))
    .$if(except !== undefined, (q) => q.where('uploads.id', '!=', except ?? ''))
    .executeTakeFirstOrThrow();
  return Number(row.bytes);
}

/** Bytes of the distinct blobs linked in the scope's repositories. */
async function namespaceUsage(db: Kysely<Database>, scope: RepositoryScope): Promise<number> {
  // `in (subquery)` counts a digest once however many repositories link it.
  const row = await db
    .selectFrom('blobs')
    .select(sql<number>`cast(coalesce(sum(blobs.size), 0) as bigint)`.as('bytes'))
    .where('blobs.digest', 'in', (eb) =>
      eb
        .selectFrom('repository_blobs')
        .innerJoin('repositories', 'repositories.id', 'repository_blobs.repository_id')
        .select('repository_blobs.digest')
        .where(nameInScope('repositories.name', scope)),
    )
    .executeTakeFirstOrThrow();
  return Number(row.bytes);
}

/**
 * The scope as a condition on a name column (repositories.name, or uploads.repository for open
 * sessions). Prefixes are compared as a range, not with LIKE (names may hold '_', a LIKE
 * wildcard): `team/` ≤ name < `team0`, '0' being '/' + 1. Names are compared in byte order
 * (BINARY in SQLite, collate "C" in PostgreSQL), so the range is exact.
 */
export function nameInScope(column: 'repositories.name' | 'uploads.repository', scope: RepositoryScope): RawBuilder<SqlBool> {
  const name = sql.ref(column);
  const matches: RawBuilder<SqlBool>[] = [];
  const { prefix } = scope;
  if (prefix !== undefined && prefix.endsWith('/')) {
    const range = [sql<SqlBool>`${name} >= ${prefix}`, sql<SqlBool>`${name} < ${`${prefix.slice(0, -1)}0`}`];
    // '%/%' is a constant pattern: what it tests is the rest of the name, not the prefix.
    if (scope.directChildren) range.push(sql<SqlBool>`substr(${name}, ${sql.lit(prefix.length + 1)}) not like '%/%'`);
    matches.push(sql<SqlBool>`(${sql.join(range, sql` and `)})`);
  }
  if (scope.rootNames) matches.push(sql<SqlBool>`${name} not like '%/%'`);
  return matches.length > 0 ? sql<SqlBool>`(${sql.join(matches, sql` or `)})` : sql<SqlBool>`1 = 0`;
}
