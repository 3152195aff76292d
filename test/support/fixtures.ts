import { createHash, randomBytes } from 'node:crypto';

/** Bytes with their digest. */
export interface Content {
  bytes: Buffer;
  digest: string;
  size: number;
}

/** Wraps bytes with their digest (sha256 unless told). */
export function content(bytes: Buffer | string, algorithm: 'sha256' | 'sha512' = 'sha256'): Content {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return { bytes: buffer, digest: `${algorithm}:${createHash(algorithm).update(buffer).digest('hex')}`, size: buffer.length };
}

/** Random bytes of a size. */
export function randomBlob(size: number, algorithm: 'sha256' | 'sha512' = 'sha256'): Content {
  return content(randomBytes(size), algorithm);
}

/** A descriptor of content with a media type. */
export function descriptor(c: Content, mediaType: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { mediaType, digest: c.digest, size: c.size, ...extra };
}

/** An image: its manifest bytes and the blobs it needs. */
export interface ImageFixture {
  manifest: Content;
  mediaType: string;
  config: Content;
  layers: Content[];
}

export interface ImageOptions {
  layers?: number;
  layerSize?: number;
  mediaType?: 'oci' | 'docker';
  subject?: Content & { mediaType?: string };
  artifactType?: string;
  annotations?: Record<string, string>;
  configMediaType?: string;
  algorithm?: 'sha256' | 'sha512';
}

/** Builds an image manifest with random layers (`imageManifest({ layers: 2 })`). */
export function imageManifest(options: ImageOptions = {}): ImageFixture {
  const algorithm = options.algorithm ?? 'sha256';
  const docker = options.mediaType === 'docker';
  const mediaType = docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json';
  const configMediaType = options.configMediaType ?? (docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json');
  const config = content(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce: randomBytes(8).toString('hex') }), algorithm);
  const layers = Array.from({ length: options.layers ?? 1 }, () => randomBlob(options.layerSize ?? 1024, algorithm));
  const layerType = docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip';
  const doc: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType,
    ...(options.artifactType ? { artifactType: options.artifactType } : {}),
    config: descriptor(config, configMediaType),
    layers: layers.map((l) => descriptor(l, layerType)),
    ...(options.subject ? { subject: descriptor(options.subject, options.subject.mediaType ?? 'application/vnd.oci.image.manifest.v1+json') } : {}),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  return { manifest: content(JSON.stringify(doc), algorithm), mediaType, config, layers };
}

/** Builds an image index (or Docker manifest list) over child manifests. */
export function imageIndex(children: ImageFixture[], options: { mediaType?: 'oci' | 'docker'; artifactType?: string } = {}): { manifest: Content; mediaType: string } {
  const mediaType = options.mediaType === 'docker' ? 'application/vnd.docker.distribution.manifest.list.v2+json' : 'application/vnd.oci.image.index.v1+json';
  const platforms = [{ architecture: 'amd64', os: 'linux' }, { architecture: 'arm64', os: 'linux' }];
  const doc = {
    schemaVersion: 2,
    mediaType,
    ...(options.artifactType ? { artifactType: options.artifactType } : {}),
    manifests: children.map((c, i) => descriptor(c.manifest, c.mediaType, { platform: platforms[i % platforms.length] })),
  };
  return { manifest: content(JSON.stringify(doc)), mediaType };
}

/** Pushes a blob with POST ?digest= (one request). Throws unless 201. */
export async function pushBlob(url: string, name: string, blob: Content): Promise<void> {
  const response = await fetch(`${url}/v2/${name}/blobs/uploads/?digest=${blob.digest}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) },
    body: new Uint8Array(blob.bytes),
  });
  if (response.status !== 201) throw new Error(`push of ${blob.digest} answered ${response.status}: ${await response.text()}`);
}

/** Pushes a manifest to a reference. Returns the response. */
export async function putManifest(url: string, name: string, reference: string, manifest: Content, mediaType: string): Promise<Response> {
  return fetch(`${url}/v2/${name}/manifests/${reference}`, { method: 'PUT', headers: { 'Content-Type': mediaType }, body: new Uint8Array(manifest.bytes) });
}

/** Pushes an image's blobs then its manifest at `reference`. Throws unless 201. */
export async function pushImage(url: string, name: string, reference: string, image: ImageFixture): Promise<void> {
  for (const blob of [image.config, ...image.layers]) await pushBlob(url, name, blob);
  const response = await putManifest(url, name, reference, image.manifest, image.mediaType);
  if (response.status !== 201) throw new Error(`manifest push answered ${response.status}: ${await response.text()}`);
}
