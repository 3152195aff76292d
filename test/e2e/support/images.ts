import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { content, type Content, type ImageFixture } from '../../support/fixtures.js';
import { tar, type TarEntry } from '../../support/tar.js';

export { tar, untar, type TarEntry } from '../../support/tar.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

export interface BuildImageOptions {
  architecture?: string;
  os?: string;
  /** Files of the single layer; defaults to one small file with random text. */
  files?: TarEntry[];
  mediaType?: 'oci' | 'docker';
  algorithm?: 'sha256' | 'sha512';
}

/**
 * A real, runnable-shaped image: one gzip layer holding `files`, a config naming the platform and
 * the layer's diff_id. Returned in the shape of the fixtures' ImageFixture so pushImage() takes it.
 */
export function buildImage(options: BuildImageOptions = {}): ImageFixture {
  const algorithm = options.algorithm ?? 'sha256';
  const docker = options.mediaType === 'docker';
  const files = options.files ?? [{ name: 'hello.txt', data: `hello ${randomBytes(8).toString('hex')}\n` }];
  const layerTar = tar(files);
  const layer = content(gzipSync(layerTar), algorithm);
  const config = content(
    JSON.stringify({
      architecture: options.architecture ?? 'amd64',
      os: options.os ?? 'linux',
      config: { Cmd: ['/hello.txt'] },
      rootfs: { type: 'layers', diff_ids: [content(layerTar, algorithm).digest] },
      history: [{ created_by: 'berth e2e buildImage' }],
    }),
    algorithm,
  );
  const mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest = content(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: [{ mediaType: docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size }],
    }),
    algorithm,
  );
  return { manifest, mediaType, config, layers: [layer] };
}

/** An image index over images, each child's platform read from its config. */
export function buildIndex(images: ImageFixture[], mediaType: 'oci' | 'docker' = 'oci'): { manifest: Content; mediaType: string } {
  const type = mediaType === 'docker' ? DOCKER_LIST : OCI_INDEX;
  const manifests = images.map((image) => {
    const config = JSON.parse(image.config.bytes.toString()) as { architecture: string; os: string };
    return { mediaType: image.mediaType, digest: image.manifest.digest, size: image.manifest.size, platform: { architecture: config.architecture, os: config.os } };
  });
  return { manifest: content(JSON.stringify({ schemaVersion: 2, mediaType: type, manifests })), mediaType: type };
}

/** A descriptor as OCI layouts and indexes hold them. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

const REF_NAME = 'org.opencontainers.image.ref.name';

function blobPath(layout: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return join(layout, 'blobs', algorithm!, hex!);
}

/** Stores blobs in an OCI image layout, creating the layout if needed. */
export async function writeLayoutBlobs(layout: string, blobs: Content[]): Promise<void> {
  await mkdir(layout, { recursive: true });
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  for (const blob of blobs) {
    await mkdir(dirname(blobPath(layout, blob.digest)), { recursive: true });
    await writeFile(blobPath(layout, blob.digest), blob.bytes);
  }
}

/** The layout's index.json (an empty one when the layout has none yet). */
async function readLayoutIndex(layout: string): Promise<{ schemaVersion: number; manifests: Descriptor[] }> {
  try {
    return JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { schemaVersion: number; manifests: Descriptor[] };
  } catch {
    return { schemaVersion: 2, manifests: [] };
  }
}

/** Points `tag` in the layout's index.json at a descriptor, replacing an older entry of that tag. */
export async function tagInLayout(layout: string, tag: string, descriptor: Omit<Descriptor, 'annotations'>): Promise<void> {
  const index = await readLayoutIndex(layout);
  index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME] !== tag);
  index.manifests.push({ ...descriptor, annotations: { [REF_NAME]: tag } });
  await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: index.manifests }));
}

/** The descriptor a tag of the layout points at. */
export async function layoutDescriptor(layout: string, tag: string): Promise<Descriptor> {
  const found = (await readLayoutIndex(layout)).manifests.find((d) => d.annotations?.[REF_NAME] === tag);
  if (!found) throw new Error(`no tag ${tag} in ${layout}/index.json`);
  return found;
}

/** A blob of an OCI layout. */
export function readLayoutBlob(layout: string, digest: string): Promise<Buffer> {
  return readFile(blobPath(layout, digest));
}

/**
 * Adds an index over tagged images of a layout (e.g. ones umoci built), tagged `tag`.
 * Each child's platform comes from its config. Returns the index bytes and digest.
 */
export async function addIndexToLayout(layout: string, tag: string, childTags: string[]): Promise<Content> {
  const manifests: Descriptor[] = [];
  for (const childTag of childTags) {
    const child = await layoutDescriptor(layout, childTag);
    const manifest = JSON.parse((await readLayoutBlob(layout, child.digest)).toString()) as { config: { digest: string } };
    const config = JSON.parse((await readLayoutBlob(layout, manifest.config.digest)).toString()) as { architecture: string; os: string };
    manifests.push({ mediaType: child.mediaType, digest: child.digest, size: child.size, platform: { architecture: config.architecture, os: config.os } });
  }
  const index = content(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  await writeLayoutBlobs(layout, [index]);
  await tagInLayout(layout, tag, { mediaType: OCI_INDEX, digest: index.digest, size: index.size });
  return index;
}

/** Every digest a manifest or index reaches (itself included), read from a layout. */
export async function layoutClosure(layout: string, digest: string): Promise<string[]> {
  const doc = JSON.parse((await readLayoutBlob(layout, digest)).toString()) as {
    manifests?: { digest: string }[];
    config?: { digest: string };
    layers?: { digest: string }[];
  };
  const found = [digest];
  for (const child of doc.manifests ?? []) found.push(...(await layoutClosure(layout, child.digest)));
  if (doc.config) found.push(doc.config.digest);
  for (const layer of doc.layers ?? []) found.push(layer.digest);
  return [...new Set(found)];
}

/** An OCI image layout as a tar archive (what `ctr images import` reads), each image under a full reference name. */
export function ociArchive(images: { name: string; image: ImageFixture }[]): Buffer {
  const entries: TarEntry[] = [{ name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) }];
  const seen = new Set<string>();
  for (const { image } of images) {
    for (const blob of [image.config, ...image.layers, image.manifest]) {
      if (seen.has(blob.digest)) continue;
      seen.add(blob.digest);
      entries.push({ name: `blobs/${blob.digest.replace(':', '/')}`, data: blob.bytes });
    }
  }
  const manifests = images.map(({ name, image }) => ({ mediaType: image.mediaType, digest: image.manifest.digest, size: image.manifest.size, annotations: { [REF_NAME]: name } }));
  entries.push({ name: 'index.json', data: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }) });
  return tar(entries);
}
