import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { content, imageManifest, pushImage, randomBlob } from '../support/fixtures.js';
import { freePort, spawnRegistry, type RegistryProcess } from '../support/registry.js';

const MiB = 1024 * 1024;

/** Sends a PATCH whose body trickles in, so the server is mid-chunk when it is killed. */
function trickle(url: string, bytes: Buffer, headers: Record<string, string>, method = 'PATCH'): Promise<unknown> {
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (let i = 0; i < bytes.length; i += 64 * 1024) {
        controller.enqueue(bytes.subarray(i, i + 64 * 1024));
        await new Promise((r) => setTimeout(r, 5));
      }
      controller.close();
    },
  });
  return fetch(url, { method, headers, body, duplex: 'half' } as RequestInit).catch((error: unknown) => error);
}

async function killHard(registry: RegistryProcess): Promise<void> {
  registry.child.kill('SIGKILL');
  await registry.exited;
}

/** Every tagged manifest's blobs and children are readable and hash right. */
async function assertConsistent(url: string): Promise<number> {
  let checked = 0;
  const catalog = (await (await fetch(`${url}/v2/_catalog`)).json()) as { repositories: string[] };
  for (const name of catalog.repositories) {
    const list = await fetch(`${url}/v2/${name}/tags/list`);
    if (list.status !== 200) continue;
    const { tags } = (await list.json()) as { tags: string[] };
    for (const tag of tags) {
      const response = await fetch(`${url}/v2/${name}/manifests/${tag}`);
      assert.equal(response.status, 200, `${name}:${tag} pulls`);
      const doc = (await response.json()) as { config: { digest: string }; layers: { digest: string }[] };
      for (const { digest } of [doc.config, ...doc.layers]) {
        const blob = await fetch(`${url}/v2/${name}/blobs/${digest}`);
        assert.equal(blob.status, 200, `${name}:${tag} blob ${digest} is readable`);
        assert.equal(content(Buffer.from(await blob.arrayBuffer())).digest, digest, 'blob bytes match their digest');
        checked++;
      }
    }
  }
  return checked;
}

describe('kill -9 during pushes', () => {
  let dataDir: string;
  let port: number;
  let registry: RegistryProcess;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-kill-'));
    port = await freePort();
    registry = await spawnRegistry(dataDir, port, { BERTH_LOG_LEVEL: 'info' });
  });
  after(async () => {
    registry.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('resumes an interrupted chunked upload after a restart and leaves no partial blob readable', async () => {
    const blob = randomBlob(3 * MiB);
    const half = randomBlob(2 * MiB);
    const name = 'crash/chunked';
    const start = await fetch(`${registry.url}/v2/${name}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
    const location = start.headers.get('location') as string;
    const first = await fetch(`${registry.url}${location}`, {
      method: 'PATCH',
      headers: { 'Content-Range': `0-${MiB - 1}`, 'Content-Length': String(MiB), 'Content-Type': 'application/octet-stream' },
      body: new Uint8Array(blob.bytes.subarray(0, MiB)),
    });
    assert.equal(first.status, 202);
    // A second chunk and a monolithic push are both mid-body when the server dies.
    const secondChunk = trickle(`${registry.url}${location}`, blob.bytes.subarray(MiB, 2 * MiB), { 'Content-Range': `${MiB}-${2 * MiB - 1}`, 'Content-Length': String(MiB) });
    const monolithic = trickle(`${registry.url}/v2/${name}/blobs/uploads/?digest=${half.digest}`, half.bytes, { 'Content-Length': String(half.size) }, 'POST');
    await new Promise((r) => setTimeout(r, 60));
    await killHard(registry);
    await Promise.all([secondChunk, monolithic]);

    registry = await spawnRegistry(dataDir, port, { BERTH_LOG_LEVEL: 'info' });
    assert.equal((await fetch(`${registry.url}/v2/${name}/blobs/${half.digest}`, { method: 'HEAD' })).status, 404, 'the half-sent monolithic blob is not readable');
    const status = await fetch(`${registry.url}${location}`);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), `0-${MiB - 1}`, 'only the committed first chunk counts');
    const rest = await fetch(`${registry.url}${location}?digest=${blob.digest}`, {
      method: 'PUT',
      headers: { 'Content-Range': `${MiB}-${blob.size - 1}`, 'Content-Length': String(blob.size - MiB), 'Content-Type': 'application/octet-stream' },
      body: new Uint8Array(blob.bytes.subarray(MiB)),
    });
    assert.equal(rest.status, 201, await rest.text());
    const pulled = Buffer.from(await (await fetch(`${registry.url}/v2/${name}/blobs/${blob.digest}`)).arrayBuffer());
    assert.equal(content(pulled).digest, blob.digest);
  });

  it('never leaves a tagged manifest pointing at a missing blob when killed at random moments', async () => {
    for (let round = 0; round < 4; round++) {
      let stop = false;
      const pushes = (async () => {
        for (let i = 0; !stop; i++) {
          await pushImage(registry.url, `crash/round${round}`, `t${i}`, imageManifest({ layers: 3, layerSize: 256 * 1024 })).catch(() => undefined);
        }
      })();
      await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 400)));
      await killHard(registry);
      stop = true;
      await pushes;
      registry = await spawnRegistry(dataDir, port, { BERTH_LOG_LEVEL: 'info' });
    }
    const checked = await assertConsistent(registry.url);
    assert.ok(checked > 0, 'some images were pushed before the kills');
  });
});
