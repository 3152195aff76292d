import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { content, descriptor, imageIndex, imageManifest, pushBlob, pushImage, putManifest, type Content, type ImageFixture } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { assertError } from '../support/spec-http.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY = content('{}');

interface Referrers {
  schemaVersion: number;
  mediaType: string;
  manifests: Record<string, unknown>[];
}

// distribution-spec: "Pushing Manifests with Subject" and "Listing Referrers" (end-12a/b).
describe('subject and the referrers API', () => {
  let registry: TestRegistry;
  before(async () => (registry = await startRegistry()));
  after(async () => registry.stop());

  async function referrers(name: string, digest: string, query = ''): Promise<{ response: Response; index: Referrers }> {
    const response = await fetch(`${registry.url}/v2/${name}/referrers/${digest}${query}`);
    assert.equal(response.status, 200, await response.clone().text());
    return { response, index: (await response.json()) as Referrers };
  }

  /** An artifact manifest (empty config) whose subject is `subject`. */
  function artifact(subject: Content & { mediaType?: string }, options: { artifactType?: string; annotations?: Record<string, string>; configMediaType?: string } = {}): Content {
    const doc = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(options.artifactType === undefined ? {} : { artifactType: options.artifactType }),
      config: descriptor(EMPTY, options.configMediaType ?? 'application/vnd.oci.empty.v1+json'),
      layers: [descriptor(EMPTY, 'application/vnd.oci.empty.v1+json')],
      subject: descriptor(subject, subject.mediaType ?? OCI_MANIFEST),
      ...(options.annotations ? { annotations: options.annotations } : {}),
    };
    return content(JSON.stringify(doc));
  }

  async function pushArtifact(name: string, manifest: Content): Promise<Response> {
    await pushBlob(registry.url, name, EMPTY);
    const response = await putManifest(registry.url, name, manifest.digest, manifest, OCI_MANIFEST);
    assert.equal(response.status, 201, await response.clone().text());
    return response;
  }

  async function subjectImage(name: string): Promise<ImageFixture> {
    const image = imageManifest();
    await pushImage(registry.url, name, 'subject', image);
    return image;
  }

  it('answers a PUT with subject with OCI-Subject: <subject digest>', async () => {
    const subject = await subjectImage('ref/app');
    const response = await pushArtifact('ref/app', artifact(subject.manifest, { artifactType: 'application/vnd.example.sbom.v1' }));
    assert.equal(response.headers.get('oci-subject'), subject.manifest.digest);
  });

  it('lists a referrer with mediaType, size, digest, artifactType and annotations', async () => {
    const subject = await subjectImage('ref/list');
    const annotations = { 'org.opencontainers.image.created': '2022-01-01T14:42:55Z', 'org.example.sbom.format': 'json' };
    const sbom = artifact(subject.manifest, { artifactType: 'application/vnd.example.sbom.v1', annotations });
    await pushArtifact('ref/list', sbom);
    const { index } = await referrers('ref/list', subject.manifest.digest);
    assert.equal(index.schemaVersion, 2);
    assert.equal(index.mediaType, OCI_INDEX);
    assert.deepEqual(index.manifests, [{ mediaType: OCI_MANIFEST, size: sbom.size, digest: sbom.digest, artifactType: 'application/vnd.example.sbom.v1', annotations }]);
  });

  it('sets artifactType to the config media type when the manifest has none', async () => {
    const subject = await subjectImage('ref/config-type');
    const signature = artifact(subject.manifest, { configMediaType: 'application/vnd.example.signature.config.v1+json' });
    await pushArtifact('ref/config-type', signature);
    const { index } = await referrers('ref/config-type', subject.manifest.digest);
    assert.equal(index.manifests.length, 1);
    assert.equal(index.manifests[0]?.artifactType, 'application/vnd.example.signature.config.v1+json');
    assert.equal('annotations' in (index.manifests[0] ?? {}), false);
  });

  it('sets artifactType to the config media type when the manifest artifactType is empty', async () => {
    const subject = await subjectImage('ref/empty-type');
    await pushArtifact('ref/empty-type', artifact(subject.manifest, { artifactType: '', configMediaType: 'application/vnd.example.cfg.v1+json' }));
    const { index } = await referrers('ref/empty-type', subject.manifest.digest);
    assert.equal(index.manifests[0]?.artifactType, 'application/vnd.example.cfg.v1+json');
  });

  it('lists an index referrer with its artifactType, and omits artifactType for an index without one', async () => {
    const subject = await subjectImage('ref/index');
    const child = imageManifest();
    await pushImage(registry.url, 'ref/index', child.manifest.digest, child);
    const build = (artifactType?: string): Content => {
      const doc = {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        ...(artifactType === undefined ? {} : { artifactType }),
        manifests: [descriptor(child.manifest, OCI_MANIFEST)],
        subject: descriptor(subject.manifest, OCI_MANIFEST),
        annotations: { kind: artifactType ?? 'none' },
      };
      return content(JSON.stringify(doc));
    };
    const typed = build('application/vnd.example.bundle.v1');
    const untyped = build();
    for (const index of [typed, untyped]) {
      const response = await putManifest(registry.url, 'ref/index', index.digest, index, OCI_INDEX);
      assert.equal(response.status, 201, await response.clone().text());
      assert.equal(response.headers.get('oci-subject'), subject.manifest.digest);
    }
    const { index } = await referrers('ref/index', subject.manifest.digest);
    const byDigest = new Map(index.manifests.map((m) => [m.digest, m]));
    assert.deepEqual(byDigest.get(typed.digest), { mediaType: OCI_INDEX, size: typed.size, digest: typed.digest, artifactType: 'application/vnd.example.bundle.v1', annotations: { kind: 'application/vnd.example.bundle.v1' } });
    assert.deepEqual(byDigest.get(untyped.digest), { mediaType: OCI_INDEX, size: untyped.size, digest: untyped.digest, annotations: { kind: 'none' } });
  });

  it('lists an image manifest with subject (imageManifest fixture) using its config media type', async () => {
    const subject = await subjectImage('ref/image');
    const referrer = imageManifest({ subject: subject.manifest, annotations: { note: 'x' } });
    await pushImage(registry.url, 'ref/image', referrer.manifest.digest, referrer);
    const { index } = await referrers('ref/image', subject.manifest.digest);
    assert.deepEqual(index.manifests, [{ mediaType: OCI_MANIFEST, size: referrer.manifest.size, digest: referrer.manifest.digest, artifactType: 'application/vnd.oci.image.config.v1+json', annotations: { note: 'x' } }]);
  });

  it('answers with Content-Type: application/vnd.oci.image.index.v1+json exactly', async () => {
    const { response } = await referrers('ref/app', `sha256:${'3'.repeat(64)}`);
    assert.equal(response.headers.get('content-type'), OCI_INDEX);
  });

  it('answers 200 with an empty index (never 404) for a digest nothing refers to', async () => {
    await subjectImage('ref/none');
    const { response, index } = await referrers('ref/none', `sha256:${'3'.repeat(64)}`);
    assert.equal(response.headers.get('oci-filters-applied'), null);
    assert.deepEqual(index, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
  });

  it('answers 200 with an empty index for a repository that does not exist', async () => {
    const { index } = await referrers('ref/never', `sha256:${'3'.repeat(64)}`);
    assert.deepEqual(index.manifests, []);
  });

  it('filters by ?artifactType= and sets OCI-Filters-Applied: artifactType', async () => {
    const subject = await subjectImage('ref/filter');
    const sbom = artifact(subject.manifest, { artifactType: 'application/vnd.example.sbom.v1' });
    const sig = artifact(subject.manifest, { artifactType: 'application/vnd.example.signature.v1' });
    await pushArtifact('ref/filter', sbom);
    await pushArtifact('ref/filter', sig);
    const all = await referrers('ref/filter', subject.manifest.digest);
    assert.deepEqual(all.index.manifests.map((m) => m.digest).sort(), [sbom.digest, sig.digest].sort());
    const filtered = await referrers('ref/filter', subject.manifest.digest, '?artifactType=application/vnd.example.sbom.v1');
    assert.equal(filtered.response.headers.get('oci-filters-applied'), 'artifactType');
    assert.deepEqual(filtered.index.manifests.map((m) => m.digest), [sbom.digest]);
  });

  it('answers a filter that matches nothing with an empty index and OCI-Filters-Applied', async () => {
    const subject = await subjectImage('ref/filter-none');
    await pushArtifact('ref/filter-none', artifact(subject.manifest, { artifactType: 'application/vnd.example.sbom.v1' }));
    const { response, index } = await referrers('ref/filter-none', subject.manifest.digest, '?artifactType=application/vnd.example.other');
    assert.equal(response.headers.get('oci-filters-applied'), 'artifactType');
    assert.deepEqual(index.manifests, []);
  });

  it('accepts a referrer pushed before its subject and lists it', async () => {
    const subject = imageManifest();
    const sbom = artifact(subject.manifest, { artifactType: 'application/vnd.example.sbom.v1' });
    const response = await pushArtifact('ref/early', sbom);
    assert.equal(response.headers.get('oci-subject'), subject.manifest.digest);
    assert.deepEqual((await referrers('ref/early', subject.manifest.digest)).index.manifests.map((m) => m.digest), [sbom.digest]);
    await pushImage(registry.url, 'ref/early', 'late', subject);
    assert.deepEqual((await referrers('ref/early', subject.manifest.digest)).index.manifests.map((m) => m.digest), [sbom.digest]);
  });

  it('keeps listing referrers after the subject is deleted', async () => {
    const subject = await subjectImage('ref/orphan');
    const sbom = artifact(subject.manifest, { artifactType: 'application/vnd.example.sbom.v1' });
    await pushArtifact('ref/orphan', sbom);
    assert.equal((await fetch(`${registry.url}/v2/ref/orphan/manifests/${subject.manifest.digest}`, { method: 'DELETE' })).status, 202);
    assert.deepEqual((await referrers('ref/orphan', subject.manifest.digest)).index.manifests.map((m) => m.digest), [sbom.digest]);
  });

  it('stops listing a referrer once it is deleted', async () => {
    const subject = await subjectImage('ref/gone');
    const sbom = artifact(subject.manifest, { artifactType: 'application/vnd.example.sbom.v1' });
    await pushArtifact('ref/gone', sbom);
    assert.equal((await fetch(`${registry.url}/v2/ref/gone/manifests/${sbom.digest}`, { method: 'DELETE' })).status, 202);
    assert.deepEqual((await referrers('ref/gone', subject.manifest.digest)).index.manifests, []);
  });

  it('does not list referrers from another repository', async () => {
    const subject = imageManifest();
    await pushImage(registry.url, 'ref/one', 'subject', subject);
    await pushImage(registry.url, 'ref/two', 'subject', subject);
    await pushArtifact('ref/one', artifact(subject.manifest, { artifactType: 'application/vnd.example.sbom.v1' }));
    assert.deepEqual((await referrers('ref/two', subject.manifest.digest)).index.manifests, []);
  });

  it('does not answer a referrer GET with 404 when the subject is an index', async () => {
    const child = imageManifest();
    await pushImage(registry.url, 'ref/of-index', child.manifest.digest, child);
    const index = imageIndex([child]);
    assert.equal((await putManifest(registry.url, 'ref/of-index', 'idx', index.manifest, index.mediaType)).status, 201);
    const sig = artifact({ ...index.manifest, mediaType: OCI_INDEX }, { artifactType: 'application/vnd.example.signature.v1' });
    await pushArtifact('ref/of-index', sig);
    assert.deepEqual((await referrers('ref/of-index', index.manifest.digest)).index.manifests.map((m) => m.digest), [sig.digest]);
  });

  it('returns 400 DIGEST_INVALID for a malformed referrers digest', async () => {
    await assertError(await fetch(`${registry.url}/v2/ref/app/referrers/sha256:not-hex`), 400, 'DIGEST_INVALID');
    await assertError(await fetch(`${registry.url}/v2/ref/app/referrers/latest`), 400, 'DIGEST_INVALID');
    await assertError(await fetch(`${registry.url}/v2/ref/app/referrers/md5:${'a'.repeat(32)}`), 400, 'DIGEST_INVALID');
  });

  it('returns 400 for a referrer whose subject descriptor has a malformed digest, storing nothing', async () => {
    await pushBlob(registry.url, 'ref/badsubject', EMPTY);
    const doc = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.example.sbom.v1',
      config: descriptor(EMPTY, 'application/vnd.oci.empty.v1+json'),
      layers: [],
      subject: { mediaType: OCI_MANIFEST, digest: 'sha256:nope', size: 10 },
    };
    const manifest = content(JSON.stringify(doc));
    await assertError(await putManifest(registry.url, 'ref/badsubject', manifest.digest, manifest, OCI_MANIFEST), 400, 'MANIFEST_INVALID');
    assert.equal((await fetch(`${registry.url}/v2/ref/badsubject/manifests/${manifest.digest}`, { method: 'HEAD' })).status, 404);
  });
});
