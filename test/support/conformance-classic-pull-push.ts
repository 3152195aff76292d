/**
 * 01_pull_test.go and 02_push_test.go of the classic conformance suite, as replay specs.
 * Expectations are the suite's own (statuses, headers, bodies), restated here.
 */
import assert from 'node:assert/strict';
import type { Reply } from './conformance-client.js';
import { expectHeader, expectStatus, expectThat, expectDigestHeaderIfSet, SUITE_ERROR_CODES } from './conformance-client.js';
import { chunkedBlob, sha256, type Blob } from './conformance-classic-data.js';
import { runOnlyIf, warn, type ClassicRun } from './conformance-classic.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCTET = 'application/octet-stream';
const INDEX = 'application/vnd.oci.image.index.v1+json';

/** client.NewRequest(method, path, WithName/WithDigest/WithReference) and client.Do. */
export function request(run: ClassicRun, method: string, path: string, opts: { name?: string; digest?: string; reference?: string; query?: Record<string, string>; headers?: Record<string, string>; body?: Uint8Array } = {}): Promise<Reply> {
  const target = path
    .replaceAll('<name>', opts.name ?? run.options.namespace)
    .replaceAll('<digest>', opts.digest ?? '')
    .replaceAll('<reference>', opts.reference ?? '');
  return run.client.send(method, target || '/', { ...(opts.query ? { query: opts.query } : {}), ...(opts.headers ? { headers: opts.headers } : {}), ...(opts.body ? { body: opts.body } : {}) });
}

/** The suite's setup pattern: POST a session, then PUT the blob to its relative Location. */
export async function postPutBlob(run: ClassicRun, b: Blob): Promise<Reply> {
  const post = await request(run, 'POST', '/v2/<name>/blobs/uploads/');
  return request(run, 'PUT', post.relativeLocation(), { query: { digest: b.digest }, headers: { 'Content-Type': OCTET }, body: b.content });
}

export async function putManifest(run: ClassicRun, reference: string, content: Uint8Array, mediaType = MANIFEST): Promise<Reply> {
  return request(run, 'PUT', '/v2/<name>/manifests/<reference>', { reference, headers: { 'Content-Type': mediaType }, body: content });
}

/** Teardown deletes accept 2xx and 405 (manifests), plus 404 where the suite lists it. */
export async function expectDelete(run: ClassicRun, kind: 'blobs' | 'manifests', ref: string, allow404: boolean): Promise<void> {
  const reply = await request(run, 'DELETE', kind === 'blobs' ? '/v2/<name>/blobs/<digest>' : '/v2/<name>/manifests/<digest>', { digest: ref });
  if (allow404) expectStatus(reply, '2xx', 405, 404);
  else expectStatus(reply, '2xx', 405);
}

export function registerPull(run: ClassicRun): void {
  const F = '01_pull_test.go';
  const { data } = run;
  let tag = '';
  const setup = (title: string, fn: () => Promise<void>): void =>
    run.spec(F, 'Setup', title, 'pull', async () => {
      runOnlyIf(run.runPullSetup);
      await fn();
    });
  setup('Populate registry with test blob (configs[0])', async () => expectStatus(await postPutBlob(run, data.configs[0] as Blob), '2xx'));
  setup('Populate registry with test blob (configs[1])', async () => expectStatus(await postPutBlob(run, data.configs[1] as Blob), '2xx'));
  setup('Populate registry with test layer', async () => expectStatus(await postPutBlob(run, data.layer), '2xx'));
  setup('Populate registry with test manifest (manifests[0] as tag tagtest0)', async () => {
    tag = 'tagtest0';
    expectStatus(await putManifest(run, tag, (data.manifests[0] as Blob).content), '2xx');
  });
  setup('Populate registry with test manifest (manifests[1] by digest)', async () => {
    const m = data.manifests[1] as Blob;
    expectStatus(await putManifest(run, m.digest, m.content), '2xx');
  });
  run.spec(F, 'Setup', 'Get tag name from environment', 'pull', () => {
    runOnlyIf(!run.runPullSetup);
    if (run.options.env?.OCI_TAG_NAME) tag = run.options.env.OCI_TAG_NAME;
  });

  const blobsCtx = 'Pull blobs';
  run.spec(F, blobsCtx, 'HEAD request to nonexistent blob should result in 404 response', 'pull', async () => {
    expectStatus(await request(run, 'HEAD', '/v2/<name>/blobs/<digest>', { digest: data.dummyDigest }), 404);
  });
  run.spec(F, blobsCtx, 'HEAD request to existing blob should yield 200', 'pull', async () => {
    const reply = await request(run, 'HEAD', '/v2/<name>/blobs/<digest>', { digest: (data.configs[0] as Blob).digest });
    expectStatus(reply, 200);
    expectDigestHeaderIfSet(reply, (data.configs[0] as Blob).digest);
  });
  run.spec(F, blobsCtx, 'GET nonexistent blob should result in 404 response', 'pull', async () => {
    expectStatus(await request(run, 'GET', '/v2/<name>/blobs/<digest>', { digest: data.dummyDigest }), 404);
  });
  run.spec(F, blobsCtx, 'GET request to existing blob URL should yield 200', 'pull', async () => {
    expectStatus(await request(run, 'GET', '/v2/<name>/blobs/<digest>', { digest: (data.configs[0] as Blob).digest }), 200);
  });

  const mCtx = 'Pull manifests';
  const accept = { Accept: MANIFEST };
  for (const method of ['HEAD', 'GET'] as const) {
    run.spec(F, mCtx, `${method} request to nonexistent manifest should return 404`, 'pull', async () => {
      expectStatus(await request(run, method, '/v2/<name>/manifests/<reference>', { reference: data.nonexistentManifest }), 404);
    });
    for (const i of [0, 1]) {
      run.spec(F, mCtx, `${method} request to manifest[${i}] path (digest) should yield 200 response`, 'pull', async () => {
        const m = data.manifests[i] as Blob;
        const reply = await request(run, method, '/v2/<name>/manifests/<digest>', { digest: m.digest, headers: accept });
        expectStatus(reply, 200);
        if (method === 'HEAD') expectDigestHeaderIfSet(reply, m.digest);
      });
    }
    run.spec(F, mCtx, `${method} request to manifest path (tag) should yield 200 response`, 'pull', async () => {
      assert.ok(tag !== '', 'expected a tag name (from setup or OCI_TAG_NAME)');
      const reply = await request(run, method, '/v2/<name>/manifests/<reference>', { reference: tag, headers: accept });
      expectStatus(reply, 200);
      if (method === 'HEAD') expectDigestHeaderIfSet(reply, (data.manifests[0] as Blob).digest);
    });
  }

  run.spec(F, 'Error codes', '400 response body should contain OCI-conforming JSON message', 'pull', async () => {
    const reply = await request(run, 'GET', '/v2/<name>/manifests/<reference>', { reference: 'sha256:totallywrong', headers: { 'Content-Type': MANIFEST }, body: data.invalidManifestContent });
    expectStatus(reply, 400, 404);
    if (reply.status === 400) {
      const errors = reply.errors();
      expectThat(errors !== undefined && errors.length > 0 && SUITE_ERROR_CODES.includes(errors[0]?.code ?? ''), reply, 'an OCI error body whose first code is one of the spec codes');
    }
  });

  const teardownManifests = (): void => {
    for (const i of [0, 1]) {
      run.spec(F, 'Teardown', `Delete manifest[${i}] created in setup`, 'pull', async () => {
        runOnlyIf(run.runPullSetup);
        await expectDelete(run, 'manifests', (data.manifests[i] as Blob).digest, false);
      });
    }
  };
  if (run.options.deleteManifestBeforeBlobs) teardownManifests();
  for (const [title, b] of [['Delete config[0] blob created in setup', data.configs[0]], ['Delete config[1] blob created in setup', data.configs[1]], ['Delete layer blob created in setup', data.layer]] as const) {
    run.spec(F, 'Teardown', title, 'pull', async () => {
      runOnlyIf(run.runPullSetup);
      await expectDelete(run, 'blobs', (b as Blob).digest, true);
    });
  }
  if (!run.options.deleteManifestBeforeBlobs) teardownManifests();
}

export function registerPush(run: ClassicRun): void {
  const F = '02_push_test.go';
  const { data } = run;
  let lastResponse: Reply | undefined;
  let prevResponse: Reply | undefined;
  let emptyLayerManifestRef = '';
  const need = (r: Reply | undefined): Reply => {
    if (r === undefined) throw new Error('the previous spec left no response (it failed)');
    return r;
  };

  const artifacts = run.options.pushVariant === 'artifacts';
  let deleteEmptyJSON = false;
  const deleteArtifacts: string[] = [];
  if (artifacts) {
    run.spec(F, 'Setup', 'Upload empty JSON blob needed for further tests', 'push', async () => {
      expectStatus(await postPutBlob(run, data.emptyJSON), '2xx');
      deleteEmptyJSON = true;
    });
    run.spec(F, 'Setup', 'Upload blob needed for further tests', 'push', async () => expectStatus(await postPutBlob(run, data.refBlobA), '2xx'));
  }

  const streamed = 'Blob Upload Streamed';
  run.spec(F, streamed, 'PATCH request with blob in body should yield 202 response', 'push', async () => {
    const post = await request(run, 'POST', '/v2/<name>/blobs/uploads/');
    expectHeader(post, 'Location');
    const reply = await request(run, 'PATCH', post.relativeLocation(), { headers: { 'Content-Type': OCTET }, body: data.testBlobA.content });
    expectStatus(reply, 202);
    lastResponse = reply;
  });
  run.spec(F, streamed, 'PUT request to session URL with digest should yield 201 response', 'push', async () => {
    const reply = await request(run, 'PUT', need(lastResponse).relativeLocation(), { query: { digest: data.testBlobA.digest }, headers: { 'Content-Type': OCTET } });
    expectStatus(reply, 201);
    expectHeader(reply, 'Location');
  });

  const mono = 'Blob Upload Monolithic';
  const c1 = data.configs[1] as Blob;
  run.spec(F, mono, 'GET nonexistent blob should result in 404 response', 'push', async () => {
    expectStatus(await request(run, 'GET', '/v2/<name>/blobs/<digest>', { digest: data.dummyDigest }), 404);
  });
  run.spec(F, mono, 'POST request with digest and blob should yield a 201 or 202', 'push', async () => {
    const reply = await request(run, 'POST', '/v2/<name>/blobs/uploads/', { query: { digest: c1.digest }, headers: { 'Content-Type': OCTET }, body: c1.content });
    expectHeader(reply, 'Location');
    expectStatus(reply, 201, 202);
    lastResponse = reply;
  });
  run.spec(F, mono, 'GET request to blob URL from prior request should yield 200 or 404 based on response code', 'push', async () => {
    const prior = need(lastResponse);
    const reply = await request(run, 'GET', '/v2/<name>/blobs/<digest>', { digest: c1.digest });
    expectStatus(reply, prior.status === 202 ? 404 : 200);
  });
  run.spec(F, mono, 'POST request should yield a session ID', 'push', async () => {
    const reply = await request(run, 'POST', '/v2/<name>/blobs/uploads/');
    expectStatus(reply, 202);
    lastResponse = reply;
  });
  run.spec(F, mono, 'PUT upload of a blob should yield a 201 Response', 'push', async () => {
    const reply = await request(run, 'PUT', need(lastResponse).relativeLocation(), { query: { digest: c1.digest }, headers: { 'Content-Type': OCTET }, body: c1.content });
    expectHeader(reply, 'Location');
    expectStatus(reply, 201);
  });
  run.spec(F, mono, 'GET request to existing blob should yield 200 response', 'push', async () => {
    expectStatus(await request(run, 'GET', '/v2/<name>/blobs/<digest>', { digest: c1.digest }), 200);
  });
  run.spec(F, mono, 'PUT upload of a layer blob should yield a 201 Response', 'push', async () => {
    const reply = await postPutBlob(run, data.layer);
    expectHeader(reply, 'Location');
    expectStatus(reply, 201);
  });
  run.spec(F, mono, 'GET request to existing layer should yield 200 response', 'push', async () => {
    expectStatus(await request(run, 'GET', '/v2/<name>/blobs/<digest>', { digest: data.layer.digest }), 200);
  });

  const chunked = 'Blob Upload Chunked';
  const patch = (target: string, chunk: Buffer, range: string): Promise<Reply> => request(run, 'PATCH', target, { headers: { 'Content-Type': OCTET, 'Content-Range': range }, body: chunk });
  run.spec(F, chunked, 'Out-of-order blob upload should return 416', 'push', async (t) => {
    const post = await request(run, 'POST', '/v2/<name>/blobs/uploads/');
    expectHeader(post, 'Location');
    const min = post.header('OCI-Chunk-Min-Length');
    if (min !== '') {
      const minSize = Number.parseInt(min, 10);
      expectThat(Number.isInteger(minSize), post, 'OCI-Chunk-Min-Length to parse as an integer');
      if (minSize > data.testBlobB.chunk1.length) {
        data.testBlobB = chunkedBlob(minSize * 2 - 2);
        t.diagnostic(`OCI-Chunk-Min-Length ${minSize}: chunked blob rebuilt with ${minSize * 2 - 2} bytes`);
      }
    }
    expectStatus(await patch(post.relativeLocation(), data.testBlobB.chunk2, data.testBlobB.chunk2Range), 416);
  });
  run.spec(F, chunked, 'PATCH request with first chunk should return 202', 'push', async () => {
    const post = await request(run, 'POST', '/v2/<name>/blobs/uploads/');
    expectHeader(post, 'Location');
    prevResponse = post;
    const reply = await patch(post.relativeLocation(), data.testBlobB.chunk1, data.testBlobB.chunk1Range);
    expectStatus(reply, 202);
    expectHeader(reply, 'Range', data.testBlobB.chunk1Range);
    lastResponse = reply;
  });
  run.spec(F, chunked, 'Retry previous blob chunk should return 416', 'push', async () => {
    expectStatus(await patch(need(prevResponse).relativeLocation(), data.testBlobB.chunk1, data.testBlobB.chunk1Range), 416);
  });
  run.spec(F, chunked, 'Get on stale blob upload should return 204 with a range and location', 'push', async () => {
    const reply = await request(run, 'GET', need(prevResponse).relativeLocation());
    expectStatus(reply, 204);
    expectHeader(reply, 'Location');
    expectHeader(reply, 'Range', data.testBlobB.chunk1Range);
    lastResponse = reply;
  });
  run.spec(F, chunked, 'PATCH request with second chunk should return 202', 'push', async () => {
    const reply = await patch(need(lastResponse).relativeLocation(), data.testBlobB.chunk2, data.testBlobB.chunk2Range);
    expectStatus(reply, 202);
    if (artifacts) expectHeader(reply, 'Range', `0-${data.testBlobB.blob.content.length - 1}`);
    expectHeader(reply, 'Location');
    lastResponse = reply;
  });
  run.spec(F, chunked, 'PUT request with digest should return 201', 'push', async () => {
    const reply = await request(run, 'PUT', need(lastResponse).relativeLocation(), { query: { digest: data.testBlobB.blob.digest }, headers: { 'Content-Type': OCTET } });
    expectStatus(reply, 201);
    expectHeader(reply, 'Location');
  });

  const mount = 'Cross-Repository Blob Mount';
  const cross = run.options.crossmountNamespace;
  run.spec(F, mount, 'Cross-mounting of a blob without the from argument should yield session id', 'push', async () => {
    const reply = await request(run, 'POST', '/v2/<name>/blobs/uploads/', { name: cross, query: { mount: data.dummyDigest } });
    expectStatus(reply, 202);
    expectHeader(reply, 'Location');
  });
  run.spec(F, mount, "POST request to mount another repository's blob should return 201 or 202", 'push', async () => {
    const reply = await request(run, 'POST', '/v2/<name>/blobs/uploads/', { name: cross, query: { mount: data.testBlobA.digest, from: run.options.namespace } });
    expectStatus(reply, 201, 202);
    lastResponse = reply;
  });
  run.spec(F, mount, 'GET request to test digest within cross-mount namespace should return 200', 'push', async () => {
    const prior = need(lastResponse);
    runOnlyIf(prior.status === 201);
    expectThat(prior.relativeLocation() === `/v2/${cross}/blobs/${data.testBlobA.digest}`, prior, `Location path /v2/${cross}/blobs/${data.testBlobA.digest}`);
    expectStatus(await request(run, 'GET', prior.relativeLocation()), 200);
  });
  run.spec(F, mount, 'Cross-mounting of nonexistent blob should yield session id', 'push', () => {
    const prior = need(lastResponse);
    runOnlyIf(prior.status === 202);
    expectThat(prior.relativeLocation().startsWith(`/v2/${cross}/blobs/uploads/`), prior, `Location under /v2/${cross}/blobs/uploads/`);
  });
  for (const enabled of [true, false]) {
    const title = `Cross-mounting without from, and automatic content discovery ${enabled ? 'enabled should return a 201' : 'disabled should return a 202'}`;
    run.spec(F, mount, title, 'push', async () => {
      runOnlyIf(run.options.automaticCrossmount !== undefined);
      runOnlyIf(need(lastResponse).status === 201);
      runOnlyIf(run.options.automaticCrossmount === enabled);
      const reply = await request(run, 'POST', '/v2/<name>/blobs/uploads/', { name: cross, query: { mount: data.testBlobA.digest } });
      expectStatus(reply, enabled ? 201 : 202);
    });
  }

  const upload = 'Manifest Upload';
  const m1 = data.manifests[1] as Blob;
  run.spec(F, upload, 'GET nonexistent manifest should return 404', 'push', async () => {
    expectStatus(await request(run, 'GET', '/v2/<name>/manifests/<reference>', { reference: data.nonexistentManifest }), 404);
  });
  run.spec(F, upload, 'PUT should accept a manifest upload', 'push', async () => {
    for (let i = 0; i < 4; i++) {
      const reply = await putManifest(run, `test${i}`, m1.content);
      expectHeader(reply, 'Location');
      expectStatus(reply, 201);
    }
  });
  run.spec(F, upload, 'Registry should accept a manifest upload with no layers', 'push', async (t) => {
    const reply = await putManifest(run, 'emptylayer', data.emptyLayerManifest.content);
    if (reply.status === 201) {
      emptyLayerManifestRef = reply.header('Location');
      expectHeader(reply, 'Location');
    } else warn(run, t, `image manifest with no layers is not supported (answered ${reply.status}: ${reply.body.toString().slice(0, 300)})`);
  });
  run.spec(F, upload, 'GET request to manifest URL (digest) should yield 200 response', 'push', async () => {
    expectStatus(await request(run, 'GET', '/v2/<name>/manifests/<digest>', { digest: m1.digest, headers: { Accept: MANIFEST } }), 200);
  });

  if (artifacts) registerPushArtifacts(run, deleteArtifacts);

  const teardownManifest = (): void => {
    run.spec(F, 'Teardown', 'Delete manifest created in tests', 'push', async () => {
      await expectDelete(run, 'manifests', m1.digest, false);
      if (run.options.deleteManifestBeforeBlobs) for (const digest of deleteArtifacts) await expectDelete(run, 'manifests', digest, false);
      if (emptyLayerManifestRef !== '') await expectDelete(run, 'manifests', data.emptyLayerManifest.digest, false);
    });
  };
  if (run.options.deleteManifestBeforeBlobs) teardownManifest();
  run.spec(F, 'Teardown', 'Delete config blob created in tests', 'push', async () => expectDelete(run, 'blobs', c1.digest, true));
  run.spec(F, 'Teardown', 'Delete layer blob created in setup', 'push', async () => {
    await expectDelete(run, 'blobs', data.layer.digest, true);
    if (deleteEmptyJSON) await expectDelete(run, 'blobs', data.emptyJSON.digest, true);
  });
  if (!run.options.deleteManifestBeforeBlobs) teardownManifest();
}

/**
 * The artifact specs one version of 02_push_test.go adds to "Manifest Upload" (config-typed and
 * artifactType manifests, an index, a nested index, a dangling subject).
 */
function registerPushArtifacts(run: ClassicRun, deleteArtifacts: string[]): void {
  const F = '02_push_test.go';
  const { data } = run;
  const upload = 'Manifest Upload';
  const configType = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: { mediaType: data.artifactTypeA, digest: data.refBlobA.digest, size: data.refBlobA.content.length }, layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: data.emptyJSON.digest, size: 2 }] }, null, '\t'));
  const artifactType = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, artifactType: data.artifactTypeA, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: data.emptyJSON.digest, size: 2 }, layers: [{ mediaType: data.artifactTypeA, digest: data.refBlobA.digest, size: data.refBlobA.content.length }] }, null, '\t'));
  let index: Buffer | undefined;
  for (const [title, body] of [
    ['Registry should accept a manifest upload with custom config/mediaType (as artifact type) [OCI-Image v1.1]', configType],
    ['Registry should accept a manifest upload with custom artifactType [OCI-Image v1.1]', artifactType],
  ] as const) {
    run.spec(F, upload, title, 'push', async () => {
      expectStatus(await putManifest(run, sha256(body), body), '2xx');
      deleteArtifacts.push(sha256(body));
    });
  }
  run.spec(F, upload, 'Registry should accept a manifest upload with image index', 'push', async () => {
    const c0 = data.configs[0] as Blob;
    const m0 = data.manifests[0] as Blob;
    expectStatus(await postPutBlob(run, c0), '2xx');
    expectStatus(await putManifest(run, 'tagtest0', m0.content), '2xx');
    index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, artifactType: 'application/vnd.food.stand', manifests: [{ mediaType: MANIFEST, digest: m0.digest, size: m0.content.length, newUnspecifiedField: null }], annotations: { [data.annotationKey]: 'test index' } }, null, '\t'));
    expectStatus(await putManifest(run, sha256(index), index, INDEX), '2xx');
  });
  run.spec(F, upload, 'Registry should accept a manifest upload with nested image index [OCI-Image v1.1]', 'push', async () => {
    assert.ok(index, 'the image index spec ran first');
    const nested = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, artifactType: 'application/vnd.food.stand', manifests: [{ mediaType: INDEX, digest: sha256(index), size: index.length, newUnspecifiedField: null }], annotations: { [data.annotationKey]: 'test index' } }, null, '\t'));
    expectStatus(await putManifest(run, sha256(nested), nested, INDEX), '2xx');
  });
  run.spec(F, upload, 'Dangling subject [OCI-Image v1.1]', 'push', async () => {
    const reply = await putManifest(run, data.refsCLayer.digest, data.refsCLayer.content);
    expectStatus(reply, '2xx');
    expectThat(/^[a-f0-9]+:[a-f0-9]+$/.test(reply.header('OCI-Subject')), reply, 'an OCI-Subject header holding the subject digest');
  });
}
