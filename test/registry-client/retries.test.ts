import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { RegistryClient, RegistryClientError, parseRetryAfter, type RegistryClientOptions } from '../../src/registry-client/index.js';
import { content } from '../support/fixtures.js';
import { drain, json, scriptedServer, type ScriptedServer } from './support.js';

/** A client whose waits are recorded and skipped, so the suite never sleeps through a backoff. */
function quickClient(url: string, options: RegistryClientOptions = {}): { client: RegistryClient; waits: number[] } {
  const waits: number[] = [];
  const client = new RegistryClient(url, {
    retry: { retries: 3, baseDelayMs: 100, maxDelayMs: 5000 },
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
  return { client, waits };
}

const manifest = content(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }));

describe('registry client: retries, Retry-After, deadlines, redirects', () => {
  const servers: ScriptedServer[] = [];
  const clients: RegistryClient[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.stop()));
  });
  const track = <T extends { client: RegistryClient }>(made: T): T => {
    clients.push(made.client);
    return made;
  };

  it('waits as Retry-After says on a 429, then succeeds', async () => {
    const server = await scriptedServer((_req, res, seen) => {
      if (seen.length === 1) json(res, 429, { errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] }, { 'retry-after': '1' });
      else json(res, 200, { name: 'a', tags: ['x'] });
    });
    servers.push(server);
    const { client, waits } = track(quickClient(server.url));
    assert.deepEqual(await client.listTags('a'), ['x']);
    assert.equal(server.seen.length, 2);
    assert.deepEqual(waits, [1000]);
  });

  it('caps Retry-After at the policy maximum and reads HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:07 GMT', now), 7000);
    assert.equal(parseRetryAfter('12', now), 12000);
    assert.equal(parseRetryAfter('soon', now), undefined);
  });

  it('retries a 503 twice with growing jittered backoff, then returns the answer', async () => {
    const server = await scriptedServer((_req, res, seen) => {
      if (seen.length <= 2) json(res, 503, { errors: [{ code: 'UNAVAILABLE', message: 'busy' }] });
      else res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': manifest.digest }).end(manifest.bytes);
    });
    servers.push(server);
    const { client, waits } = track(quickClient(server.url));
    const fetched = await client.getManifest('a', manifest.digest);
    assert.deepEqual(fetched.bytes, manifest.bytes);
    assert.equal(fetched.registryDigest, manifest.digest);
    assert.equal(server.seen.length, 3);
    // Full jitter with random() = 0.5: half of 100 ms, then half of 200 ms.
    assert.deepEqual(waits, [50, 100]);
  });

  it('retries a manifest PUT (idempotent) but never a request with a streamed body', async () => {
    const server = await scriptedServer((req, res) => {
      if (req.method === 'POST') res.writeHead(202, { location: '/v2/a/blobs/uploads/1' }).end();
      else json(res, 503, { errors: [{ code: 'UNAVAILABLE', message: 'busy' }] });
    });
    servers.push(server);
    const { client } = track(quickClient(server.url));
    await assert.rejects(client.putManifest('a', 'v1', manifest.bytes), (e: unknown) => e instanceof RegistryClientError && e.status === 503);
    assert.equal(server.seen.filter((r) => r.method === 'PUT').length, 4, 'first try and three retries');
    const blob = content('streamed bytes');
    await assert.rejects(client.uploadBlob('a', blob.digest, Readable.from([blob.bytes]), { size: blob.size }), (e: unknown) => e instanceof RegistryClientError && e.status === 503);
    assert.equal(server.seen.filter((r) => r.method === 'PUT').length, 5, 'the streamed PUT went once');
  });

  it('fails a hanging request at its deadline, and a request whose caller aborts', async () => {
    const server = await scriptedServer(() => undefined);
    servers.push(server);
    const { client } = track(quickClient(server.url, { timeoutMs: 300 }));
    await assert.rejects(client.getManifest('a', 'latest'), (e: unknown) => e instanceof RegistryClientError && e.kind === 'timeout');
    const controller = new AbortController();
    const pending = client.getManifest('a', 'latest', { timeoutMs: 60_000, signal: controller.signal });
    setImmediate(() => controller.abort());
    await assert.rejects(pending, (e: unknown) => e instanceof RegistryClientError && e.kind === 'aborted');
  });

  it('retries connection errors of reads, then reports them typed and without credentials', async () => {
    const server = await scriptedServer(() => undefined);
    const url = server.url;
    await server.stop();
    const { client, waits } = track(quickClient(url, { credentials: { username: 'u', password: 'secret-password' } }));
    await assert.rejects(client.headBlob('a', manifest.digest), (e: unknown) => {
      assert.ok(e instanceof RegistryClientError);
      assert.equal(e.kind, 'connection');
      assert.doesNotMatch(`${e.message} ${String(e.stack)}`, /secret-password|c2VjcmV0/);
      return true;
    });
    assert.equal(waits.length, 3);
  });

  it('follows a blob redirect to another host without the Authorization header', async () => {
    const blob = content('bytes kept in object storage');
    const store = await scriptedServer((_req, res) => res.writeHead(200, { 'content-length': String(blob.size) }).end(blob.bytes), '127.0.0.2');
    servers.push(store);
    const registry = await scriptedServer((req, res) => {
      if (!req.headers.authorization) res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
      else res.writeHead(307, { location: `${store.url}/bucket/blob?X-Signature=abc` }).end();
    });
    servers.push(registry);
    const { client } = track(quickClient(registry.url, { credentials: { username: 'u', password: 'p' } }));
    const { stream } = await client.getBlob('a', blob.digest);
    assert.deepEqual(await drain(stream), blob.bytes);
    assert.equal(registry.seen.at(-1)?.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.equal(store.seen.length, 1);
    assert.equal(store.seen[0]?.headers.authorization, undefined);
    assert.equal(store.seen[0]?.url, '/bucket/blob?X-Signature=abc');
  });

  it('fails the blob stream when the bytes do not match the digest', async () => {
    const blob = content('the real bytes');
    const server = await scriptedServer((_req, res) => res.writeHead(200).end('tampered bytes'));
    servers.push(server);
    const { client } = track(quickClient(server.url));
    const { stream } = await client.getBlob('a', blob.digest);
    await assert.rejects(drain(stream), (e: unknown) => e instanceof RegistryClientError && e.kind === 'digest');
  });

  it('refuses a manifest whose bytes do not hash to the digest asked for', async () => {
    const server = await scriptedServer((_req, res) => res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end('{"other":true}'));
    servers.push(server);
    const { client } = track(quickClient(server.url));
    await assert.rejects(client.getManifest('a', manifest.digest), (e: unknown) => e instanceof RegistryClientError && e.kind === 'digest');
  });

  it('reports the registry error codes, status and URL without the query', async () => {
    const server = await scriptedServer((_req, res) => json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }, { code: 'NAME_UNKNOWN', message: 'x' }] }));
    servers.push(server);
    const { client } = track(quickClient(server.url));
    await assert.rejects(client.getManifest('a/b', 'v1'), (e: unknown) => {
      assert.ok(e instanceof RegistryClientError);
      assert.equal(e.status, 404);
      assert.deepEqual(e.codes, ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);
      assert.equal(e.url, `${server.url}/v2/a/b/manifests/v1`);
      assert.match(e.message, /manifest unknown/);
      return true;
    });
    assert.equal(server.seen.length, 1, 'a 404 is not retried');
  });
});
