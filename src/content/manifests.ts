import { RegistryError } from '../errors/index.js';
import { digestOf, parseManifest, parseTag, type Reference } from '../oci/index.js';
import type { ChangeOrigin, EventOrigin } from '../metadata/event-store.js';
import type { ManifestRecord, MetadataStore, ReferrerRecord, RepositoryDeletion } from '../metadata/metadata-store.js';
import type { TagChangeOptions } from '../metadata/tag-changes.js';
import type { ImmutableTagRefusal, TagEventRecord, TagHistoryQuery } from '../metadata/tag-history-store.js';
import type { ImmutableTagRules } from './immutable-tag-rules.js';
import type { ManifestCache } from './manifest-cache.js';
import type { PullRecorder } from './pull-recorder.js';
import type { WriteGate } from './read-only-mode.js';
import { rollbackTarget, type RollbackTarget, type RolledBack } from './tag-rollback.js';
import { firstAfter, type TagListCache } from './tag-list-cache.js';

/** What a manifest PUT produced. */
export interface PushedManifest {
  digest: string;
  /** The subject digest, when the manifest has one (answered as OCI-Subject). */
  subject?: string;
  /** Tags now pointing at the manifest. */
  tags: string[];
}

/**
 * Manifests, tags and referrers. The invariants live here and in the store's transaction:
 * a manifest is stored only when every blob and child manifest it needs is in the repository,
 * and a tag an immutable-tag rule protects never moves (`immutable`, wired by app.ts). `origin`
 * arguments name who changes what, for the tag history and the events.
 */
export class ManifestService {
  constructor(
    private readonly store: MetadataStore,
    private readonly cache: ManifestCache,
    private readonly tagLists: TagListCache,
    private readonly immutable?: ImmutableTagRules,
    private readonly pulls?: PullRecorder,
    /** The read-only gate every put, delete and rollback passes, from /v2, the admin API or a lifecycle run. */
    private readonly writes?: WriteGate,
  ) {}

  /**
   * Stores a manifest pushed to `reference`, plus the extra `tags` (?tag=). By digest, the bytes
   * must hash to it; by tag, the digest is the sha256 of the bytes.
   */
  async put(repository: string, reference: Reference, bytes: Uint8Array, contentType: string | undefined, tags: string[], origin?: EventOrigin): Promise<PushedManifest> {
    await this.writes?.assertWritable();
    const parsed = parseManifest(bytes, contentType);
    const digest = digestOf(bytes, reference.kind === 'digest' ? reference.digest.algorithm : 'sha256').toString();
    if (reference.kind === 'digest' && reference.digest.toString() !== digest) {
      throw new RegistryError('DIGEST_INVALID', { detail: { expected: reference.digest.toString(), computed: digest } });
    }
    const allTags = [...new Set([...(reference.kind === 'tag' ? [reference.tag] : []), ...tags.map(parseTag)])];
    const result = await this.store.manifests.put({
      repository,
      digest,
      mediaType: parsed.mediaType,
      bytes,
      blobs: parsed.blobs,
      manifests: parsed.manifests,
      declaredSizes: parsed.declaredSizes,
      tags: allTags,
      ...(await this.tagChange(repository, allTags.length > 0, origin)),
      ...(parsed.artifactType ? { artifactType: parsed.artifactType } : {}),
      ...(parsed.subject ? { subject: parsed.subject.digest } : {}),
      ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
    });
    if (result.status === 'missing') {
      throw new RegistryError('MANIFEST_BLOB_UNKNOWN', {
        detail: { reason: 'the manifest references content this repository does not hold', blobs: result.blobs, manifests: result.manifests },
      });
    }
    if (result.status === 'size-mismatch') {
      // distribution-spec names no code for it; the manifest is what is wrong, so MANIFEST_INVALID.
      const reason = `size mismatch: ${result.mismatches.map((m) => `${m.digest} is declared as ${m.declared} bytes but the stored content is ${m.stored}`).join('; ')}`;
      throw new RegistryError('MANIFEST_INVALID', { message: reason, detail: { reason, mismatches: result.mismatches } });
    }
    if (result.status === 'immutable') throw immutableTagError(repository, result);
    return { digest, tags: allTags, ...(parsed.subject ? { subject: parsed.subject.digest } : {}) };
  }

  /** The manifest a tag or digest names; MANIFEST_UNKNOWN when there is none. */
  async get(repository: string, reference: Reference): Promise<ManifestRecord> {
    let record: ManifestRecord | undefined;
    if (reference.kind === 'tag') {
      record = await this.store.manifests.getByTag(repository, reference.tag);
    } else {
      const digest = reference.digest.toString();
      record = this.cache.get(repository, digest);
      if (!record) {
        record = await this.store.manifests.get(repository, digest);
        if (record) this.cache.set(repository, record);
      }
    }
    if (!record) {
      const name = reference.kind === 'tag' ? { tag: reference.tag } : { digest: reference.digest.toString() };
      throw new RegistryError('MANIFEST_UNKNOWN', { detail: { repository, ...name } });
    }
    // GET and HEAD both count: a node re-checking a tag with HEAD is using the image.
    this.pulls?.record(repository, record.digest);
    return record;
  }

  /** Deletes a tag (the manifest stays) or a manifest by digest (its tags go with it). */
  async delete(repository: string, reference: Reference, origin?: ChangeOrigin): Promise<void> {
    await this.writes?.assertWritable();
    const options = await this.tagChange(repository, true, origin);
    if (reference.kind === 'tag') {
      const deleted = await this.store.manifests.deleteTag(repository, reference.tag, options);
      if (deleted === false) throw new RegistryError('MANIFEST_UNKNOWN', { detail: { repository, tag: reference.tag } });
      if (deleted !== true) throw immutableTagError(repository, deleted);
      return;
    }
    const digest = reference.digest.toString();
    const result = await this.store.manifests.delete(repository, digest, options);
    if (result.status === 'immutable') throw immutableTagError(repository, result);
    this.cache.delete(repository, digest);
    if (result.status === 'unknown') throw new RegistryError('MANIFEST_UNKNOWN', { detail: { repository, digest } });
    if (result.status === 'referenced') {
      throw new RegistryError('DENIED', { detail: { reason: `manifest is a child of index ${result.by} in this repository; delete the index first`, digest } });
    }
  }

  /**
   * Points `tag` back at an earlier manifest: `to` a digest, or the one it pointed at `steps`
   * moves ago (tag history). The move is recorded like a push and immutable-tag rules apply.
   * MANIFEST_UNKNOWN when there is no such earlier manifest or it is gone (GC may have removed it).
   */
  async rollback(repository: string, tag: string, target: RollbackTarget, origin?: EventOrigin): Promise<RolledBack> {
    await this.writes?.assertWritable();
    const digest = await rollbackTarget(this.store, repository, parseTag(tag), target);
    const result = await this.store.manifests.setTag(repository, tag, digest, await this.tagChange(repository, true, origin));
    if (result.status === 'immutable') throw immutableTagError(repository, result);
    if (result.status === 'unknown') {
      throw new RegistryError('MANIFEST_UNKNOWN', {
        message: `manifest ${digest} is no longer in ${repository}`,
        detail: { repository, digest, reason: `manifest ${digest} is no longer in ${repository}: garbage collection may have removed it` },
      });
    }
    return { repository, tag, digest, changed: result.status === 'tagged' };
  }

  /** The repository's tag moves (one tag's when `query.tag`), newest first; NAME_UNKNOWN for no repository. */
  async history(repository: string, query: TagHistoryQuery): Promise<TagEventRecord[]> {
    const events = await this.store.tagHistory.events(repository, query);
    if (events.length === 0 && !(await this.store.repositories.exists(repository))) throw new RegistryError('NAME_UNKNOWN', { detail: { repository } });
    return events;
  }

  /** Tags in byte order after `last`, `limit` at most; NAME_UNKNOWN for a repository that doesn't exist. */
  async listTags(repository: string, limit: number | undefined, last: string | undefined): Promise<string[]> {
    const tags = await this.tagLists.tags(repository);
    if (tags === undefined) throw new RegistryError('NAME_UNKNOWN', { detail: { repository } });
    const start = last === undefined ? 0 : firstAfter(tags, last);
    return tags.slice(start, limit === undefined ? undefined : start + limit);
  }

  /** Manifests whose subject is `subject`; empty (never an error) when there are none. */
  async referrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerRecord[]> {
    return this.store.manifests.referrers(repository, subject, artifactType);
  }

  /**
   * Deletes the repository whole: tags (recorded in the tag history), manifests and blob links;
   * GC reclaims the bytes no repository links any more. DENIED naming the tag and rule when an
   * immutable-tag rule protects one of its tags (nothing changes), NAME_UNKNOWN when it is absent.
   */
  async deleteRepository(repository: string, origin?: EventOrigin): Promise<RepositoryDeletion> {
    await this.writes?.assertWritable();
    const result = await this.store.repositories.delete(repository, await this.tagChange(repository, true, origin));
    if (result.status === 'immutable') throw immutableTagError(repository, result);
    // Worded: the admin API and `berth repo delete` relay the message.
    if (result.status === 'unknown') throw new RegistryError('NAME_UNKNOWN', { message: `no repository "${repository}"`, detail: { name: repository } });
    for (const digest of result.manifests) this.cache.delete(repository, digest);
    return result;
  }

  /** Repository names in byte order after `last`, `limit` at most (`_catalog`). */
  async catalog(limit: number | undefined, last: string | undefined): Promise<string[]> {
    return this.store.repositories.list({ ...(limit === undefined ? {} : { limit }), ...(last === undefined ? {} : { after: last }) });
  }

  /** Who changes what (for the tag history and the events) and, when tags change, the immutable-tag rules protecting the repository. */
  private async tagChange(repository: string, changesTags: boolean, origin: ChangeOrigin | undefined): Promise<TagChangeOptions> {
    const immutable = changesTags && this.immutable ? await this.immutable.forRepository(repository) : undefined;
    return { ...origin, ...(immutable && immutable.length > 0 ? { immutable } : {}) };
  }
}

/** 403 DENIED naming the tag and the rule that keeps it in place; nothing was changed. */
function immutableTagError(repository: string, refusal: ImmutableTagRefusal): RegistryError {
  const { rule, tag } = refusal;
  const reason = `tag ${tag} is immutable (rule ${rule.pattern} on ${rule.scopeKind} ${rule.scope})`;
  return new RegistryError('DENIED', { message: reason, detail: { reason, repository, tag, rule: { scopeKind: rule.scopeKind, scope: rule.scope, pattern: rule.pattern } } });
}
