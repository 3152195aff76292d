import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseManifest } from './manifest.js';
import { MediaType } from './media-types.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const enc = (doc: unknown): Buffer => Buffer.from(JSON.stringify(doc));
const image = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('1'), size: 2 },
  layers: [
    { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('2'), size: 3 },
    { mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', digest: d('3'), size: 4 },
  ],
  ...extra,
});

describe('manifest parsing', () => {
  it('lists config and layers as required blobs, leaving foreign layers out', () => {
    const parsed = parseManifest(enc(image()), MediaType.OciManifest);
    assert.deepEqual(parsed.blobs, [d('1'), d('2')]);
    assert.equal(parsed.artifactType, 'application/vnd.oci.image.config.v1+json');
  });
  it('prefers artifactType over the config media type for referrers', () => {
    assert.equal(parseManifest(enc(image({ artifactType: 'application/x-sbom' })), undefined).artifactType, 'application/x-sbom');
  });
  it('lists an index\'s children as required manifests and has no artifactType unless given', () => {
    const index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ mediaType: MediaType.OciManifest, digest: d('4'), size: 5 }] };
    const parsed = parseManifest(enc(index), MediaType.OciIndex);
    assert.deepEqual(parsed.manifests, [d('4')]);
    assert.equal(parsed.artifactType, undefined);
  });
  it('refuses Docker schema 1 saying so', () => {
    assert.throws(() => parseManifest(enc({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] }), MediaType.DockerSchema1Signed), (e: { code: string; detail: { reason: string } }) => e.code === 'MANIFEST_INVALID' && /schema 1/.test(e.detail.reason));
  });
  it('refuses a mediaType that disagrees with Content-Type', () => {
    assert.throws(() => parseManifest(enc(image()), MediaType.DockerManifest), { code: 'MANIFEST_INVALID' });
  });
  it('refuses invalid JSON, non-objects and bad descriptors', () => {
    assert.throws(() => parseManifest(Buffer.from('{'), MediaType.OciManifest), { code: 'MANIFEST_INVALID' });
    assert.throws(() => parseManifest(enc([1]), MediaType.OciManifest), { code: 'MANIFEST_INVALID' });
    assert.throws(() => parseManifest(enc(image({ config: { mediaType: 'x', digest: 'sha256:zz', size: 1 } })), undefined), { code: 'MANIFEST_INVALID' });
    assert.throws(() => parseManifest(enc(image({ layers: [{ mediaType: 'x', digest: d('2'), size: -1 }] })), undefined), { code: 'MANIFEST_INVALID' });
    assert.throws(() => parseManifest(enc(image({ layers: 'nope' })), undefined), { code: 'MANIFEST_INVALID' });
  });
  it('keeps the subject descriptor', () => {
    const subject = { mediaType: MediaType.OciManifest, digest: d('9'), size: 10 };
    assert.equal(parseManifest(enc(image({ subject })), undefined).subject?.digest, d('9'));
  });
});
