import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pushBlob, randomBlob } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { assertError, resolveLocation, withQuery } from '../support/spec-http.js';

// distribution-spec: "Mounting a blob from another repository" (end-11).
describe('cross-repository blob mount', () => {
  let registry: TestRegistry;
  before(async () => (registry = await startRegistry()));
  after(async () => registry.stop());

  async function mount(name: string, query: string): Promise<Response> {
    return fetch(`${registry.url}/v2/${name}/blobs/uploads/?${query}`, { method: 'POST', headers: { 'Content-Length': '0' } });
  }

  async function blobStatus(name: string, digest: string): Promise<number> {
    return (await fetch(`${registry.url}/v2/${name}/blobs/${digest}`, { method: 'HEAD' })).status;
  }

  it('mounts a blob from another repository with 201, Location and Docker-Content-Digest', async () => {
    const blob = randomBlob(300);
    await pushBlob(registry.url, 'mount/source', blob);
    const response = await mount('mount/target', `mount=${blob.digest}&from=mount/source`);
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('location'), `/v2/mount/target/blobs/${blob.digest}`);
    assert.equal(response.headers.get('docker-content-digest'), blob.digest);
  });

  it('makes a mounted blob pullable at the Location, byte for byte', async () => {
    const blob = randomBlob(300);
    await pushBlob(registry.url, 'mount/source', blob);
    const response = await mount('mount/pulled', `mount=${blob.digest}&from=mount/source`);
    assert.equal(response.status, 201);
    const pulled = await fetch(resolveLocation(registry.url, response));
    assert.equal(pulled.status, 200);
    assert.ok(Buffer.from(await pulled.arrayBuffer()).equals(blob.bytes));
  });

  it('keeps the blob in the source repository after mounting it elsewhere', async () => {
    const blob = randomBlob(300);
    await pushBlob(registry.url, 'mount/source', blob);
    assert.equal((await mount('mount/keep', `mount=${blob.digest}&from=mount/source`)).status, 201);
    assert.equal(await blobStatus('mount/source', blob.digest), 200);
    assert.equal(await blobStatus('mount/keep', blob.digest), 200);
  });

  it('answers 201 when the target repository already holds the blob', async () => {
    const blob = randomBlob(300);
    await pushBlob(registry.url, 'mount/source', blob);
    await pushBlob(registry.url, 'mount/already', blob);
    assert.equal((await mount('mount/already', `mount=${blob.digest}&from=mount/source`)).status, 201);
  });

  it('answers 202 with a new upload session when mounting a digest the registry does not hold', async () => {
    const blob = randomBlob(300);
    const response = await mount('mount/target', `mount=${blob.digest}&from=mount/source`);
    assert.equal(response.status, 202, await response.clone().text());
    assert.equal(response.headers.get('range'), '0-0');
    assert.match(response.headers.get('docker-upload-uuid') ?? '', /^[0-9a-f-]{36}$/);
    const location = resolveLocation(registry.url, response);
    assert.ok(location.pathname.startsWith('/v2/mount/target/blobs/uploads/'), location.pathname);
    // The session is real: the client proceeds with the upload.
    const done = await fetch(withQuery(location, { digest: blob.digest }), { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) });
    assert.equal(done.status, 201, await done.clone().text());
    assert.equal(await blobStatus('mount/target', blob.digest), 200);
  });

  it('answers 202 when the from repository does not have the blob, even if another one does', async () => {
    const blob = randomBlob(300);
    await pushBlob(registry.url, 'mount/holder', blob);
    await pushBlob(registry.url, 'mount/empty-source', randomBlob(10));
    const response = await mount('mount/strict', `mount=${blob.digest}&from=mount/empty-source`);
    assert.equal(response.status, 202, await response.clone().text());
    assert.equal(await blobStatus('mount/strict', blob.digest), 404);
  });

  it('answers 202 when the from repository does not exist', async () => {
    const blob = randomBlob(300);
    await pushBlob(registry.url, 'mount/holder', blob);
    const response = await mount('mount/strict', `mount=${blob.digest}&from=mount/never-existed`);
    assert.equal(response.status, 202);
    assert.equal(await blobStatus('mount/strict', blob.digest), 404);
  });

  it('mounts without from when some repository holds the blob (201)', async () => {
    const blob = randomBlob(300);
    await pushBlob(registry.url, 'mount/anywhere', blob);
    const response = await mount('mount/fromless', `mount=${blob.digest}`);
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('location'), `/v2/mount/fromless/blobs/${blob.digest}`);
    assert.equal(response.headers.get('docker-content-digest'), blob.digest);
    assert.equal(await blobStatus('mount/fromless', blob.digest), 200);
  });

  it('answers 202 to a mount without from when no repository holds the blob', async () => {
    const blob = randomBlob(300);
    const response = await mount('mount/fromless', `mount=${blob.digest}`);
    assert.equal(response.status, 202);
  });

  it('does not mount a blob whose only link was deleted (202)', async () => {
    const blob = randomBlob(300);
    await pushBlob(registry.url, 'mount/deleted', blob);
    assert.equal((await fetch(`${registry.url}/v2/mount/deleted/blobs/${blob.digest}`, { method: 'DELETE' })).status, 202);
    const response = await mount('mount/after-delete', `mount=${blob.digest}&from=mount/deleted`);
    assert.equal(response.status, 202);
    assert.equal(await blobStatus('mount/after-delete', blob.digest), 404);
  });

  it('returns 400 DIGEST_INVALID for a malformed mount digest and opens no session', async () => {
    const response = await mount('mount/bad', 'mount=sha256:nothex&from=mount/source');
    await assertError(response, 400, 'DIGEST_INVALID');
    const catalog = (await (await fetch(`${registry.url}/v2/_catalog`)).json()) as { repositories: string[] };
    assert.ok(!catalog.repositories.includes('mount/bad'));
  });

  it('returns 400 NAME_INVALID for a from that breaks the name grammar', async () => {
    const blob = randomBlob(300);
    await pushBlob(registry.url, 'mount/source', blob);
    const response = await mount('mount/bad', `mount=${blob.digest}&from=Mount/Source`);
    await assertError(response, 400, 'NAME_INVALID');
    assert.equal(await blobStatus('mount/bad', blob.digest), 404);
  });
});
