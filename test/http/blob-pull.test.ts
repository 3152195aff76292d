import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { content, pushBlob, randomBlob } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { assertError } from '../support/spec-http.js';

// distribution-spec: "Pulling blobs", "Checking if content exists", "Deleting Blobs"; RFC 9110 §14.
describe('blob pull, ranges and delete', () => {
  let registry: TestRegistry;
  const name = 'pull/app';
  // 0123456789abcdefghij: 20 bytes whose positions are easy to read in range assertions.
  const blob = content('0123456789abcdefghij');
  before(async () => {
    registry = await startRegistry();
    await pushBlob(registry.url, name, blob);
  });
  after(async () => registry.stop());

  const blobUrl = (repo: string, digest: string): string => `${registry.url}/v2/${repo}/blobs/${digest}`;

  it('answers GET with 200, the bytes, Content-Length and Docker-Content-Digest', async () => {
    const response = await fetch(blobUrl(name, blob.digest));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-length'), '20');
    assert.equal(response.headers.get('docker-content-digest'), blob.digest);
    assert.equal(Buffer.from(await response.arrayBuffer()).toString(), '0123456789abcdefghij');
  });

  it('answers HEAD with 200, Content-Length, Docker-Content-Digest and no body', async () => {
    const response = await fetch(blobUrl(name, blob.digest), { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-length'), '20');
    assert.equal(response.headers.get('docker-content-digest'), blob.digest);
    assert.equal(await response.text(), '');
  });

  it('serves a large blob whole and byte-exact', async () => {
    const large = randomBlob(3 * 1024 * 1024 + 17);
    await pushBlob(registry.url, name, large);
    const response = await fetch(blobUrl(name, large.digest));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-length'), String(large.size));
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(large.bytes));
  });

  it('answers Range bytes=a-b with 206, Content-Range and exactly those bytes', async () => {
    const response = await fetch(blobUrl(name, blob.digest), { headers: { Range: 'bytes=2-5' } });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), 'bytes 2-5/20');
    assert.equal(response.headers.get('content-length'), '4');
    assert.equal(response.headers.get('docker-content-digest'), blob.digest);
    assert.equal(await response.text(), '2345');
  });

  it('answers Range bytes=a- with 206 from a to the end', async () => {
    const response = await fetch(blobUrl(name, blob.digest), { headers: { Range: 'bytes=15-' } });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), 'bytes 15-19/20');
    assert.equal(response.headers.get('content-length'), '5');
    assert.equal(await response.text(), 'fghij');
  });

  it('answers Range bytes=-n with 206 and the last n bytes', async () => {
    const response = await fetch(blobUrl(name, blob.digest), { headers: { Range: 'bytes=-3' } });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), 'bytes 17-19/20');
    assert.equal(response.headers.get('content-length'), '3');
    assert.equal(await response.text(), 'hij');
  });

  it('clamps a Range end past the blob to its last byte', async () => {
    const response = await fetch(blobUrl(name, blob.digest), { headers: { Range: 'bytes=18-100' } });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), 'bytes 18-19/20');
    assert.equal(await response.text(), 'ij');
  });

  it('answers a suffix longer than the blob with the whole blob as 206', async () => {
    const response = await fetch(blobUrl(name, blob.digest), { headers: { Range: 'bytes=-50' } });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), 'bytes 0-19/20');
    assert.equal(await response.text(), '0123456789abcdefghij');
  });

  it('answers a one-byte Range bytes=0-0 with 206 and the first byte', async () => {
    const response = await fetch(blobUrl(name, blob.digest), { headers: { Range: 'bytes=0-0' } });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), 'bytes 0-0/20');
    assert.equal(await response.text(), '0');
  });

  it('answers a Range starting past the end with 416 and Content-Range: bytes */size', async () => {
    const response = await fetch(blobUrl(name, blob.digest), { headers: { Range: 'bytes=20-' } });
    assert.equal(response.headers.get('content-range'), 'bytes */20');
    await assertError(response, 416, 'UNSUPPORTED');
  });

  it('answers Range bytes=-0 with 416 and Content-Range: bytes */size', async () => {
    const response = await fetch(blobUrl(name, blob.digest), { headers: { Range: 'bytes=-0' } });
    assert.equal(response.headers.get('content-range'), 'bytes */20');
    await assertError(response, 416, 'UNSUPPORTED');
  });

  it('ignores a Range in another unit and answers 200 with the whole blob', async () => {
    const response = await fetch(blobUrl(name, blob.digest), { headers: { Range: 'items=0-1' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-range'), null);
    assert.equal(await response.text(), '0123456789abcdefghij');
  });

  it('answers HEAD with a Range with 206 headers and no body', async () => {
    const response = await fetch(blobUrl(name, blob.digest), { method: 'HEAD', headers: { Range: 'bytes=2-5' } });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), 'bytes 2-5/20');
    assert.equal(response.headers.get('content-length'), '4');
    assert.equal(await response.text(), '');
  });

  it('returns 404 BLOB_UNKNOWN for a digest the registry never saw', async () => {
    const response = await fetch(blobUrl(name, `sha256:${'0'.repeat(64)}`));
    const error = await assertError(response, 404, 'BLOB_UNKNOWN');
    assert.deepEqual(error.detail, { digest: `sha256:${'0'.repeat(64)}` });
  });

  it('answers HEAD of an unknown blob with 404 and no body', async () => {
    const response = await fetch(blobUrl(name, `sha256:${'0'.repeat(64)}`), { method: 'HEAD' });
    assert.equal(response.status, 404);
    assert.equal(await response.text(), '');
  });

  it('returns 404 BLOB_UNKNOWN for a blob that exists only in another repository', async () => {
    await assertError(await fetch(blobUrl('pull/other', blob.digest)), 404, 'BLOB_UNKNOWN');
    const head = await fetch(blobUrl('pull/other', blob.digest), { method: 'HEAD' });
    assert.equal(head.status, 404);
  });

  it('deletes a blob with 202, after which GET and HEAD answer 404 BLOB_UNKNOWN', async () => {
    const doomed = randomBlob(100);
    await pushBlob(registry.url, name, doomed);
    const deleted = await fetch(blobUrl(name, doomed.digest), { method: 'DELETE' });
    assert.equal(deleted.status, 202);
    await assertError(await fetch(blobUrl(name, doomed.digest)), 404, 'BLOB_UNKNOWN');
    assert.equal((await fetch(blobUrl(name, doomed.digest), { method: 'HEAD' })).status, 404);
  });

  it('serves a deleted blob again once it is pushed again', async () => {
    const blob2 = randomBlob(100);
    await pushBlob(registry.url, name, blob2);
    assert.equal((await fetch(blobUrl(name, blob2.digest), { method: 'DELETE' })).status, 202);
    await pushBlob(registry.url, name, blob2);
    const response = await fetch(blobUrl(name, blob2.digest));
    assert.equal(response.status, 200);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(blob2.bytes));
  });

  it('returns 404 BLOB_UNKNOWN when deleting a blob twice', async () => {
    const doomed = randomBlob(100);
    await pushBlob(registry.url, name, doomed);
    assert.equal((await fetch(blobUrl(name, doomed.digest), { method: 'DELETE' })).status, 202);
    await assertError(await fetch(blobUrl(name, doomed.digest), { method: 'DELETE' }), 404, 'BLOB_UNKNOWN');
  });

  it('deleting a blob in one repository leaves it in another', async () => {
    const shared = randomBlob(100);
    await pushBlob(registry.url, 'pull/a', shared);
    await pushBlob(registry.url, 'pull/b', shared);
    assert.equal((await fetch(blobUrl('pull/a', shared.digest), { method: 'DELETE' })).status, 202);
    await assertError(await fetch(blobUrl('pull/a', shared.digest)), 404, 'BLOB_UNKNOWN');
    const kept = await fetch(blobUrl('pull/b', shared.digest));
    assert.equal(kept.status, 200);
    assert.ok(Buffer.from(await kept.arrayBuffer()).equals(shared.bytes));
  });

  it('returns 404 BLOB_UNKNOWN when deleting a blob of an unknown repository', async () => {
    await assertError(await fetch(blobUrl('pull/never', blob.digest), { method: 'DELETE' }), 404, 'BLOB_UNKNOWN');
  });
});
