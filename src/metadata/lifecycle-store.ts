/**
 * The lifecycle side of the metadata store: policies per namespace or repository, the images of
 * a repository as lifecycle policies see them, and pull times.
 */
import type { Kysely } from 'kysely';
import { findRepositoryId } from './repository-store.js';
import type { Database } from './schema.js';

/** What a policy applies to: every repository of a namespace, or one repository. */
export type PolicyScopeKind = 'namespace' | 'repository';

/** A stored lifecycle policy. */
export interface LifecyclePolicyRecord {
  scopeKind: PolicyScopeKind;
  /** The namespace or repository name. */
  scope: string;
  /** The policy document as JSON text. */
  policy: string;
  updatedBy: string;
  updatedAt: Date;
}

/**
 * An image as lifecycle policies see it: a manifest of the repository that is neither a child of
 * an index there nor a referrer (those follow their parent or subject).
 */
export interface LifecycleImageRecord {
  digest: string;
  mediaType: string;
  tags: string[];
  /** When the manifest was first pushed to the repository. */
  pushedAt: Date;
  /** The latest recorded pull of the manifest or of one of its index children. */
  lastPulledAt?: Date;
  /** The manifest's bytes plus the blobs it (and, for an index, its children) lists: an estimate of what expiring it frees. */
  size: number;
}

/** Lifecycle policies, images and pull times. */
export interface LifecycleStore {
  get(scopeKind: PolicyScopeKind, scope: string): Promise<LifecyclePolicyRecord | undefined>;
  /** Creates or replaces the scope's policy. */
  put(record: LifecyclePolicyRecord): Promise<void>;
  /** False when the scope had no policy. */
  delete(scopeKind: PolicyScopeKind, scope: string): Promise<boolean>;
  /** Every policy, namespaces first, by scope. */
  list(): Promise<LifecyclePolicyRecord[]>;
  /** The repository's images with their tags, oldest first; empty for an unknown repository. */
  images(repository: string): Promise<LifecycleImageRecord[]>;
  /** Records a pull at `at` (never moves the time backwards). */
  touchPulled(repository: string, digest: string, at: Date): Promise<void>;
}

/** Lifecycle policies, images and pull times through Kysely. */
export class KyselyLifecycleStore implements LifecycleStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(scopeKind: PolicyScopeKind, scope: string): Promise<LifecyclePolicyRecord | undefined> {
    const row = await this.db.selectFrom('lifecycle_policies').selectAll().where('scope_kind', '=', scopeKind).where('scope', '=', scope).executeTakeFirst();
    return row && toRecord(row);
  }

  async put(record: LifecyclePolicyRecord): Promise<void> {
    const values = { policy: record.policy, updated_by: record.updatedBy, updated_at: record.updatedAt.getTime() };
    await this.db
      .insertInto('lifecycle_policies')
      .values({ scope_kind: record.scopeKind, scope: record.scope, ...values })
      .onConflict((oc) => oc.columns(['scope_kind', 'scope']).doUpdateSet(values))
      .execute();
  }

  async delete(scopeKind: PolicyScopeKind, scope: string): Promise<boolean> {
    const result = await this.db.deleteFrom('lifecycle_policies').where('scope_kind', '=', scopeKind).where('scope', '=', scope).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async list(): Promise<LifecyclePolicyRecord[]> {
    const rows = await this.db.selectFrom('lifecycle_policies').selectAll().orderBy('scope_kind').orderBy('scope').execute();
    return rows.map(toRecord);
  }

  async images(repository: string): Promise<LifecycleImageRecord[]> {
    const repositoryId = await findRepositoryId(this.db, repository);
    if (repositoryId === undefined) return [];
    // Three reads rather than one transaction: a manifest pushed in between is simply not seen,
    // or seen without tags (untagged, so younger than anything a rule would pick first).
    const manifests = await this.db
      .selectFrom('manifests')
      .select(['digest', 'media_type', 'subject', 'size', 'created_at', 'last_pulled_at'])
      .where('repository_id', '=', repositoryId)
      .orderBy('created_at')
      .orderBy('digest')
      .execute();
    const references = await this.db
      .selectFrom('manifest_references')
      .leftJoin('blobs', (join) => join.onRef('blobs.digest', '=', 'manifest_references.reference_digest').on('manifest_references.kind', '=', 'blob'))
      .select(['manifest_references.manifest_digest as parent', 'manifest_references.reference_digest as child', 'manifest_references.kind', 'blobs.size as blobSize'])
      .where('manifest_references.repository_id', '=', repositoryId)
      .execute();
    const tags = await this.db.selectFrom('tags').select(['name', 'digest']).where('repository_id', '=', repositoryId).orderBy('name').execute();

    const byDigest = new Map(manifests.map((row) => [row.digest, row]));
    const children = new Map<string, string[]>();
    const blobs = new Map<string, number>();
    for (const ref of references) {
      if (ref.kind === 'manifest') children.set(ref.parent, [...(children.get(ref.parent) ?? []), ref.child]);
      else blobs.set(ref.parent, (blobs.get(ref.parent) ?? 0) + Number(ref.blobSize ?? 0));
    }
    const isChild = new Set([...children.values()].flat());
    const tagsOf = new Map<string, string[]>();
    for (const tag of tags) tagsOf.set(tag.digest, [...(tagsOf.get(tag.digest) ?? []), tag.name]);

    const images: LifecycleImageRecord[] = [];
    for (const row of manifests) {
      if (row.subject !== null || isChild.has(row.digest)) continue;
      const family = [row, ...(children.get(row.digest) ?? []).flatMap((digest) => byDigest.get(digest) ?? [])];
      const pulls = family.map((member) => (member.last_pulled_at === null ? 0 : Number(member.last_pulled_at)));
      const lastPulled = Math.max(...pulls);
      images.push({
        digest: row.digest,
        mediaType: row.media_type,
        tags: tagsOf.get(row.digest) ?? [],
        pushedAt: new Date(Number(row.created_at)),
        ...(lastPulled > 0 ? { lastPulledAt: new Date(lastPulled) } : {}),
        size: family.reduce((sum, member) => sum + Number(member.size) + (blobs.get(member.digest) ?? 0), 0),
      });
    }
    return images;
  }

  async touchPulled(repository: string, digest: string, at: Date): Promise<void> {
    const time = at.getTime();
    await this.db
      .updateTable('manifests')
      .set({ last_pulled_at: time })
      .where('repository_id', '=', (eb) => eb.selectFrom('repositories').select('id').where('name', '=', repository))
      .where('digest', '=', digest)
      .where((eb) => eb.or([eb('last_pulled_at', 'is', null), eb('last_pulled_at', '<', time)]))
      .execute();
  }
}

function toRecord(row: { scope_kind: string; scope: string; policy: string; updated_by: string; updated_at: number }): LifecyclePolicyRecord {
  return {
    scopeKind: row.scope_kind as PolicyScopeKind,
    scope: row.scope,
    policy: row.policy,
    updatedBy: row.updated_by,
    updatedAt: new Date(Number(row.updated_at)),
  };
}
