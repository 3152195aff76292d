import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { content, randomBlob, type Content } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import {
  assertError,
  assertSessionRange,
  openSession,
  patchChunk,
  resolveLocation,
  sendTruncated,
  settle,
  streamOf,
  streamedInit,
  withQuery,
} from '../support/spec-http.js';

// distribution-spec: "Pushing a blob in chunks" — PATCH with inclusive Content-Range, 202 with
// Location and Range, 416 out of order, GET status, final chunk in the closing PUT.
describe('chunked uploads', () => {
  let registry: TestRegistry;
  const name = 'chunked/app';
  before(async () => (registry = await startRegistry()));
  after(async () => registry.stop());

  async function pulled(digest: string): Promise<Buffer> {
    const response = await fetch(`${registry.url}/v2/${name}/blobs/${digest}`);
    assert.equal(response.status, 200);
    return Buffer.from(await response.arrayBuffer());
  }

  async function close(location: URL, blob: Content, finalChunk?: { bytes: Uint8Array; range?: string }): Promise<Response> {
    return fetch(withQuery(location, { digest: blob.digest }), {
      method: 'PUT',
      headers: {
        'Content-Type': 'application/octet-stream',
        ...(finalChunk?.range === undefined ? {} : { 'Content-Range': finalChunk.range }),
      },
      ...(finalChunk === undefined ? {} : { body: new Uint8Array(finalChunk.bytes) }),
    });
  }

  it('uploads three chunks, each answered 202 with Location and the new Range, then closes with 201', async () => {
    const blob = randomBlob(25);
    let { location } = await openSession(registry.url, name);
    const chunks: [number, number][] = [[0, 9], [10, 19], [20, 24]];
    for (const [start, end] of chunks) {
      const response = await patchChunk(location, blob.bytes.subarray(start, end + 1), `${start}-${end}`);
      assert.equal(response.status, 202, await response.clone().text());
      assert.equal(response.headers.get('range'), `0-${end}`);
      assert.match(response.headers.get('docker-upload-uuid') ?? '', /^[0-9a-f-]{36}$/);
      location = resolveLocation(registry.url, response);
    }
    const done = await close(location, blob);
    assert.equal(done.status, 201, await done.clone().text());
    assert.equal(done.headers.get('location'), `/v2/${name}/blobs/${blob.digest}`);
    assert.equal(done.headers.get('docker-content-digest'), blob.digest);
    assert.ok((await pulled(blob.digest)).equals(blob.bytes));
  });

  it('returns 416 for a chunk that skips ahead and leaves the upload unchanged', async () => {
    const blob = randomBlob(30);
    const { location } = await openSession(registry.url, name);
    assert.equal((await patchChunk(location, blob.bytes.subarray(0, 10), '0-9')).status, 202);
    const skipped = await patchChunk(location, blob.bytes.subarray(20, 30), '20-29');
    assert.equal(skipped.headers.get('range'), '0-9');
    await assertError(skipped, 416, 'BLOB_UPLOAD_INVALID');
    await assertSessionRange(location, '0-9');
    assert.equal((await patchChunk(location, blob.bytes.subarray(10, 20), '10-19')).status, 202);
    assert.equal((await patchChunk(location, blob.bytes.subarray(20, 30), '20-29')).status, 202);
    assert.equal((await close(location, blob)).status, 201);
    assert.ok((await pulled(blob.digest)).equals(blob.bytes));
  });

  it('returns 416 for a chunk that overlaps the bytes already received and leaves the upload unchanged', async () => {
    const blob = randomBlob(20);
    const { location } = await openSession(registry.url, name);
    assert.equal((await patchChunk(location, blob.bytes.subarray(0, 10), '0-9')).status, 202);
    await assertError(await patchChunk(location, blob.bytes.subarray(5, 15), '5-14'), 416, 'BLOB_UPLOAD_INVALID');
    await assertSessionRange(location, '0-9');
    assert.equal((await patchChunk(location, blob.bytes.subarray(10, 20), '10-19')).status, 202);
    assert.equal((await close(location, blob)).status, 201);
    assert.ok((await pulled(blob.digest)).equals(blob.bytes));
  });

  it('returns 416 for a first chunk that does not begin at 0', async () => {
    const blob = randomBlob(10);
    const { location } = await openSession(registry.url, name);
    await assertError(await patchChunk(location, blob.bytes.subarray(0, 5), '5-9'), 416, 'BLOB_UPLOAD_INVALID');
    await assertSessionRange(location, '0-0');
  });

  it('returns 416 for a chunk repeated after it was accepted, keeping one copy', async () => {
    const blob = randomBlob(20);
    const { location } = await openSession(registry.url, name);
    assert.equal((await patchChunk(location, blob.bytes.subarray(0, 10), '0-9')).status, 202);
    await assertError(await patchChunk(location, blob.bytes.subarray(0, 10), '0-9'), 416, 'BLOB_UPLOAD_INVALID');
    assert.equal((await patchChunk(location, blob.bytes.subarray(10, 20), '10-19')).status, 202);
    assert.equal((await close(location, blob)).status, 201);
  });

  it('accepts one of two concurrent PATCHes for the same range and answers the other 416', async () => {
    const blob = randomBlob(512 * 1024);
    const { location } = await openSession(registry.url, name);
    const responses = await Promise.all([0, 1].map(() => patchChunk(location, blob.bytes, `0-${blob.size - 1}`)));
    assert.deepEqual(responses.map((r) => r.status).sort(), [202, 416]);
    await assertSessionRange(location, `0-${blob.size - 1}`);
    assert.equal((await close(location, blob)).status, 201);
    assert.ok((await pulled(blob.digest)).equals(blob.bytes));
  });

  it('accepts a streamed PATCH without Content-Range or Content-Length (chunked transfer encoding)', async () => {
    const blob = randomBlob(3000);
    const { location } = await openSession(registry.url, name);
    const body = streamOf(blob.bytes.subarray(0, 1000), blob.bytes.subarray(1000, 2000), blob.bytes.subarray(2000));
    const response = await fetch(location, streamedInit('PATCH', body, { 'Content-Type': 'application/octet-stream' }));
    assert.equal(response.status, 202, await response.clone().text());
    assert.equal(response.headers.get('range'), '0-2999');
    const done = await close(resolveLocation(registry.url, response), blob);
    assert.equal(done.status, 201);
    assert.ok((await pulled(blob.digest)).equals(blob.bytes));
  });

  it('appends consecutive PATCHes without Content-Range', async () => {
    const blob = randomBlob(40);
    let { location } = await openSession(registry.url, name);
    for (const [start, end] of [[0, 15], [15, 40]] as const) {
      const response = await patchChunk(location, blob.bytes.subarray(start, end));
      assert.equal(response.status, 202);
      assert.equal(response.headers.get('range'), `0-${end - 1}`);
      location = resolveLocation(registry.url, response);
    }
    assert.equal((await close(location, blob)).status, 201);
    assert.ok((await pulled(blob.digest)).equals(blob.bytes));
  });

  it('accepts the final chunk in the closing PUT with Content-Range', async () => {
    const blob = randomBlob(20);
    const { location } = await openSession(registry.url, name);
    const first = await patchChunk(location, blob.bytes.subarray(0, 10), '0-9');
    assert.equal(first.status, 202);
    const done = await close(resolveLocation(registry.url, first), blob, { bytes: blob.bytes.subarray(10), range: '10-19' });
    assert.equal(done.status, 201, await done.clone().text());
    assert.equal(done.headers.get('docker-content-digest'), blob.digest);
    assert.ok((await pulled(blob.digest)).equals(blob.bytes));
  });

  it('accepts the final chunk in the closing PUT without Content-Range', async () => {
    const blob = randomBlob(20);
    const { location } = await openSession(registry.url, name);
    const first = await patchChunk(location, blob.bytes.subarray(0, 10), '0-9');
    const done = await close(resolveLocation(registry.url, first), blob, { bytes: blob.bytes.subarray(10) });
    assert.equal(done.status, 201, await done.clone().text());
    assert.ok((await pulled(blob.digest)).equals(blob.bytes));
  });

  it('returns 416 for a final chunk out of order in the closing PUT, leaving the upload unchanged', async () => {
    const blob = randomBlob(20);
    const { location } = await openSession(registry.url, name);
    assert.equal((await patchChunk(location, blob.bytes.subarray(0, 10), '0-9')).status, 202);
    await assertError(await close(location, blob, { bytes: blob.bytes.subarray(12), range: '12-19' }), 416, 'BLOB_UPLOAD_INVALID');
    await assertSessionRange(location, '0-9');
    assert.equal((await close(location, blob, { bytes: blob.bytes.subarray(10), range: '10-19' })).status, 201);
  });

  it('leaves the upload unchanged when a closing PUT with a final chunk names the wrong digest', async () => {
    // Habits: bad input gets a specific error and changes nothing — a retry with the right
    // digest and the same final chunk must then succeed.
    const blob = randomBlob(20);
    const { location } = await openSession(registry.url, name);
    assert.equal((await patchChunk(location, blob.bytes.subarray(0, 10), '0-9')).status, 202);
    const wrong = await fetch(withQuery(location, { digest: randomBlob(20).digest }), {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '10-19' },
      body: new Uint8Array(blob.bytes.subarray(10)),
    });
    await assertError(wrong, 400, 'DIGEST_INVALID');
    await assertSessionRange(location, '0-9');
    const retry = await close(location, blob, { bytes: blob.bytes.subarray(10), range: '10-19' });
    assert.equal(retry.status, 201, await retry.clone().text());
  });

  it('returns 400 SIZE_INVALID when Content-Length disagrees with Content-Range, leaving the upload unchanged', async () => {
    const blob = randomBlob(20);
    const { location } = await openSession(registry.url, name);
    // Content-Range announces 10 bytes; fetch sends Content-Length: 5 for the 5-byte body.
    await assertError(await patchChunk(location, blob.bytes.subarray(0, 5), '0-9'), 400, 'SIZE_INVALID');
    await assertSessionRange(location, '0-0');
    assert.equal((await patchChunk(location, blob.bytes.subarray(0, 10), '0-9')).status, 202);
    assert.equal((await patchChunk(location, blob.bytes.subarray(10, 20), '10-19')).status, 202);
    assert.equal((await close(location, blob)).status, 201);
    assert.ok((await pulled(blob.digest)).equals(blob.bytes));
  });

  it('returns 400 SIZE_INVALID when a streamed body is longer than its Content-Range, leaving the upload unchanged', async () => {
    const blob = randomBlob(20);
    const { location } = await openSession(registry.url, name);
    const body = streamOf(blob.bytes.subarray(0, 20));
    const response = await fetch(location, streamedInit('PATCH', body, { 'Content-Type': 'application/octet-stream', 'Content-Range': '0-9' }));
    await assertError(response, 400, 'SIZE_INVALID');
    await assertSessionRange(location, '0-0');
  });

  it('changes nothing when a PATCH body ends before its Content-Length (client gone)', async () => {
    const blob = randomBlob(1005);
    const { location } = await openSession(registry.url, name);
    assert.equal((await patchChunk(location, blob.bytes.subarray(0, 5), '0-4')).status, 202);
    await sendTruncated(registry.url, 'PATCH', location.pathname + location.search, { 'Content-Type': 'application/octet-stream', 'Content-Range': '5-1004' }, 1000, blob.bytes.subarray(5, 15));
    await settle();
    await assertSessionRange(location, '0-4');
    const resumed = await patchChunk(location, blob.bytes.subarray(5), '5-1004');
    assert.equal(resumed.status, 202, await resumed.clone().text());
    assert.equal(resumed.headers.get('range'), '0-1004');
    assert.equal((await close(location, blob)).status, 201);
    assert.ok((await pulled(blob.digest)).equals(blob.bytes));
  });

  it('changes nothing when a PATCH without Content-Range ends early', async () => {
    const blob = randomBlob(1010);
    const { location } = await openSession(registry.url, name);
    assert.equal((await patchChunk(location, blob.bytes.subarray(0, 10))).status, 202);
    await sendTruncated(registry.url, 'PATCH', location.pathname + location.search, { 'Content-Type': 'application/octet-stream' }, 1000, blob.bytes.subarray(10, 20));
    await settle();
    await assertSessionRange(location, '0-9');
    assert.equal((await patchChunk(location, blob.bytes.subarray(10))).status, 202);
    assert.equal((await close(location, blob)).status, 201);
    assert.ok((await pulled(blob.digest)).equals(blob.bytes));
  });

  it('stores nothing when a monolithic PUT body ends early, and the session still completes', async () => {
    const blob = randomBlob(1000);
    const { location } = await openSession(registry.url, name);
    const path = withQuery(location, { digest: blob.digest });
    await sendTruncated(registry.url, 'PUT', path.pathname + path.search, { 'Content-Type': 'application/octet-stream' }, 1000, blob.bytes.subarray(0, 10));
    await settle();
    const head = await fetch(`${registry.url}/v2/${name}/blobs/${blob.digest}`, { method: 'HEAD' });
    assert.equal(head.status, 404);
    await assertSessionRange(location, '0-0');
    assert.equal((await close(location, blob, { bytes: blob.bytes })).status, 201);
  });

  it('stores nothing when a single POST ?digest= body ends early', async () => {
    const blob = randomBlob(1000);
    await sendTruncated(registry.url, 'POST', `/v2/chunked/early-post/blobs/uploads/?digest=${blob.digest}`, { 'Content-Type': 'application/octet-stream' }, 1000, blob.bytes.subarray(0, 10));
    await settle();
    const head = await fetch(`${registry.url}/v2/chunked/early-post/blobs/${blob.digest}`, { method: 'HEAD' });
    assert.equal(head.status, 404);
  });

  it('accepts an empty final PUT after chunks, with Content-Length: 0', async () => {
    const blob = content('hello, chunked world');
    const { location } = await openSession(registry.url, name);
    const first = await patchChunk(location, blob.bytes, `0-${blob.size - 1}`);
    const done = await fetch(withQuery(resolveLocation(registry.url, first), { digest: blob.digest }), { method: 'PUT', headers: { 'Content-Length': '0' } });
    assert.equal(done.status, 201, await done.clone().text());
  });

  it('accepts PATCH without Content-Type', async () => {
    const blob = randomBlob(10);
    const { location } = await openSession(registry.url, name);
    const response = await fetch(location, { method: 'PATCH', body: new Uint8Array(blob.bytes) });
    assert.equal(response.status, 202, await response.clone().text());
    assert.equal(response.headers.get('range'), '0-9');
  });
});
