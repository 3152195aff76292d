/**
 * Descriptor sizes are checked against what the repository stores (400 MANIFEST_INVALID "size
 * mismatch", nothing stored), and URLs the router can't decode (`%ff%fe`) get the OCI error
 * envelope, never the framework's own body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { content, descriptor, imageManifest, pushBlob, pushImage, putManifest, randomBlob } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { assertRawError, assertWordedError, rawRequest } from '../support/spec-http.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

describe('descriptor sizes', () => {
  let registry: TestRegistry;
  before(async () => (registry = await startRegistry()));
  after(async () => registry.stop());

  const head = async (name: string, reference: string): Promise<number> => (await fetch(`${registry.url}/v2/${name}/manifests/${reference}`, { method: 'HEAD' })).status;

  it('refuses a layer declared larger than the stored blob with 400 MANIFEST_INVALID naming both sizes, storing nothing', async () => {
    const config = randomBlob(30);
    const layer = randomBlob(10);
    await pushBlob(registry.url, 'size/app', config);
    await pushBlob(registry.url, 'size/app', layer);
    const manifest = content(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(config, CONFIG), layers: [{ ...descriptor(layer, LAYER), size: 999 }] }));
    const reason = `size mismatch: ${layer.digest} is declared as 999 bytes but the stored content is 10`;
    const error = await assertWordedError(await putManifest(registry.url, 'size/app', 'wrong', manifest, OCI_MANIFEST), 400, 'MANIFEST_INVALID', reason);
    assert.deepEqual(error.detail, { reason, mismatches: [{ digest: layer.digest, declared: 999, stored: 10 }] });
    assert.equal(await head('size/app', 'wrong'), 404);
    assert.equal(await head('size/app', manifest.digest), 404);
  });

  it('refuses a config declared smaller than the stored blob', async () => {
    const config = randomBlob(30);
    await pushBlob(registry.url, 'size/config', config);
    const manifest = content(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...descriptor(config, CONFIG), size: 29 }, layers: [] }));
    await assertWordedError(await putManifest(registry.url, 'size/config', 'v1', manifest, OCI_MANIFEST), 400, 'MANIFEST_INVALID', `size mismatch: ${config.digest} is declared as 29 bytes but the stored content is 30`);
    assert.equal(await head('size/config', 'v1'), 404);
  });

  it('refuses an index entry declared with another size than the stored child manifest', async () => {
    const child = imageManifest();
    await pushImage(registry.url, 'size/index', 'child', child);
    const index = content(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...descriptor(child.manifest, child.mediaType), size: child.manifest.size + 1 }] }));
    const reason = `size mismatch: ${child.manifest.digest} is declared as ${child.manifest.size + 1} bytes but the stored content is ${child.manifest.size}`;
    await assertWordedError(await putManifest(registry.url, 'size/index', 'multi', index, OCI_INDEX), 400, 'MANIFEST_INVALID', reason);
    assert.equal(await head('size/index', 'multi'), 404);
  });

  it('refuses one digest declared with two sizes in the same manifest', async () => {
    const config = randomBlob(30);
    const layer = randomBlob(10);
    await pushBlob(registry.url, 'size/twice', config);
    await pushBlob(registry.url, 'size/twice', layer);
    const manifest = content(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(config, CONFIG), layers: [descriptor(layer, LAYER), { ...descriptor(layer, LAYER), size: 11 }] }));
    const response = await putManifest(registry.url, 'size/twice', 'v1', manifest, OCI_MANIFEST);
    const body = (await response.json()) as { errors: { code: string; detail: { reason: string } }[] };
    assert.equal(response.status, 400);
    assert.equal(body.errors[0]?.code, 'MANIFEST_INVALID');
    assert.equal(body.errors[0]?.detail.reason, `size mismatch: ${layer.digest} is declared as both 10 and 11 bytes`);
  });

  it('still accepts exact sizes and foreign layers of any size', async () => {
    const config = randomBlob(30);
    const layer = randomBlob(10);
    await pushBlob(registry.url, 'size/ok', config);
    await pushBlob(registry.url, 'size/ok', layer);
    const foreign = { mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', digest: `sha256:${'a'.repeat(64)}`, size: 12345, urls: ['https://example.com/layer'] };
    const manifest = content(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(config, CONFIG), layers: [descriptor(layer, LAYER), foreign] }));
    const response = await putManifest(registry.url, 'size/ok', 'v1', manifest, OCI_MANIFEST);
    assert.equal(response.status, 201, await response.text());
  });
});

describe('URLs that do not decode', () => {
  let registry: TestRegistry;
  before(async () => (registry = await startRegistry()));
  after(async () => registry.stop());

  const NOT_UTF8 = 'the URL holds percent-encoding that does not decode to UTF-8';

  it('answers PUT /v2/a/x/manifests/%ff%fe with 400 MANIFEST_INVALID in the OCI envelope', async () => {
    const response = await rawRequest(registry.url, 'PUT', '/v2/a/x/manifests/%ff%fe', { headers: { 'Content-Type': OCI_MANIFEST }, body: new TextEncoder().encode('{}') });
    const error = assertRawError(response, 400, 'MANIFEST_INVALID');
    assert.deepEqual(error.detail, { reason: `the reference is not a valid tag or digest: ${NOT_UTF8}` });
    assert.equal(response.headers['docker-distribution-api-version'], 'registry/2.0');
    assert.ok(!response.body.toString().includes('FST_ERR'), response.body.toString());
  });

  it('answers a GET of such a manifest with 404 MANIFEST_UNKNOWN, as for any reference that is no tag', async () => {
    assertRawError(await rawRequest(registry.url, 'GET', '/v2/a/x/manifests/%ff%fe'), 404, 'MANIFEST_UNKNOWN');
  });

  it('answers such a name with 400 NAME_INVALID, a digest with 400 DIGEST_INVALID, anything else with 400 UNSUPPORTED', async () => {
    assertRawError(await rawRequest(registry.url, 'GET', '/v2/a%ff/x/tags/list'), 400, 'NAME_INVALID');
    assertRawError(await rawRequest(registry.url, 'GET', '/v2/a/x/blobs/sha256:%ff'), 400, 'DIGEST_INVALID');
    const other = assertRawError(await rawRequest(registry.url, 'GET', '/v2/%ff'), 400, 'UNSUPPORTED');
    assert.deepEqual(other.detail, { reason: NOT_UTF8, path: '/v2/%ff' });
  });

  it('answers the admin API in its own envelope', async () => {
    const response = await rawRequest(registry.url, 'GET', '/api/v1/users/%ff');
    assert.equal(response.status, 400);
    assert.deepEqual(JSON.parse(response.body.toString()), { errors: [{ code: 'INVALID_REQUEST', message: NOT_UTF8 }] });
  });
});
