import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { assertError, openSession, rawRequest } from '../support/spec-http.js';

describe('GET /v2/ and the error envelope', () => {
  let registry: TestRegistry;
  before(async () => (registry = await startRegistry()));
  after(async () => registry.stop());

  it('answers GET /v2/ with 200 and Docker-Distribution-API-Version: registry/2.0', async () => {
    const response = await fetch(`${registry.url}/v2/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.deepEqual(await response.json(), {});
  });

  it('answers HEAD /v2/ with 200 and no body', async () => {
    const response = await fetch(`${registry.url}/v2/`, { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.equal(await response.text(), '');
  });

  it('answers GET /v2 (no trailing slash) with 200', async () => {
    const response = await fetch(`${registry.url}/v2`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('docker-distribution-api-version'), 'registry/2.0');
  });

  it('sends Docker-Distribution-API-Version on error responses too', async () => {
    const response = await fetch(`${registry.url}/v2/library/none/manifests/latest`);
    assert.equal(response.headers.get('docker-distribution-api-version'), 'registry/2.0');
    await assertError(response, 404, 'MANIFEST_UNKNOWN');
  });

  it('returns 404 with a JSON error body for an unknown /v2 route', async () => {
    const response = await fetch(`${registry.url}/v2/library/app/unknown-resource/x`);
    await assertError(response, 404, 'UNSUPPORTED');
  });

  it('returns 404 with a JSON error body for a path outside /v2', async () => {
    const response = await fetch(`${registry.url}/v3/`);
    await assertError(response, 404, 'UNSUPPORTED');
  });

  it('returns 405 for POST /v2/', async () => {
    const response = await fetch(`${registry.url}/v2/`, { method: 'POST' });
    await assertError(response, 405, 'UNSUPPORTED');
  });

  it('returns 405 for POST on a manifest', async () => {
    const response = await fetch(`${registry.url}/v2/library/app/manifests/latest`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    await assertError(response, 405, 'UNSUPPORTED');
  });

  it('returns 405 for PUT on a blob', async () => {
    const response = await fetch(`${registry.url}/v2/library/app/blobs/sha256:${'a'.repeat(64)}`, { method: 'PUT', body: 'x', headers: { 'Content-Type': 'application/octet-stream' } });
    await assertError(response, 405, 'UNSUPPORTED');
  });

  it('returns 405 for DELETE on the tags list', async () => {
    const response = await fetch(`${registry.url}/v2/library/app/tags/list`, { method: 'DELETE' });
    await assertError(response, 405, 'UNSUPPORTED');
  });

  it('returns 405 for PATCH on the uploads collection', async () => {
    const response = await fetch(`${registry.url}/v2/library/app/blobs/uploads/`, { method: 'PATCH', body: 'x', headers: { 'Content-Type': 'application/octet-stream' } });
    await assertError(response, 405, 'UNSUPPORTED');
  });

  it('returns 405 for DELETE on _catalog', async () => {
    const response = await fetch(`${registry.url}/v2/_catalog`, { method: 'DELETE' });
    await assertError(response, 405, 'UNSUPPORTED');
  });

  // RFC 9110 §15.5.6: "The origin server MUST generate an Allow header field in a 405 response".
  it('lists the allowed methods in an Allow header on 405 (RFC 9110 §15.5.6)', async () => {
    const response = await fetch(`${registry.url}/v2/library/app/tags/list`, { method: 'DELETE' });
    assert.equal(response.status, 405);
    const allow = (response.headers.get('allow') ?? '').split(',').map((m) => m.trim()).sort();
    assert.deepEqual(allow, ['GET', 'HEAD']);
  });

  // RFC 9110 §9.1: "All general-purpose servers MUST support the methods GET and HEAD"; the
  // spec's API section defers to RFC 9110 where it says nothing itself.
  const headable: [string, (url: string) => Promise<string>, number][] = [
    ['the tags list', async () => '/v2/head/app/tags/list', 200],
    ['_catalog', async () => '/v2/_catalog', 200],
    ['the referrers list', async () => `/v2/head/app/referrers/sha256:${'3'.repeat(64)}`, 200],
    ['an upload session', async (url) => (await openSession(url, 'head/app')).location.pathname, 204],
  ];
  for (const [what, path, status] of headable) {
    it(`answers HEAD on ${what} like GET, without a body`, async () => {
      const blob = await fetch(`${registry.url}/v2/head/app/blobs/uploads/?digest=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a`, { method: 'POST', body: '{}' });
      assert.equal(blob.status, 201);
      const target = await path(registry.url);
      const get = await fetch(`${registry.url}${target}`);
      assert.equal(get.status, status);
      const head = await rawRequest(registry.url, 'HEAD', target);
      assert.equal(head.status, status, `HEAD ${target} answered ${head.status}, GET ${get.status}`);
      assert.equal(head.body.length, 0);
    });
  }

  it('answers an unknown manifest HEAD with 404 and no body', async () => {
    const response = await fetch(`${registry.url}/v2/library/none/manifests/latest`, { method: 'HEAD' });
    assert.equal(response.status, 404);
    assert.equal(await response.text(), '');
  });
});
