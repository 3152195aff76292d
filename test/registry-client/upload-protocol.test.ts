import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RegistryClient, RegistryClientError } from '../../src/registry-client/index.js';
import { content, randomBlob } from '../support/fixtures.js';
import { drain, scriptedServer, type ScriptedServer } from './support.js';

describe('registry client: upload and stream protocol details against a scripted registry', () => {
  const servers: ScriptedServer[] = [];
  const clients: RegistryClient[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.stop()));
  });
  const client = (url: string): RegistryClient => {
    const made = new RegistryClient(url);
    clients.push(made);
    return made;
  };

  it('follows each PATCH Location and resends what the returned Range says was not kept', async () => {
    const blob = randomBlob(10_000);
    let stored = Buffer.alloc(0);
    let step = 0;
    const server = await scriptedServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      if (req.method === 'POST') {
        res.writeHead(202, { location: `/v2/a/blobs/uploads/s?step=0`, range: '0-0' }).end();
      } else if (req.method === 'PATCH') {
        assert.equal(url.searchParams.get('step'), String(step), 'PATCH goes to the latest Location');
        const [start] = String(req.headers['content-range']).split('-').map(Number);
        assert.equal(start, stored.length, 'Content-Range starts where the registry said it stopped');
        // Keep only half of what came (at least one byte), as a registry that cut a chunk might.
        const keep = req.body.subarray(0, Math.max(1, Math.floor(req.body.length / 2)));
        stored = Buffer.concat([stored, keep]);
        step++;
        res.writeHead(202, { location: `/v2/a/blobs/uploads/s?step=${step}`, range: `0-${stored.length - 1}` }).end();
      } else if (req.method === 'PUT') {
        assert.equal(url.searchParams.get('digest'), blob.digest);
        assert.equal(url.searchParams.get('step'), String(step));
        assert.deepEqual(stored, blob.bytes);
        res.writeHead(201, { location: `/v2/a/blobs/${blob.digest}` }).end();
      }
    });
    servers.push(server);
    await client(server.url).uploadBlobChunked('a', blob.digest, blob.bytes, { chunkSize: 3000 });
    assert.deepEqual(stored, blob.bytes);
    assert.ok(server.seen.filter((r) => r.method === 'PATCH').length > 4, 'more PATCHes than chunks');
  });

  it('refuses a Range beyond what was sent', async () => {
    const blob = randomBlob(100);
    const server = await scriptedServer((req, res) => {
      if (req.method === 'POST') res.writeHead(202, { location: '/v2/a/blobs/uploads/s' }).end();
      else res.writeHead(202, { location: '/v2/a/blobs/uploads/s', range: '0-5000' }).end();
    });
    servers.push(server);
    await assert.rejects(client(server.url).uploadBlobChunked('a', blob.digest, blob.bytes, { chunkSize: 50 }), (e: unknown) => e instanceof RegistryClientError && e.kind === 'protocol');
  });

  it('falls back to PUT when a registry answers the single-POST form with a session', async () => {
    const blob = content('single post bytes');
    const server = await scriptedServer((req, res) => {
      if (req.method === 'POST') res.writeHead(202, { location: '/v2/a/blobs/uploads/s' }).end();
      else res.writeHead(201).end();
    });
    servers.push(server);
    await client(server.url).uploadBlob('a', blob.digest, blob.bytes, { singleRequest: true });
    assert.deepEqual(server.seen.map((r) => `${r.method} ${r.url}`), [`POST /v2/a/blobs/uploads/?digest=${encodeURIComponent(blob.digest)}`, `PUT /v2/a/blobs/uploads/s?digest=${encodeURIComponent(blob.digest)}`]);
    assert.deepEqual(server.seen[1]?.body, blob.bytes);
  });

  it('fails a streamed blob with a typed error when the caller aborts mid-body', async () => {
    const blob = randomBlob(64 * 1024);
    const server = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.size) });
      res.write(blob.bytes.subarray(0, 1024));
      // …and the rest never comes.
    });
    servers.push(server);
    const controller = new AbortController();
    const { stream } = await client(server.url).getBlob('a', blob.digest, { signal: controller.signal });
    const reading = drain(stream);
    setImmediate(() => controller.abort());
    await assert.rejects(reading, (e: unknown) => e instanceof RegistryClientError && e.kind === 'aborted');
  });

  it('lets a long-lived caller signal serve many calls without collecting listeners', async () => {
    const server = await scriptedServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"a","tags":[]}'));
    servers.push(server);
    const controller = new AbortController();
    const c = client(server.url);
    let warned = false;
    const onWarning = (warning: Error): void => {
      if (warning.name === 'MaxListenersExceededWarning') warned = true;
    };
    process.on('warning', onWarning);
    for (let i = 0; i < 30; i++) await c.listTags('a', { signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    assert.equal(warned, false);
  });
});
