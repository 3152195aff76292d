/**
 * Three Berth processes on 127.0.0.1 sharing PostgreSQL, a Ceph RGW bucket and Redis, as behind
 * a load balancer without sticky sessions: whatever one node does, the others see.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { buildImage, layoutClosure, layoutDescriptor, readLayoutBlob, tagInLayout, writeLayoutBlobs } from '../e2e/support/images.js';
import { run, tempFolder } from '../e2e/support/run.js';
import type { Content, ImageFixture } from '../support/fixtures.js';
import { dropTestSchema, postgresTestUrl } from '../support/postgres.js';
import { redisTestSettings } from '../support/redis.js';
import { freePort, spawnRegistry, type RegistryProcess } from '../support/registry.js';
import { createTestBucket, type TestBucket } from '../support/s3.js';

const PASSWORD = 'admin-password-1';
const ADMIN = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
const MiB = 1024 * 1024;

const skopeo = (args: string[]) => run('skopeo', ['--insecure-policy', ...args]);
const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A /v2 request as admin (Basic works on /v2 as well as at /token). */
function v2(node: RegistryProcess, path: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string>; duplex?: 'half' } = {}): Promise<Response> {
  return fetch(`${node.url}/v2/${path}`, { redirect: 'manual', ...init, headers: { Authorization: ADMIN, ...init.headers } });
}

async function pushBlob(node: RegistryProcess, name: string, blob: Content): Promise<void> {
  const reply = await v2(node, `${name}/blobs/uploads/?digest=${blob.digest}`, { method: 'POST', body: new Uint8Array(blob.bytes), headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(reply.status, 201, await reply.text());
}

async function putManifest(node: RegistryProcess, name: string, reference: string, image: ImageFixture): Promise<Response> {
  return v2(node, `${name}/manifests/${reference}`, { method: 'PUT', body: new Uint8Array(image.manifest.bytes), headers: { 'Content-Type': image.mediaType } });
}

async function pushImage(node: RegistryProcess, name: string, reference: string, image: ImageFixture): Promise<void> {
  for (const blob of [image.config, ...image.layers]) await pushBlob(node, name, blob);
  const reply = await putManifest(node, name, reference, image);
  assert.equal(reply.status, 201, await reply.text());
}

/** The digest a node serves for name:reference, or the status when it serves none. */
async function servedDigest(node: RegistryProcess, name: string, reference: string): Promise<string | number> {
  const reply = await v2(node, `${name}/manifests/${reference}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
  await reply.arrayBuffer();
  return reply.status === 200 ? (reply.headers.get('docker-content-digest') ?? 'none') : reply.status;
}

/** The blob's bytes through a node, following a redirect to the object store like clients do. */
async function blobBytes(node: RegistryProcess, name: string, digest: string): Promise<Buffer> {
  const reply = await fetch(`${node.url}/v2/${name}/blobs/${digest}`, { headers: { Authorization: ADMIN } });
  assert.equal(reply.status, 200, `${name}@${digest} via ${node.url}`);
  return Buffer.from(await reply.arrayBuffer());
}

/** Polls until `check` holds and returns how long that took, failing after timeoutMs. */
async function timeUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

describe('three nodes sharing PostgreSQL, Ceph RGW and Redis', { timeout: 300_000 }, () => {
  const metadataUrl = postgresTestUrl();
  const redis = redisTestSettings();
  let bucket: TestBucket;
  let work: { path: string; remove(): Promise<void> };
  const dataDirs: string[] = [];
  const nodes: RegistryProcess[] = [];
  const pushed: { name: string; tag: string; digest: string }[] = [];

  /** Starts node i (1-based) on a fresh port; nodes share everything but their empty data folders. */
  async function startNode(i: number, extra: Record<string, string> = {}): Promise<RegistryProcess> {
    const dataDir = await mkdtemp(join(tmpdir(), `berth-node${i}-`));
    dataDirs.push(dataDir);
    return spawnRegistry(dataDir, await freePort(), {
      BERTH_AUTH_MODE: 'token',
      BERTH_ADMIN_PASSWORD: PASSWORD,
      BERTH_METADATA_URL: metadataUrl,
      BERTH_STORAGE_DRIVER: 's3',
      BERTH_STORAGE_S3_BUCKET: bucket.bucket,
      BERTH_STORAGE_S3_ENDPOINT: bucket.endpoint,
      BERTH_STORAGE_S3_FORCE_PATH_STYLE: 'true',
      BERTH_STORAGE_S3_ACCESS_KEY_ID: bucket.accessKeyId,
      BERTH_STORAGE_S3_SECRET_ACCESS_KEY: bucket.secretAccessKey,
      BERTH_STORAGE_S3_PREFIX: 'registry',
      BERTH_REDIS_URL: redis.url,
      BERTH_REDIS_KEY_PREFIX: redis.keyPrefix,
      // Every node tries to collect every second while the pushes go on; one at a time may.
      BERTH_GC_INTERVAL_SECONDS: '1',
      ...extra,
    });
  }

  before(async () => {
    bucket = await createTestBucket();
    work = await tempFolder('three-nodes');
    // All three start at once on an empty schema: the migrations and the admin account happen once.
    // Node 3 sends blob GETs to presigned URLs: the object store serves the bytes.
    nodes.push(...(await Promise.all([startNode(1), startNode(2), startNode(3, { BERTH_STORAGE_S3_REDIRECT: 'true' })])));
  });

  after(async () => {
    for (const node of nodes) {
      if (node.child.exitCode === null && node.child.signalCode === null) {
        node.child.kill('SIGTERM');
        await node.exited;
      }
    }
    await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
    await work?.remove();
    await bucket?.cleanup();
    await dropTestSchema(metadataUrl);
  });

  it('every node is ready and reports its dependencies, Redis included', async () => {
    for (const node of nodes) {
      const reply = await fetch(`${node.url}/readyz`);
      assert.equal(reply.status, 200);
      assert.deepEqual(await reply.json(), { status: 'ready', checks: { metadata: 'ok', storage: 'ok', redis: 'ok' } });
    }
  });

  it('skopeo pushes through node 1 and pulls the same bytes through node 3 (redirected to the object store)', async () => {
    const [node1, , node3] = nodes as [RegistryProcess, RegistryProcess, RegistryProcess];
    const source = join(work.path, 'source');
    // A 12 MiB layer: more than two multipart parts.
    const image = buildImage({ files: [{ name: 'big.bin', data: randomBytes(12 * MiB) }] });
    await writeLayoutBlobs(source, [image.config, ...image.layers, image.manifest]);
    await tagInLayout(source, 'v1', { mediaType: image.mediaType, digest: image.manifest.digest, size: image.manifest.size });
    const host = (node: RegistryProcess) => node.url.replace('http://', '');
    await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `admin:${PASSWORD}`, `oci:${source}:v1`, `docker://${host(node1)}/team/app:v1`]);
    pushed.push({ name: 'team/app', tag: 'v1', digest: image.manifest.digest });

    const redirect = await v2(node3, `team/app/blobs/${image.layers[0]?.digest}`);
    assert.equal(redirect.status, 307);
    assert.match(redirect.headers.get('location') ?? '', new RegExp(`^${bucket.endpoint}/${bucket.bucket}/registry/blobs/sha256/`));

    const pulled = join(work.path, 'pulled');
    await skopeo(['copy', '--src-tls-verify=false', '--src-creds', `admin:${PASSWORD}`, `docker://${host(node3)}/team/app:v1`, `oci:${pulled}:v1`]);
    assert.equal((await layoutDescriptor(pulled, 'v1')).digest, image.manifest.digest);
    for (const digest of await layoutClosure(source, image.manifest.digest)) {
      assert.ok((await readLayoutBlob(pulled, digest)).equals(await readLayoutBlob(source, digest)), digest);
    }
  });

  it('a token one node issued is accepted by the others: the nodes started together made one signing key, in the database', async () => {
    const schema = new URL(metadataUrl).searchParams.get('schema');
    const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await client.connect();
    try {
      assert.equal((await client.query(`select kid from "${schema}".signing_keys`)).rowCount, 1);
    } finally {
      await client.end();
    }
    const reply = await fetch(`${nodes[0]?.url}/token?service=berth&scope=repository:team/app:pull`, { headers: { Authorization: ADMIN } });
    const { token } = (await reply.json()) as { token: string };
    for (const node of nodes.slice(1)) {
      const manifest = await fetch(`${node.url}/v2/team/app/manifests/v1`, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(manifest.status, 200, node.url);
    }
  });

  it('a chunked upload started on node 1 finishes on node 2 after node 1 is killed with SIGKILL mid-chunk', async () => {
    const [node1, node2, node3] = nodes as [RegistryProcess, RegistryProcess, RegistryProcess];
    const data = randomBytes(11 * MiB + 12345);
    const digest = sha256(data);
    const started = await v2(node1, 'team/chunked/blobs/uploads/', { method: 'POST' });
    assert.equal(started.status, 202);
    const location = started.headers.get('location') ?? '';
    const uploadPath = location.replace(/^.*\/v2\//, '');
    // First chunk (6 MiB) completes on node 1.
    const first = await v2(node1, uploadPath, { method: 'PATCH', body: data.subarray(0, 6 * MiB), headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `0-${6 * MiB - 1}` } });
    assert.equal(first.status, 202, await first.text());
    // The second chunk is on its way when node 1 dies: half of it sent, then SIGKILL.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(data.subarray(6 * MiB, 8 * MiB));
      },
    });
    const dying = v2(node1, uploadPath, { method: 'PATCH', body, duplex: 'half', headers: { 'Content-Type': 'application/octet-stream' } }).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    node1.child.kill('SIGKILL');
    assert.equal(await node1.exited, 'SIGKILL');
    assert.ok((await dying) instanceof Error);

    // Node 2 knows the upload and where it stands: only the first chunk counts.
    const status = await v2(node2, uploadPath);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), `0-${6 * MiB - 1}`);
    const second = await v2(node2, uploadPath, { method: 'PATCH', body: data.subarray(6 * MiB, 10 * MiB), headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${6 * MiB}-${10 * MiB - 1}` } });
    assert.equal(second.status, 202, await second.text());
    const done = await v2(node2, `${uploadPath}${uploadPath.includes('?') ? '&' : '?'}digest=${digest}`, { method: 'PUT', body: data.subarray(10 * MiB), headers: { 'Content-Type': 'application/octet-stream' } });
    assert.equal(done.status, 201, await done.text());
    assert.ok((await blobBytes(node3, 'team/chunked', digest)).equals(data));
    assert.ok((await blobBytes(node2, 'team/chunked', digest)).equals(data));
    nodes[0] = await startNode(1);
  });

  it('a tag moved on node 2 is served by node 1 within a second, and a manifest deleted there leaves node 1\'s cache', async () => {
    const [node1, node2] = nodes as [RegistryProcess, RegistryProcess];
    const first = buildImage();
    const second = buildImage();
    await pushImage(node2, 'team/moving', 'latest', first);
    assert.equal(await servedDigest(node1, 'team/moving', 'latest'), first.manifest.digest);
    // Node 1 now holds the first manifest in its cache by digest.
    assert.equal(await servedDigest(node1, 'team/moving', first.manifest.digest), first.manifest.digest);

    await pushImage(node2, 'team/moving', 'latest', second);
    const moved = await timeUntil(async () => (await servedDigest(node1, 'team/moving', 'latest')) === second.manifest.digest, 1000);
    assert.ok(moved <= 1000, `the move reached node 1 after ${moved} ms`);

    const deleted = await v2(node2, `team/moving/manifests/${first.manifest.digest}`, { method: 'DELETE' });
    assert.equal(deleted.status, 202);
    const gone = await timeUntil(async () => (await servedDigest(node1, 'team/moving', first.manifest.digest)) === 404, 1000);
    assert.ok(gone <= 1000, `the delete reached node 1's cache after ${gone} ms`);
    pushed.push({ name: 'team/moving', tag: 'latest', digest: second.manifest.digest });
  });

  it('two nodes pushing the same blob and the same tag at once both succeed; the database settles the tag', async () => {
    const [, node2, node3] = nodes as [RegistryProcess, RegistryProcess, RegistryProcess];
    const shared = randomBytes(7 * MiB);
    const blob = { bytes: shared, digest: sha256(shared), size: shared.length } as Content;
    await Promise.all([pushBlob(node2, 'team/race', blob), pushBlob(node3, 'team/race', blob)]);
    assert.ok((await blobBytes(node2, 'team/race', blob.digest)).equals(shared));

    const images = Array.from({ length: 6 }, () => buildImage());
    await Promise.all(images.map((image, i) => pushImage(i % 2 ? node2 : node3, 'team/race', 'same-tag', image)));
    const winner = await servedDigest(node2, 'team/race', 'same-tag');
    assert.ok(images.some((image) => image.manifest.digest === winner));
    assert.equal(await servedDigest(node3, 'team/race', 'same-tag'), winner);
    // Every move is in the tag's history, one after another.
    const history = await fetch(`${node2.url}/api/v1/tag-history?repository=team/race&tag=same-tag`, { headers: { Authorization: ADMIN } });
    assert.equal(history.status, 200);
    const events = ((await history.json()) as { events: { oldDigest: string | null; newDigest: string | null }[] }).events;
    assert.equal(events.length, 6);
    assert.equal(events[0]?.newDigest, winner);
    // Newest first, each move starting where the one before it ended, the first from nothing.
    for (let i = 0; i < events.length - 1; i++) assert.equal(events[i]?.oldDigest, events[i + 1]?.newDigest);
    assert.equal(events.at(-1)?.oldDigest, null);
    pushed.push({ name: 'team/race', tag: 'same-tag', digest: String(winner) });
  });

  it('after all of it, every pushed image pulls intact through every node', async () => {
    for (const { name, tag, digest } of pushed) {
      for (const node of nodes) {
        const reply = await v2(node, `${name}/manifests/${tag}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
        assert.equal(reply.status, 200, `${name}:${tag} via ${node.url}`);
        const bytes = Buffer.from(await reply.arrayBuffer());
        assert.equal(sha256(bytes), digest);
        const manifest = JSON.parse(bytes.toString()) as { config: { digest: string }; layers: { digest: string }[] };
        for (const { digest: blob } of [manifest.config, ...manifest.layers]) {
          assert.equal(sha256(await blobBytes(node, name, blob)), blob, `${name}@${blob} via ${node.url}`);
        }
      }
    }
  });
});
