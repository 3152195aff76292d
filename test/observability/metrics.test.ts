import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { content, imageManifest, pushBlob, putManifest, randomBlob } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushImageAs } from '../auth/support.js';

/** One Prometheus sample: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (enough of it for our metrics). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    assert.ok(match, `a valid sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key as string] = value as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe('/metrics', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry.stop();
  });

  async function scrape(): Promise<{ text: string; samples: Sample[] }> {
    const response = await fetch(`${registry.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    return { text, samples: parseMetrics(text) };
  }

  it('serves Prometheus text with HELP and TYPE for the request, byte and upload metrics', async () => {
    const { text } = await scrape();
    for (const [name, type] of [
      ['berth_http_requests_total', 'counter'],
      ['berth_http_request_duration_seconds', 'histogram'],
      ['berth_bytes_received_total', 'counter'],
      ['berth_bytes_sent_total', 'counter'],
      ['berth_upload_duration_seconds', 'histogram'],
    ]) {
      assert.match(text, new RegExp(`^# HELP ${name} \\S`, 'm'));
      assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'));
    }
    assert.match(text, /^berth_process_resident_memory_bytes \d/m, 'process metrics carry the berth_ prefix');
  });

  it('after a blob and a manifest are pushed and pulled, counts requests by route and status (never the repository name), bytes both ways and the upload', async () => {
    const name = 'secret-team/very-unique-repo-name';
    const before = (await scrape()).samples;
    const blob = randomBlob(300 * 1024);
    const image = imageManifest({ layers: 1, layerSize: 1024 });

    await pushBlob(registry.url, name, blob);
    const session = await fetch(`${registry.url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
    const chunked = await fetch(`${registry.url}${session.headers.get('location') as string}`, { method: 'PATCH', body: new Uint8Array(blob.bytes) });
    assert.equal(chunked.status, 202);
    for (const b of [image.config, ...image.layers]) await pushBlob(registry.url, name, b);
    assert.equal((await putManifest(registry.url, name, 'v1', image.manifest, image.mediaType)).status, 201);
    const pulledBlob = Buffer.from(await (await fetch(`${registry.url}/v2/${name}/blobs/${blob.digest}`)).arrayBuffer());
    assert.equal(content(pulledBlob).digest, blob.digest);
    const pulledManifest = await fetch(`${registry.url}/v2/${name}/manifests/v1`, { headers: { Accept: image.mediaType } });
    assert.equal(pulledManifest.status, 200);
    await pulledManifest.arrayBuffer();
    await (await fetch(`${registry.url}/v2/${name}/blobs/sha256:${'0'.repeat(64)}`)).arrayBuffer();

    const { text, samples: afterSamples } = await scrape();
    const grew = (metric: string, labels: Record<string, string>): number => total(afterSamples, metric, labels) - total(before, metric, labels);
    const requests = 'berth_http_requests_total';
    assert.equal(grew(requests, { route: 'v2:blob', method: 'GET', status: '200' }), 1, 'the blob GET');
    assert.equal(grew(requests, { route: 'v2:blob', method: 'GET', status: '404' }), 1, 'the missing blob');
    assert.equal(grew(requests, { route: 'v2:manifest', method: 'PUT', status: '201' }), 1, 'the manifest PUT');
    assert.equal(grew(requests, { route: 'v2:manifest', method: 'GET', status: '200' }), 1, 'the manifest GET');
    assert.equal(grew(requests, { route: 'v2:uploads', method: 'POST', status: '201' }), 3, 'the monolithic pushes');
    assert.equal(grew(requests, { route: 'v2:upload', method: 'PATCH', status: '202' }), 1, 'the chunk');
    assert.ok(!text.includes('very-unique-repo-name'), 'no label holds the repository name');
    assert.ok(!text.includes(blob.digest.slice(7)), 'no label holds a digest');
    const routes = new Set(afterSamples.filter((s) => s.name === requests).map((s) => s.labels.route));
    for (const route of routes) assert.match(route ?? '', /^(v2:[a-z]+|\/[a-z]*)$/, `route label ${route} is a kind, not a path`);

    const pushedBytes = 2 * blob.size + image.config.size + image.layers.reduce((n, l) => n + l.size, 0);
    assert.ok(grew('berth_bytes_received_total', {}) >= pushedBytes, `bytes received grew by ≥ ${pushedBytes}, by ${grew('berth_bytes_received_total', {})}`);
    assert.ok(grew('berth_bytes_sent_total', {}) >= blob.size + image.manifest.size, `bytes sent grew by ≥ ${blob.size + image.manifest.size}`);
    assert.equal(grew('berth_upload_duration_seconds_count', {}), 3, 'each committed upload is timed');
    assert.ok(grew('berth_http_request_duration_seconds_count', { route: 'v2:blob', method: 'GET' }) >= 2);
  });

  it('counts a HEAD of a blob as a request but sends no bytes for it', async () => {
    const name = 'metrics/head';
    const blob = randomBlob(64 * 1024);
    await pushBlob(registry.url, name, blob);
    const before = (await scrape()).samples;
    const head = await fetch(`${registry.url}/v2/${name}/blobs/${blob.digest}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    const after = (await scrape()).samples;
    assert.equal(total(after, 'berth_http_requests_total', { route: 'v2:blob', method: 'HEAD' }) - total(before, 'berth_http_requests_total', { route: 'v2:blob', method: 'HEAD' }), 1);
    assert.equal(total(after, 'berth_bytes_sent_total'), total(before, 'berth_bytes_sent_total'));
  });

  it('labels an unmatched path as one low-cardinality route', async () => {
    for (const path of ['/nope/a', '/nope/b', '/another/c']) await (await fetch(`${registry.url}${path}`)).arrayBuffer();
    const routes = parseMetrics(await (await fetch(`${registry.url}/metrics`)).text())
      .filter((s) => s.name === 'berth_http_requests_total' && s.labels.status === '404')
      .map((s) => s.labels.route ?? '');
    assert.ok(!routes.some((r) => r.includes('nope') || r.includes('another')), `no path in route labels: ${routes.join(', ')}`);
  });
});

describe('/metrics: storage, GC, pushes and pulls by namespace, failed logins', () => {
  let registry: TestRegistry;
  const admin = `Basic ${Buffer.from('admin:metrics-admin-password').toString('base64')}`;
  before(async () => {
    registry = await startRegistry({
      BERTH_AUTH_MODE: 'token',
      BERTH_ADMIN_PASSWORD: 'metrics-admin-password',
      BERTH_RATE_LIMITS_FAILED_LOGINS: '0',
      BERTH_METRICS_NAMESPACE_LABELS: '2',
      BERTH_METRICS_STORAGE_CACHE_SECONDS: '0',
      BERTH_GC_GRACE_SECONDS: '1',
    });
  });
  after(async () => {
    await registry.stop();
  });

  async function samples(): Promise<Sample[]> {
    return parseMetrics(await (await fetch(`${registry.url}/metrics`)).text());
  }

  async function pushImage(name: string): Promise<number> {
    const image = imageManifest({ layers: 1, layerSize: 1000 });
    assert.equal(await pushImageAs(registry, name, 'v1', image, admin), 201);
    return image.config.size + image.layers.reduce((n, l) => n + l.size, 0);
  }

  it('reports the unique blob bytes, blob and manifest counts the store holds', async () => {
    assert.deepEqual([total(await samples(), 'berth_storage_bytes'), total(await samples(), 'berth_blobs'), total(await samples(), 'berth_manifests')], [0, 0, 0]);
    const bytes = await pushImage('one/app');
    const after = await samples();
    assert.deepEqual([total(after, 'berth_storage_bytes'), total(after, 'berth_blobs'), total(after, 'berth_manifests')], [bytes, 2, 1]);
  });

  it('counts pushes and pulls by namespace, the namespaces past the limit as "other"', async () => {
    await pushImage('two/app');
    await pushImage('three/app');
    for (const name of ['one/app', 'two/app', 'three/app']) {
      const pulled = await fetch(`${registry.url}/v2/${name}/manifests/v1`, { headers: { Authorization: admin } });
      assert.equal(pulled.status, 200);
      await pulled.arrayBuffer();
    }
    const now = await samples();
    const actions = now.filter((s) => s.name === 'berth_registry_actions_total').map((s) => [s.labels.action, s.labels.namespace, s.value]);
    assert.deepEqual(actions.sort(), [['pull', 'one', 1], ['pull', 'other', 1], ['pull', 'two', 1], ['push', 'one', 1], ['push', 'other', 1], ['push', 'two', 1]]);
  });

  it('counts failed logins by reason', async () => {
    const wrong = `Basic ${Buffer.from('admin:wrong-password').toString('base64')}`;
    for (let i = 0; i < 2; i++) await (await fetch(`${registry.url}/v2/`, { headers: { Authorization: wrong } })).arrayBuffer();
    assert.equal(total(await samples(), 'berth_login_failures_total', { reason: 'bad_credentials' }), 2);
  });

  it('counts GC runs that deleted and the bytes they reclaimed, not dry runs', async () => {
    const before = await samples();
    await registry.berth.gc.run({ dryRun: true });
    const report = await registry.berth.gc.run();
    const after = await samples();
    assert.equal(total(after, 'berth_gc_runs_total') - total(before, 'berth_gc_runs_total'), 1);
    assert.equal(total(after, 'berth_gc_reclaimed_bytes_total') - total(before, 'berth_gc_reclaimed_bytes_total'), report.bytesReclaimed);
  });
});
