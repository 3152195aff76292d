import { RegistryError } from '../errors/index.js';
import { digestOf, parseManifest, parseTag, type Reference } from '../oci/index.js';
import type { ManifestRecord, MetadataStore, ReferrerRecord } from '../metadata/metadata-store.js';
import type { ManifestCache } from './manifest-cache.js';
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
 * a manifest is stored only when every blob and child manifest it needs is in the repository.
 */
export class ManifestService {
  constructor(
    private readonly store: MetadataStore,
    private readonly cache: ManifestCache,
    private readonly tagLists: TagListCache,
  ) {}

  /**
   * Stores a manifest pushed to `reference`, plus the extra `tags` (?tag=). By digest, the bytes
   * must hash to it; by tag, the digest is the sha256 of the bytes.
   */
  async put(repository: string, reference: Reference, bytes: Uint8Array, contentType: string | undefined, tags: string[]): Promise<PushedManifest> {
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
      tags: allTags,
      ...(parsed.artifactType ? { artifactType: parsed.artifactType } : {}),
      ...(parsed.subject ? { subject: parsed.subject.digest } : {}),
      ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
    });
    if (result.status === 'missing') {
      throw new RegistryError('MANIFEST_BLOB_UNKNOWN', {
        detail: { reason: 'the manifest references content this repository does not hold', blobs: result.blobs, manifests: result.manifests },
      });
    }
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
    return record;
  }

  /** Deletes a tag (the manifest stays) or a manifest by digest (its tags go with it). */
  async delete(repository: string, reference: Reference): Promise<void> {
    if (reference.kind === 'tag') {
      if (!(await this.store.manifests.deleteTag(repository, reference.tag))) {
        throw new RegistryError('MANIFEST_UNKNOWN', { detail: { repository, tag: reference.tag } });
      }
      return;
    }
    const digest = reference.digest.toString();
    const result = await this.store.manifests.delete(repository, digest);
    this.cache.delete(repository, digest);
    if (result.status === 'unknown') throw new RegistryError('MANIFEST_UNKNOWN', { detail: { repository, digest } });
    if (result.status === 'referenced') {
      throw new RegistryError('DENIED', { detail: { reason: `manifest is a child of index ${result.by} in this repository; delete the index first`, digest } });
    }
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

  /** Repository names in byte order after `last`, `limit` at most (`_catalog`). */
  async catalog(limit: number | undefined, last: string | undefined): Promise<string[]> {
    return this.store.repositories.list({ ...(limit === undefined ? {} : { limit }), ...(last === undefined ? {} : { after: last }) });
  }
}
