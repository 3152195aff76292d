import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { inParallel } from './in-parallel.js';
import type { RegistryClient } from './registry-client.js';

/** One blob GET as a client sees it: bytes received, whether the registry redirected, and the sha256 when asked. */
export interface Fetched {
  bytes: number;
  redirected: boolean;
  digest?: string;
}

/**
 * GETs blobs through a registry the way docker and containerd do: the registry either streams
 * the bytes (200) or answers 307 with a presigned URL, which the client then GETs from the
 * object store itself, without the registry's Authorization header (the URL carries its own
 * signature, and the store would reject a second credential). Both legs use keep-alive agents,
 * so the figures compare the paths, not connection setup.
 */
export class BlobFetcher {
  // Connections to the object store, kept apart from the registry's.
  private readonly store = new Agent({ keepAlive: true, maxSockets: 256 });

  constructor(private readonly client: RegistryClient) {}

  async fetch(name: string, digest: string, options: { verify?: boolean } = {}): Promise<Fetched> {
    const hash = options.verify ? createHash('sha256') : undefined;
    const answer = await this.client.send('GET', `/v2/${name}/blobs/${digest}`, { discard: !hash, expect: [200, 307] });
    if (answer.status === 200) {
      hash?.update(answer.body);
      return { bytes: answer.bytes, redirected: false, ...(hash ? { digest: `sha256:${hash.digest('hex')}` } : {}) };
    }
    const location = this.client.resolve(answer.headers.location);
    const bytes = await this.getFromStore(location, hash);
    return { bytes, redirected: true, ...(hash ? { digest: `sha256:${hash.digest('hex')}` } : {}) };
  }

  private getFromStore(url: URL, hash: ReturnType<typeof createHash> | undefined): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(url, { agent: this.store }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          hash?.update(chunk);
        });
        res.once('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`object store answered ${res.statusCode} for ${url.pathname}`))));
        res.once('error', reject);
      });
      req.once('error', reject);
      req.end();
    });
  }

  close(): void {
    this.store.destroy();
  }
}

/** Throughput and latency of a batch of GETs of one blob. */
export interface PullTiming {
  megabytesPerSecond: number;
  /** Mean time of one GET, to the last byte (ms). */
  meanMs: number;
}

/**
 * GETs the blob `count` times, `concurrency` at a time (1: one after another), checking each
 * returned the whole blob: MB/s over the wall time of the batch and the mean time of a GET.
 */
export async function timePulls(fetcher: BlobFetcher, name: string, digest: string, size: number, count: number, concurrency: number): Promise<PullTiming> {
  const times: number[] = [];
  const started = performance.now();
  await inParallel(Array.from({ length: count }, (_, i) => i), concurrency, async () => {
    const t = performance.now();
    const { bytes } = await fetcher.fetch(name, digest);
    times.push(performance.now() - t);
    if (bytes !== size) throw new Error(`blob GET returned ${bytes} bytes, expected ${size}`);
  });
  const seconds = (performance.now() - started) / 1000;
  return { megabytesPerSecond: (count * size) / 1e6 / seconds, meanMs: times.reduce((a, b) => a + b, 0) / times.length };
}

/**
 * Keeps `connections` GETs of the blob in flight through each fetcher (one per node) for
 * `seconds`, starting none after that: MB/s of all bytes, and each node's share, over the wall
 * time until the last GET ended. Counting whole GETs to the end (rather than cutting the run at
 * the deadline, as autocannon does, which drops the GETs in flight) keeps a 16 MiB body from
 * weighing on the figure when only a few dozen complete.
 */
export async function pullFor(nodes: { fetcher: BlobFetcher; connections: number }[], name: string, digest: string, size: number, seconds: number): Promise<{ megabytesPerSecond: number; perNode: number[] }> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const bytes = nodes.map(() => 0);
  const loop = async (node: number, fetcher: BlobFetcher): Promise<void> => {
    while (performance.now() < deadline) {
      const fetched = await fetcher.fetch(name, digest);
      if (fetched.bytes !== size) throw new Error(`blob GET returned ${fetched.bytes} bytes, expected ${size}`);
      bytes[node] = (bytes[node] ?? 0) + fetched.bytes;
    }
  };
  await Promise.all(nodes.flatMap(({ fetcher, connections }, node) => Array.from({ length: connections }, () => loop(node, fetcher))));
  const elapsed = (performance.now() - started) / 1000;
  const perNode = bytes.map((b) => b / 1e6 / elapsed);
  return { megabytesPerSecond: perNode.reduce((a, b) => a + b, 0), perNode };
}
