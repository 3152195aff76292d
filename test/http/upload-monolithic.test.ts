import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { content, randomBlob } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { assertError, assertSessionRange, openSession, resolveLocation, withQuery } from '../support/spec-http.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// distribution-spec: "POST then PUT", "Single POST", "Cancel a blob upload", upload status (end-13).
describe('monolithic uploads and session lifecycle', () => {
  let registry: TestRegistry;
  before(async () => (registry = await startRegistry()));
  after(async () => registry.stop());

  async function put(location: URL, digest: string, body?: Uint8Array): Promise<Response> {
    return fetch(withQuery(location, { digest }), {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      ...(body === undefined ? {} : { body: new Uint8Array(body) }),
    });
  }

  async function blobStatus(name: string, digest: string): Promise<number> {
    return (await fetch(`${registry.url}/v2/${name}/blobs/${digest}`, { method: 'HEAD' })).status;
  }

  it('answers POST with 202, Location, Range 0-0, Docker-Upload-UUID and OCI-Chunk-Min-Length', async () => {
    const { response, location } = await openSession(registry.url, 'mono/app');
    assert.equal(response.status, 202);
    const uuid = response.headers.get('docker-upload-uuid') ?? '';
    assert.match(uuid, UUID);
    assert.ok(location.pathname.startsWith('/v2/mono/app/blobs/uploads/'), location.pathname);
    assert.ok(location.pathname.includes(uuid), 'Location holds the session id');
    assert.equal(response.headers.get('range'), '0-0');
    assert.match(response.headers.get('oci-chunk-min-length') ?? '', /^[1-9]\d*$/);
  });

  it('gives every session a different Location', async () => {
    const first = await openSession(registry.url, 'mono/app');
    const second = await openSession(registry.url, 'mono/app');
    assert.notEqual(first.location.href, second.location.href);
  });

  it('completes POST then PUT ?digest= with 201, Location and Docker-Content-Digest', async () => {
    const blob = randomBlob(4096);
    const { location } = await openSession(registry.url, 'mono/app');
    const response = await put(location, blob.digest, blob.bytes);
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('docker-content-digest'), blob.digest);
    assert.equal(response.headers.get('location'), `/v2/mono/app/blobs/${blob.digest}`);
  });

  it('answers the PUT Location with the uploaded bytes', async () => {
    const blob = randomBlob(1000);
    const { location } = await openSession(registry.url, 'mono/app');
    const done = await put(location, blob.digest, blob.bytes);
    assert.equal(done.status, 201);
    const pulled = await fetch(resolveLocation(registry.url, done));
    assert.equal(pulled.status, 200);
    assert.equal(pulled.headers.get('docker-content-digest'), blob.digest);
    assert.ok(Buffer.from(await pulled.arrayBuffer()).equals(blob.bytes));
  });

  it('accepts an empty blob through POST then PUT', async () => {
    const empty = content('');
    const { location } = await openSession(registry.url, 'mono/app');
    const response = await put(location, empty.digest);
    assert.equal(response.status, 201, await response.clone().text());
    const head = await fetch(`${registry.url}/v2/mono/app/blobs/${empty.digest}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '0');
  });

  it('pushes a blob with a single POST ?digest= (201, Location, Docker-Content-Digest)', async () => {
    const blob = randomBlob(2048);
    const response = await fetch(`${registry.url}/v2/mono/app/blobs/uploads/?digest=${blob.digest}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: new Uint8Array(blob.bytes),
    });
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('location'), `/v2/mono/app/blobs/${blob.digest}`);
    assert.equal(response.headers.get('docker-content-digest'), blob.digest);
    const pulled = await fetch(resolveLocation(registry.url, response));
    assert.ok(Buffer.from(await pulled.arrayBuffer()).equals(blob.bytes));
  });

  it('returns 400 DIGEST_INVALID for a single POST whose bytes hash differently, storing nothing', async () => {
    const blob = randomBlob(512);
    const claimed = randomBlob(512).digest;
    const response = await fetch(`${registry.url}/v2/mono/single-bad/blobs/uploads/?digest=${claimed}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: new Uint8Array(blob.bytes),
    });
    await assertError(response, 400, 'DIGEST_INVALID');
    assert.equal(await blobStatus('mono/single-bad', claimed), 404);
    assert.equal(await blobStatus('mono/single-bad', blob.digest), 404);
    const catalog = (await (await fetch(`${registry.url}/v2/_catalog`)).json()) as { repositories: string[] };
    assert.ok(!catalog.repositories.includes('mono/single-bad'));
  });

  it('returns 400 DIGEST_INVALID for a PUT whose digest does not match the bytes, storing nothing', async () => {
    const blob = randomBlob(512);
    const claimed = randomBlob(512).digest;
    const { location } = await openSession(registry.url, 'mono/app');
    const error = await assertError(await put(location, claimed, blob.bytes), 400, 'DIGEST_INVALID');
    assert.deepEqual(error.detail, { expected: claimed, computed: blob.digest });
    assert.equal(await blobStatus('mono/app', claimed), 404);
    assert.equal(await blobStatus('mono/app', blob.digest), 404);
  });

  it('returns 400 DIGEST_INVALID for a closing PUT without ?digest=, leaving the session open', async () => {
    const blob = randomBlob(64);
    const { location } = await openSession(registry.url, 'mono/app');
    const response = await fetch(location, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) });
    await assertError(response, 400, 'DIGEST_INVALID');
    await assertSessionRange(location, '0-0');
    assert.equal((await put(location, blob.digest, blob.bytes)).status, 201);
  });

  it('answers GET on a session with 204, Location, Range and Docker-Upload-UUID', async () => {
    const { response: started, location } = await openSession(registry.url, 'mono/app');
    const status = await fetch(location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-0');
    assert.equal(resolveLocation(registry.url, status).href, location.href);
    assert.equal(status.headers.get('docker-upload-uuid'), started.headers.get('docker-upload-uuid'));
    assert.equal(await status.text(), '');
  });

  it('cancels a session with DELETE 204', async () => {
    const { location } = await openSession(registry.url, 'mono/app');
    const response = await fetch(location, { method: 'DELETE' });
    assert.equal(response.status, 204);
  });

  it('returns 404 BLOB_UPLOAD_UNKNOWN for GET after the upload is cancelled', async () => {
    const { location } = await openSession(registry.url, 'mono/app');
    assert.equal((await fetch(location, { method: 'DELETE' })).status, 204);
    await assertError(await fetch(location), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('returns 404 BLOB_UPLOAD_UNKNOWN for PATCH, PUT and DELETE after the upload is cancelled', async () => {
    const blob = randomBlob(16);
    const { location } = await openSession(registry.url, 'mono/app');
    assert.equal((await fetch(location, { method: 'DELETE' })).status, 204);
    await assertError(await fetch(location, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) }), 404, 'BLOB_UPLOAD_UNKNOWN');
    await assertError(await put(location, blob.digest, blob.bytes), 404, 'BLOB_UPLOAD_UNKNOWN');
    await assertError(await fetch(location, { method: 'DELETE' }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assert.equal(await blobStatus('mono/app', blob.digest), 404);
  });

  it('returns 404 BLOB_UPLOAD_UNKNOWN for GET after the upload completed', async () => {
    const blob = randomBlob(16);
    const { location } = await openSession(registry.url, 'mono/app');
    assert.equal((await put(location, blob.digest, blob.bytes)).status, 201);
    await assertError(await fetch(location), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('returns 404 BLOB_UPLOAD_UNKNOWN for a session id that never existed', async () => {
    const response = await fetch(`${registry.url}/v2/mono/app/blobs/uploads/00000000-0000-4000-8000-000000000000`);
    await assertError(response, 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('returns 404 BLOB_UPLOAD_UNKNOWN when a session of repository A is used under repository B', async () => {
    const blob = randomBlob(32);
    const { location } = await openSession(registry.url, 'mono/a');
    const foreign = new URL(location.href.replace('/v2/mono/a/', '/v2/mono/b/'));
    await assertError(await fetch(foreign), 404, 'BLOB_UPLOAD_UNKNOWN');
    await assertError(await fetch(foreign, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) }), 404, 'BLOB_UPLOAD_UNKNOWN');
    await assertError(await put(foreign, blob.digest, blob.bytes), 404, 'BLOB_UPLOAD_UNKNOWN');
    await assertError(await fetch(foreign, { method: 'DELETE' }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assert.equal(await blobStatus('mono/b', blob.digest), 404);
    // The session under A is untouched and still completes.
    await assertSessionRange(location, '0-0');
    assert.equal((await put(location, blob.digest, blob.bytes)).status, 201);
  });

  it('follows a Location that carries query parameters, appending ?digest= to them', async () => {
    // Clients must use Location as given; appending with & must keep the session's URL working.
    const blob = randomBlob(128);
    const { location } = await openSession(registry.url, 'mono/app');
    const withExtra = withQuery(location, { _state: 'opaque' });
    const response = await put(withExtra, blob.digest, blob.bytes);
    assert.equal(response.status, 201, await response.clone().text());
  });

  it('accepts a closing PUT without Content-Type', async () => {
    const blob = randomBlob(128);
    const { location } = await openSession(registry.url, 'mono/app');
    const response = await fetch(withQuery(location, { digest: blob.digest }), { method: 'PUT', body: new Uint8Array(blob.bytes) });
    assert.equal(response.status, 201, await response.clone().text());
  });

  it('completes a second upload of the same blob with 201 and the same digest', async () => {
    const blob = randomBlob(256);
    for (let i = 0; i < 2; i++) {
      const { location } = await openSession(registry.url, 'mono/app');
      const response = await put(location, blob.digest, blob.bytes);
      assert.equal(response.status, 201);
      assert.equal(response.headers.get('docker-content-digest'), blob.digest);
    }
  });
});
