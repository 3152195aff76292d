/**
 * The images of a repository as lineage reports them: each stored manifest mapped to the image
 * a user knows — itself, or the index that lists it as a platform — with that image's tags.
 * Manifests that are neither (referrers) are left out, and so are rows of manifests since deleted.
 */
import type { MetadataStore } from '../../metadata/metadata-store.js';
import { isIndexMediaType } from '../../oci/index.js';
import { platformText } from './image-facts.js';

/** Where a manifest sits: the image (itself or its index), that image's tags, and its platform in the index. */
export interface ImagePlace {
  image: string;
  tags: string[];
  platform?: string;
}

/** An index's children with their platforms, from its bytes. */
export function indexChildren(bytes: Uint8Array): { digest: string; platform?: string }[] {
  const doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as { manifests?: { digest?: unknown; platform?: unknown }[] };
  return (doc.manifests ?? []).flatMap((entry) => {
    if (typeof entry.digest !== 'string') return [];
    const platform = platformText(entry.platform);
    return [{ digest: entry.digest, ...(platform ? { platform } : {}) }];
  });
}

/** Every manifest of the repository that belongs to an image, keyed by digest. */
export async function repositoryImages(store: MetadataStore, repository: string): Promise<Map<string, ImagePlace>> {
  const places = new Map<string, ImagePlace>();
  for (const image of await store.lifecycle.images(repository)) {
    places.set(image.digest, { image: image.digest, tags: image.tags });
    if (!isIndexMediaType(image.mediaType)) continue;
    const index = await store.manifests.get(repository, image.digest);
    if (!index) continue;
    for (const child of indexChildren(index.bytes)) {
      if (!places.has(child.digest)) places.set(child.digest, { image: image.digest, tags: image.tags, ...(child.platform ? { platform: child.platform } : {}) });
    }
  }
  return places;
}
