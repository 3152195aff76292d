/**
 * Records what lineage needs of one stored manifest (job `lineage.record`, one per push): an
 * image manifest's layer chain (from its config's `rootfs.diff_ids`), platform and annotated
 * base; an index's annotated base. Artifacts (signatures, SBOMs: configs that are not image
 * configs) have no lineage and are skipped.
 */
import type { BlobService } from '../../content/blobs.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import { isIndexMediaType, parseDigest } from '../../oci/index.js';
import { chainIds, IMAGE_CONFIG_TYPES, namedBase, readConfig } from './image-facts.js';
import type { LineageImage, LineageStore } from './lineage-store.js';

// An image config is a few KiB; one this large is not read (it would only cost memory).
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface RecorderDeps {
  store: MetadataStore;
  blobs: BlobService;
  lineage: LineageStore;
}

interface ManifestDoc {
  mediaType?: unknown;
  manifests?: unknown;
  config?: { mediaType?: unknown; digest?: unknown; size?: unknown };
  annotations?: Record<string, string>;
}

export class LineageRecorder {
  constructor(private readonly deps: RecorderDeps) {}

  /** Records the manifest; undefined when it is gone or has no lineage (an artifact, an unreadable config). */
  async record(repository: string, digest: string): Promise<LineageImage | undefined> {
    const manifest = await this.deps.store.manifests.get(repository, digest);
    if (!manifest) return undefined;
    const doc = JSON.parse(Buffer.from(manifest.bytes).toString('utf8')) as ManifestDoc;
    const base = namedBase(doc.annotations);
    const common = { repository, digest, recordedAt: new Date(), ...(base ? { base } : {}) };
    let image: LineageImage;
    if (isIndexMediaType(manifest.mediaType) || Array.isArray(doc.manifests)) {
      image = { ...common, isIndex: true, chains: [] };
    } else {
      const config = doc.config;
      if (typeof config?.mediaType !== 'string' || !IMAGE_CONFIG_TYPES.includes(config.mediaType) || typeof config.digest !== 'string') return undefined;
      if (typeof config.size === 'number' && config.size > MAX_CONFIG_BYTES) return undefined;
      const facts = readConfig(await this.readBlob(repository, config.digest));
      if (!facts) return undefined;
      image = { ...common, isIndex: false, chains: chainIds(facts.diffIds), ...(facts.platform ? { platform: facts.platform } : {}) };
    }
    await this.deps.lineage.record(image);
    return image;
  }

  /**
   * Reads through the store's stat and BlobService.read, not BlobService.open: open renews a stale
   * GC lease (it serves clients about to reference the blob), and a background read must never
   * keep an unreferenced blob from being collected.
   */
  private async readBlob(repository: string, digest: string): Promise<Buffer> {
    const record = await this.deps.store.blobs.stat(repository, digest);
    if (!record) return Buffer.alloc(0);
    const blob = await this.deps.blobs.read(parseDigest(digest), { digest: record.digest, size: record.size });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of blob.stream) {
      size += (chunk as Buffer).length;
      if (size > MAX_CONFIG_BYTES) {
        blob.stream.destroy();
        return Buffer.alloc(0);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }
}
