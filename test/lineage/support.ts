/** Images whose layer stacks share prefixes, pushed through the real registry client, and waiting for lineage's jobs. */
import { randomBytes } from 'node:crypto';
import { RegistryClient } from '../../src/registry-client/index.js';
import type { TestRegistry } from '../support/registry.js';
import { content, descriptor, randomBlob, type Content } from '../support/fixtures.js';
import { until } from '../webhooks/support.js';

export interface LayeredImage {
  manifest: Content;
  config: Content;
  layers: Content[];
  mediaType: string;
}

export const layer = (): Content => randomBlob(64);

/**
 * An OCI image of these layers. The layers are random bytes, so their digests stand in for the
 * diff_ids (lineage compares diff_ids, never unpacks a layer).
 */
export function layered(layers: Content[], options: { annotations?: Record<string, string>; architecture?: string } = {}): LayeredImage {
  const config = content(JSON.stringify({ architecture: options.architecture ?? 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, nonce: randomBytes(8).toString('hex') }));
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const doc = {
    schemaVersion: 2,
    mediaType,
    config: descriptor(config, 'application/vnd.oci.image.config.v1+json'),
    layers: layers.map((l) => descriptor(l, 'application/vnd.oci.image.layer.v1.tar+gzip')),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  return { manifest: content(JSON.stringify(doc)), config, layers, mediaType };
}

/** An index over an amd64 and an arm64 image. */
export function twoPlatforms(amd64: LayeredImage, arm64: LayeredImage): { manifest: Content; mediaType: string } {
  const mediaType = 'application/vnd.oci.image.index.v1+json';
  const entry = (image: LayeredImage, architecture: string) => descriptor(image.manifest, image.mediaType, { platform: { os: 'linux', architecture } });
  return { manifest: content(JSON.stringify({ schemaVersion: 2, mediaType, manifests: [entry(amd64, 'amd64'), entry(arm64, 'arm64')] })), mediaType };
}

/** Pushes images (blobs, then manifests by digest) and, when given, an index over them, tagged `tag` (or by digest when undefined). */
export async function push(registry: TestRegistry, auth: { username: string; password: string }, name: string, tag: string | undefined, images: LayeredImage[], index?: { manifest: Content; mediaType: string }): Promise<void> {
  const client = new RegistryClient(registry.url, { credentials: auth });
  try {
    for (const image of images) {
      for (const blob of [image.config, ...image.layers]) await client.uploadBlob(name, blob.digest, blob.bytes);
      const reference = index || tag === undefined ? image.manifest.digest : tag;
      await client.putManifest(name, reference, image.manifest.bytes, { mediaType: image.mediaType });
    }
    if (index) await client.putManifest(name, tag ?? index.manifest.digest, index.manifest.bytes, { mediaType: index.mediaType });
  } finally {
    await client.close();
  }
}

/** Waits until every event so far is dispatched and no job of these kinds is queued or running. */
export async function jobsDone(registry: TestRegistry, kinds: readonly string[]): Promise<void> {
  const { store } = registry.berth;
  const last = await store.events.lastId();
  await until('the events are dispatched', async () => {
    const progress = await store.settings.get('events.dispatched');
    return progress && (JSON.parse(progress.value) as { id: number }).id >= last ? true : undefined;
  });
  await until(`no ${kinds.join('/')} job is left`, async () => {
    for (const kind of kinds) {
      for (const state of ['queued', 'running'] as const) if ((await store.jobs.list({ kind, state, limit: 1 })).length > 0) return undefined;
    }
    return true;
  });
}
