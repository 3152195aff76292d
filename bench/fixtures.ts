import { createHash, randomFillSync } from 'node:crypto';
import type { RegistryClient } from './registry-client.js';

/** Media types the benchmark pushes and asks for (image-spec v1.1). */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** The Accept header a container client sends for a manifest GET. */
export const MANIFEST_ACCEPT = [
  OCI_MANIFEST,
  OCI_INDEX,
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/** Bytes and their sha256 digest. */
export interface Content {
  bytes: Buffer;
  digest: string;
}

function content(bytes: Buffer): Content {
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

/** The large blob: random bytes (so nothing compresses or dedups them), made and hashed once. */
export function largeBlob(size: number): Content {
  const bytes = Buffer.allocUnsafe(size);
  // randomFill is capped at 2^31-1 bytes a call; fill in slices.
  const slice = 64 * 1024 * 1024;
  for (let offset = 0; offset < size; offset += slice) randomFillSync(bytes, offset, Math.min(slice, size - offset));
  return content(bytes);
}

/** A small image: one config, one 4 KiB layer, and its OCI manifest. */
export interface SmallImage {
  config: Content;
  layer: Content;
  manifest: Content;
}

/** Builds the small image pushed for the manifest, tags and catalog workloads. */
export function smallImage(): SmallImage {
  const layer = content(randomFillSync(Buffer.alloc(4096)));
  const configJson = {
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  };
  const config = content(Buffer.from(JSON.stringify(configJson)));
  const manifestJson = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.bytes.length },
    layers: [{ mediaType: OCI_LAYER, digest: layer.digest, size: layer.bytes.length }],
  };
  return { config, layer, manifest: content(Buffer.from(JSON.stringify(manifestJson))) };
}

/** Pushes the image's blobs (POST + PUT) and its manifest under `tag`. */
export async function pushSmallImage(client: RegistryClient, name: string, image: SmallImage, tag: string): Promise<void> {
  await client.pushMonolithic(name, image.layer.digest, image.layer.bytes);
  await client.pushMonolithic(name, image.config.digest, image.config.bytes);
  await client.putManifest(name, tag, OCI_MANIFEST, image.manifest.bytes);
}

/**
 * Puts the image into another repository the way a client copying it would: mount both blobs
 * from `from` (pushing them when the registry declines the mount), then PUT the manifest.
 */
export async function copySmallImage(client: RegistryClient, from: string, name: string, image: SmallImage, tag: string): Promise<void> {
  for (const blob of [image.layer, image.config]) {
    if (!(await client.mountBlob(name, blob.digest, from))) await client.pushMonolithic(name, blob.digest, blob.bytes);
  }
  await client.putManifest(name, tag, OCI_MANIFEST, image.manifest.bytes);
}
