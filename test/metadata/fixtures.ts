/**
 * Builders for the metadata store suite: digests and ManifestInputs with fresh, real digests.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ManifestInput, MetadataStore } from '../../src/metadata/metadata-store.js';

export const IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';

/** The `algorithm:hex` digest of bytes. */
export function digestOf(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** A digest nobody has pushed yet. */
export function freshDigest(algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return digestOf(randomBytes(32), algorithm);
}

/** Commits `count` fresh blobs into the repository; returns their digests. */
export async function commitBlobs(store: MetadataStore, repository: string, count: number): Promise<string[]> {
  const digests: string[] = [];
  for (let i = 0; i < count; i++) {
    const digest = freshDigest();
    await store.blobs.commit(repository, digest, 100 + i);
    digests.push(digest);
  }
  return digests;
}

/** What a test says about a manifest; the rest is made up. */
export interface ManifestOptions {
  repository: string;
  blobs?: string[];
  manifests?: string[];
  tags?: string[];
  subject?: string;
  artifactType?: string;
  annotations?: Record<string, string>;
  mediaType?: string;
  /** Exact bytes; by default a small unique JSON document. */
  bytes?: Uint8Array;
}

/** A ManifestInput whose digest is the digest of its bytes. */
export function manifestInput(options: ManifestOptions): ManifestInput {
  const blobs = options.blobs ?? [];
  const manifests = options.manifests ?? [];
  const mediaType = options.mediaType ?? (manifests.length > 0 ? IMAGE_INDEX : IMAGE_MANIFEST);
  const bytes =
    options.bytes ??
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType,
        blobs,
        manifests,
        subject: options.subject,
        nonce: randomBytes(8).toString('hex'),
      }),
    );
  return {
    repository: options.repository,
    digest: digestOf(bytes),
    mediaType,
    bytes,
    artifactType: options.artifactType,
    subject: options.subject,
    annotations: options.annotations,
    blobs,
    manifests,
    tags: options.tags ?? [],
  };
}

/** Puts a manifest and fails the test unless it was stored. */
export async function putStored(store: MetadataStore, options: ManifestOptions): Promise<ManifestInput> {
  const input = manifestInput(options);
  const result = await store.manifests.put(input);
  if (result.status !== 'stored') throw new Error(`expected stored, got ${JSON.stringify(result)}`);
  return input;
}

/** Copies bytes into a Buffer so assert.deepEqual compares content, not prototypes. */
export function bytesOf(bytes: Uint8Array | undefined): Buffer | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes);
}

/** A blob record without its GC lease time, for comparing what stat found. */
export function withoutLease<T extends { seenAt?: Date }>(record: T | undefined): Omit<T, 'seenAt'> | undefined {
  if (record === undefined) return undefined;
  const { seenAt: _seenAt, ...rest } = record;
  return rest;
}
