/**
 * The two questions lineage answers, per platform: what an image is built on (the base its
 * annotations name, else the stored image whose layer stack is the longest proper prefix of its
 * own) and what is built on it (images naming it, or one of its tags, in their annotations, and
 * images whose inferred base it is). Callers need pull on the image's repository and see only the
 * dependents they may pull. An image pushed before lineage was enabled is recorded when asked about.
 */
import type { AccessControl } from '../../auth/access-control.js';
import { isSystemAdmin, type ActingPrincipal } from '../../auth/acting.js';
import { ManagementError } from '../../errors/management-error.js';
import type { ManifestRecord, MetadataStore } from '../../metadata/metadata-store.js';
import { isIndexMediaType, isRepositoryName, parseReference, type Reference } from '../../oci/index.js';
import type { ImageRef, LineageImage, LineageStore } from './lineage-store.js';
import type { LineageRecorder } from './recorder.js';
import { indexChildren, repositoryImages, type ImagePlace } from './repository-images.js';

/** A base as its image's annotations name it; `stored` when it resolves to an image here. */
export interface NamedBaseView {
  source: 'annotation';
  name?: string;
  digest?: string;
  repository?: string;
  tag?: string;
  /** The named image here: its manifest digest (the annotated digest, else what the tag points at now). */
  stored?: { repository: string; digest: string; tags: string[] };
  /** The annotated tag now points at another digest than the annotated one: the base moved since the build. */
  moved?: boolean;
}

/** A base inferred from layers: the stored image whose layers this image starts with. */
export interface InferredBaseView {
  source: 'layers';
  repository: string;
  /** The base's manifest digest (a platform's, when the base is an index). */
  digest: string;
  /** The image a user knows it by: the digest itself or its index, with its tags. */
  image: string;
  tags: string[];
  /** Layers of the base; the image has `layers` of its own in all. */
  layers: number;
}

export interface PlatformBase {
  digest: string;
  platform?: string;
  layers: number;
  base: NamedBaseView | InferredBaseView | null;
}

export interface BaseAnswer {
  repository: string;
  digest: string;
  images: PlatformBase[];
}

/** An image built on the one asked about. */
export interface Dependent {
  repository: string;
  /** The dependent manifest (a platform's, when the dependent is an index). */
  digest: string;
  /** The image a user knows it by, with its tags. */
  image: string;
  tags: string[];
  platform?: string;
  /** Which of the base's manifests it is built on. */
  base: string;
  source: 'annotation' | 'layers';
}

export interface DependentsAnswer {
  repository: string;
  digest: string;
  dependents: Dependent[];
}

export interface LineageDeps {
  store: MetadataStore;
  access: AccessControl;
  lineage: LineageStore;
  recorder: LineageRecorder;
}

export class Lineage {
  constructor(private readonly deps: LineageDeps) {}

  async base(by: ActingPrincipal, repository: string, reference: string): Promise<BaseAnswer> {
    const { manifest, digest } = await this.resolve(by, repository, reference);
    const images: PlatformBase[] = [];
    const index = isIndexMediaType(manifest.mediaType) ? await this.image(repository, digest) : undefined;
    for (const entry of this.platforms(manifest, digest)) {
      const image = await this.image(repository, entry.digest);
      if (!image || image.isIndex) continue;
      const platform = entry.platform ?? image.platform;
      const named = image.base ?? index?.base;
      const base = named ? await this.namedView(named) : await this.inferredView(image);
      images.push({ digest: entry.digest, ...(platform ? { platform } : {}), layers: image.chains.length, base });
    }
    return { repository, digest, images };
  }

  async dependents(by: ActingPrincipal, repository: string, reference: string): Promise<DependentsAnswer> {
    const { manifest, digest } = await this.resolve(by, repository, reference);
    const places = await repositoryImages(this.deps.store, repository);
    const tags = places.get(digest)?.tags ?? [];
    const found = await this.dependentsOf(repository, manifest, digest, tags);
    const mayPull = isSystemAdmin(by.principal) ? () => true : await this.deps.access.pullFilter(by.principal, by.clientIp);
    return { repository, digest, dependents: found.filter((dependent) => mayPull(dependent.repository)) };
  }

  /**
   * The images built on a stored manifest of `repository` (or on one of its platforms), or naming
   * one of `tags` as their base; the manifest's own image and its platforms are not its dependents.
   * Without the manifest (deleted since), its own lineage row still answers for it.
   */
  async dependentsOf(repository: string, manifest: ManifestRecord | undefined, digest: string, tags: readonly string[]): Promise<Dependent[]> {
    const entries = this.platforms(manifest, digest);
    const own = new Set([digest, ...entries.map((entry) => entry.digest)]);
    const refs: { ref: ImageRef; base: string; source: Dependent['source'] }[] = [];
    for (const entry of entries) {
      const image = await this.image(repository, entry.digest);
      if (!image || image.isIndex || image.chains.length === 0) continue;
      for (const ref of await this.deps.lineage.inferredDependents(image.chains.at(-1) as string, image.chains.length)) refs.push({ ref, base: entry.digest, source: 'layers' });
    }
    for (const ref of await this.deps.lineage.namedDependents(repository, tags, [...own])) refs.push({ ref, base: digest, source: 'annotation' });
    return this.placed(refs.filter(({ ref }) => !(ref.repository === repository && own.has(ref.digest))));
  }

  /** The lineage row of a manifest, recorded now when it has none yet. */
  private async image(repository: string, digest: string): Promise<LineageImage | undefined> {
    return (await this.deps.lineage.get(repository, digest)) ?? (await this.deps.recorder.record(repository, digest));
  }

  /** An image manifest itself, or an index's platforms. */
  private platforms(manifest: ManifestRecord | undefined, digest: string): { digest: string; platform?: string }[] {
    return manifest && isIndexMediaType(manifest.mediaType) ? indexChildren(manifest.bytes) : [{ digest }];
  }

  private async namedView(named: NonNullable<LineageImage['base']>): Promise<NamedBaseView> {
    const view: NamedBaseView = { source: 'annotation', ...named };
    if (named.repository === undefined) return view;
    const places = await repositoryImages(this.deps.store, named.repository);
    const current = named.tag === undefined ? undefined : (await this.deps.store.manifests.getByTag(named.repository, named.tag))?.digest;
    const storedDigest = named.digest !== undefined && places.has(named.digest) ? named.digest : current;
    const place = storedDigest === undefined ? undefined : places.get(storedDigest);
    if (storedDigest !== undefined && place) view.stored = { repository: named.repository, digest: storedDigest, tags: place.tags };
    if (named.digest !== undefined && current !== undefined && current !== named.digest) view.moved = true;
    return view;
  }

  private async inferredView(image: LineageImage): Promise<InferredBaseView | null> {
    const candidates = await this.deps.lineage.deepestPrefix(image.repository, image.digest, image.chains.length);
    for (const candidate of candidates) {
      const place = (await repositoryImages(this.deps.store, candidate.repository)).get(candidate.digest);
      if (place) return { source: 'layers', repository: candidate.repository, digest: candidate.digest, image: place.image, tags: place.tags, layers: candidate.depth };
    }
    return null;
  }

  /** Dependents with the image each belongs to; rows of manifests no longer stored are dropped. */
  private async placed(refs: readonly { ref: ImageRef; base: string; source: Dependent['source'] }[]): Promise<Dependent[]> {
    const byRepository = new Map<string, Map<string, ImagePlace>>();
    const seen = new Set<string>();
    const dependents: Dependent[] = [];
    for (const { ref, base, source } of refs) {
      const key = `${ref.repository}@${ref.digest}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let places = byRepository.get(ref.repository);
      if (!places) byRepository.set(ref.repository, (places = await repositoryImages(this.deps.store, ref.repository)));
      const place = places.get(ref.digest);
      if (!place) continue;
      dependents.push({ repository: ref.repository, digest: ref.digest, image: place.image, tags: place.tags, ...(place.platform ?? ref.platform ? { platform: place.platform ?? ref.platform } : {}), base, source });
    }
    return dependents;
  }

  private async resolve(by: ActingPrincipal, repository: string, reference: string): Promise<{ manifest: ManifestRecord; digest: string }> {
    if (!isRepositoryName(repository)) throw new ManagementError('invalid', `repository: ${JSON.stringify(repository)} is not a repository name`, { field: 'repository' });
    let parsed: Reference;
    try {
      parsed = parseReference(reference);
    } catch {
      throw new ManagementError('invalid', `reference: ${JSON.stringify(reference)} is neither a tag nor a digest`, { field: 'reference' });
    }
    const allowed = await this.deps.access.actionsOn(by.principal, repository, by.clientIp);
    if (!allowed.has('pull')) throw new ManagementError('denied', `you may not pull from ${repository}`);
    const manifest = parsed.kind === 'tag' ? await this.deps.store.manifests.getByTag(repository, parsed.tag) : await this.deps.store.manifests.get(repository, parsed.digest.toString());
    if (!manifest) throw new ManagementError('not_found', `${repository}${parsed.kind === 'tag' ? `:${parsed.tag}` : `@${parsed.digest.toString()}`} is not stored here`);
    return { manifest, digest: manifest.digest };
  }
}
