import { performance } from 'node:perf_hooks';
import { copySmallImage, MANIFEST_ACCEPT, OCI_MANIFEST, type Content, type SmallImage } from './fixtures.js';
import { loadGet, type LoadShape } from './http-load.js';
import { inParallel } from './in-parallel.js';
import type { RegistryClient } from './registry-client.js';
import type { Figure } from './report.js';
import type { BenchSettings } from './settings.js';

/** What every workload gets: the settings, the data made once, and where the small image lives. */
export interface WorkloadContext {
  settings: BenchSettings;
  blob: Content;
  image: SmallImage;
  /** Repository holding the small image under tag "latest". */
  imageRepository: string;
}

/** Samples of each figure from one server: one per push, per load run, per listing. */
export type Samples = Record<string, number[]>;

/**
 * A workload: the figures it produces, an optional setup run once per server (populating, which
 * may itself be measured), and one round of measurement. Rounds alternate between the servers.
 */
export interface Workload {
  /** Name for BENCH_ONLY. */
  group: 'blobs' | 'manifest' | 'tags' | 'catalog';
  figures: Figure[];
  setup?(client: RegistryClient, context: WorkloadContext): Promise<Samples>;
  measure(client: RegistryClient, context: WorkloadContext, round: number): Promise<Samples>;
}

const MB = 1e6;

/** Times `repeats` runs of `once(i)` moving `bytes` each: MB/s of each. */
async function throughput(repeats: number, bytes: number, once: (i: number) => Promise<void>): Promise<number[]> {
  const rates: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await once(i);
    rates.push(bytes / MB / ((performance.now() - start) / 1000));
  }
  return rates;
}

function shape(settings: BenchSettings, round: number): LoadShape {
  return { connections: settings.connections, seconds: settings.loadSeconds, warmupSeconds: round === 0 ? settings.warmupSeconds : 0 };
}

const monolithic: Workload = {
  group: 'blobs',
  figures: [{ id: 'blob_push_monolithic', label: 'blob push, monolithic (POST+PUT)', unit: 'MB/s', better: 'higher', aggregate: 'median', target: 1 }],
  async measure(client, { settings, blob }, round) {
    // A repository per push, so every push really stores the bytes.
    const rates = await throughput(settings.repeats, blob.bytes.length, (i) => client.pushMonolithic(`bench/mono-${round}-${i}`, blob.digest, blob.bytes));
    return { blob_push_monolithic: rates };
  },
};

const chunked: Workload = {
  group: 'blobs',
  figures: [{ id: 'blob_push_chunked', label: 'blob push, chunked (PATCH+PUT)', unit: 'MB/s', better: 'higher', aggregate: 'median', target: 1 }],
  async measure(client, { settings, blob }, round) {
    const rates = await throughput(settings.repeats, blob.bytes.length, (i) => client.pushChunked(`bench/chunked-${round}-${i}`, blob.digest, blob.bytes, settings.chunkBytes));
    return { blob_push_chunked: rates };
  },
};

const pull: Workload = {
  group: 'blobs',
  figures: [{ id: 'blob_pull', label: 'blob GET (body consumed)', unit: 'MB/s', better: 'higher', aggregate: 'median', target: 1 }],
  async measure(client, { settings, blob }, round) {
    const once = async (): Promise<void> => {
      const received = await client.pullBlob('bench/mono-0-0', blob.digest);
      if (received !== blob.bytes.length) throw new Error(`blob GET returned ${received} bytes, expected ${blob.bytes.length}`);
    };
    // The first pull is markedly slower on both servers (JIT, page cache): leave it out.
    if (round === 0) await once();
    return { blob_pull: await throughput(settings.repeats, blob.bytes.length, once) };
  },
};

const manifestGet: Workload = {
  group: 'manifest',
  figures: [
    { id: 'manifest_get_rps', label: 'manifest GET by tag', unit: 'req/s', better: 'higher', aggregate: 'mean', target: 2 },
    { id: 'manifest_get_p99', label: 'manifest GET by tag, p99', unit: 'ms', better: 'lower', aggregate: 'mean' },
  ],
  async measure(client, { settings, imageRepository }, round) {
    const url = `${client.baseUrl}/v2/${imageRepository}/manifests/latest`;
    const result = await loadGet(url, { accept: MANIFEST_ACCEPT, ...(await client.authorizationFor(`/v2/${imageRepository}/manifests/latest`)) }, shape(settings, round));
    return { manifest_get_rps: [result.requestsPerSecond], manifest_get_p99: [result.p99], failures: [result.failures] };
  },
};

/**
 * Small blob GETs under load: the small image's 4 KiB layer, so the figure is the per-request cost
 * of the blob path (auth, lookups, headers) rather than disk or network throughput. It sits in the
 * manifest group because it needs only the small image, not the large blob pushes.
 */
const smallBlobGet: Workload = {
  group: 'manifest',
  figures: [
    { id: 'blob_get_4k_rps', label: 'blob GET 4 KiB', unit: 'req/s', better: 'higher', aggregate: 'mean' },
    { id: 'blob_get_4k_p99', label: 'blob GET 4 KiB, p99', unit: 'ms', better: 'lower', aggregate: 'mean' },
  ],
  async measure(client, { settings, image, imageRepository }, round) {
    const path = `/v2/${imageRepository}/blobs/${image.layer.digest}`;
    const result = await loadGet(`${client.baseUrl}${path}`, await client.authorizationFor(path), shape(settings, round));
    return { blob_get_4k_rps: [result.requestsPerSecond], blob_get_4k_p99: [result.p99], failures: [result.failures] };
  },
};

const TAGGED = 'bench/tags';

const tagsList: Workload = {
  group: 'tags',
  figures: [
    { id: 'tags_populate', label: 'tag PUTs while populating (concurrent)', unit: 'tags/s', better: 'higher', aggregate: 'mean' },
    { id: 'tags_list_rps', label: 'tags list of the tagged repository', unit: 'req/s', better: 'higher', aggregate: 'mean', target: 3 },
    { id: 'tags_list_p99', label: 'tags list, p99', unit: 'ms', better: 'lower', aggregate: 'mean' },
  ],
  async setup(client, { settings, image, imageRepository }) {
    await copySmallImage(client, imageRepository, TAGGED, image, 'latest');
    const tags = Array.from({ length: settings.tags }, (_, i) => `v${String(i).padStart(5, '0')}`);
    const start = performance.now();
    await inParallel(tags, settings.populateConcurrency, (tag) => client.putManifest(TAGGED, tag, OCI_MANIFEST, image.manifest.bytes));
    const populateSeconds = (performance.now() - start) / 1000;
    const listed = await client.listAll(`/v2/${TAGGED}/tags/list`, 'tags');
    if (listed.length !== settings.tags + 1) throw new Error(`tags list has ${listed.length} tags, expected ${settings.tags + 1}`);
    return { tags_populate: [settings.tags / populateSeconds] };
  },
  async measure(client, { settings }, round) {
    const result = await loadGet(`${client.baseUrl}/v2/${TAGGED}/tags/list`, await client.authorizationFor(`/v2/${TAGGED}/tags/list`), shape(settings, round));
    return { tags_list_rps: [result.requestsPerSecond], tags_list_p99: [result.p99], failures: [result.failures] };
  },
};

const catalog: Workload = {
  group: 'catalog',
  figures: [
    { id: 'catalog_populate', label: 'repos pushed while populating (2 mounts + PUT)', unit: 'repos/s', better: 'higher', aggregate: 'mean' },
    { id: 'catalog_full_listing', label: '_catalog full listing (Link followed), mean', unit: 'ms', better: 'lower', aggregate: 'mean', target: 3 },
  ],
  async setup(client, { settings, image, imageRepository }) {
    const names = Array.from({ length: settings.repositories }, (_, i) => `bench/catalog/r${String(i).padStart(5, '0')}`);
    const start = performance.now();
    await inParallel(names, settings.populateConcurrency, (name) => copySmallImage(client, imageRepository, name, image, 'latest'));
    const populateSeconds = (performance.now() - start) / 1000;
    // One unmeasured listing checks the count and warms caches.
    const listed = await client.listAll(`/v2/_catalog?n=${settings.catalogPage}`, 'repositories');
    const ours = listed.filter((r) => r.startsWith('bench/catalog/')).length;
    if (ours !== settings.repositories) throw new Error(`catalog lists ${ours} of the ${settings.repositories} pushed repositories`);
    return { catalog_populate: [settings.repositories / populateSeconds] };
  },
  async measure(client, { settings }) {
    const times: number[] = [];
    for (let i = 0; i < settings.catalogRuns; i++) {
      const t = performance.now();
      await client.listAll(`/v2/_catalog?n=${settings.catalogPage}`, 'repositories');
      times.push(performance.now() - t);
    }
    return { catalog_full_listing: times };
  },
};

/** Every workload, in the order they run. */
export const WORKLOADS: Workload[] = [monolithic, chunked, pull, manifestGet, smallBlobGet, tagsList, catalog];
