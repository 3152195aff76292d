/** Pushing through the real registry client (the docker token flow when the registry asks for it). */
import { RegistryClient } from '../../src/registry-client/index.js';
import type { ImageFixture } from './fixtures.js';

/** Pushes an image, blobs first, then its manifest at `tag`, as `username`. */
export async function pushAs(url: string, username: string, password: string, name: string, tag: string, image: ImageFixture): Promise<void> {
  const client = new RegistryClient(url, { credentials: { username, password } });
  try {
    for (const blob of [image.config, ...image.layers]) await client.uploadBlob(name, blob.digest, blob.bytes);
    await client.putManifest(name, tag, image.manifest.bytes, { mediaType: image.mediaType });
  } finally {
    await client.close();
  }
}
