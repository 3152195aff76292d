/**
 * The scale-out group (BENCH_ONLY=scaleout): Berth as a cluster on Ceph RGW, PostgreSQL and
 * Redis. It measures pull throughput through 1, 2 … N nodes at once (manifest GETs, and blob GETs
 * the nodes stream), and blob GETs proxied by a node vs redirected to presigned URLs; Distribution
 * on S3 (one node, streaming or redirecting) is the baseline where it runs. Prints two tables and
 * writes its own results file (see scaleOutResultsFile), then removes every process, bucket,
 * schema and Redis key it made, also on failure or Ctrl-C.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pullFor, timePulls } from './blob-fetch.js';
import { largeBlob, MANIFEST_ACCEPT, pushSmallImage, smallImage, type Content, type SmallImage } from './fixtures.js';
import { cpuDuring } from './process-cpu.js';
import { table, writeResults } from './report.js';
import { startCluster, type Cluster, type Node } from './scale-out-cluster.js';
import { figureIds, ratioTable, scaleOutFigures, scaleOutRatios, ScaleOutSamples } from './scale-out-figures.js';
import type { ScaleOutSettings } from './scale-out-settings.js';
import type { BenchSettings } from './settings.js';
import { loadSpread, splitConnections } from './spread-load.js';
import { Teardown } from './teardown.js';

const REPOSITORY = 'bench/scaleout';
const MiB = 1024 * 1024;

type SideKey = 'berth' | 'distribution';

/** One measurement of a round, run in an order that alternates between rounds. */
interface Step {
  who: string;
  what: string;
  run(warm: boolean): Promise<string>;
}

export interface ScaleOutRun {
  repoRoot: string;
  settings: BenchSettings;
  scale: ScaleOutSettings;
  /** Where the JSON goes ('' for nowhere). */
  resultsFile: string;
  distributionVersion: string | undefined;
}

/** Pushes the image and the blob once per registry (through node 1: the others share its state). */
async function push(node: Node, image: SmallImage, blob: Content): Promise<void> {
  await pushSmallImage(node.client, REPOSITORY, image, 'latest');
  await node.client.pushMonolithic(REPOSITORY, blob.digest, blob.bytes);
}

/**
 * Checks every node serves what was pushed through another (the shared state works) and that
 * redirecting nodes redirect and the others do not, so no figure is measured on the wrong path.
 * The manifest GET also gets each client its token for the repository.
 */
async function check(node: Node, image: SmallImage, blob: Content, redirects: boolean): Promise<void> {
  const answer = await node.client.send('GET', `/v2/${REPOSITORY}/manifests/latest`, { headers: { accept: MANIFEST_ACCEPT }, expect: [200] });
  if (answer.headers['docker-content-digest'] !== image.manifest.digest) throw new Error(`${node.server.name} at ${node.server.baseUrl} serves manifest ${answer.headers['docker-content-digest']}, expected ${image.manifest.digest}`);
  const fetched = await node.blobs.fetch(REPOSITORY, blob.digest, { verify: true });
  if (fetched.digest !== blob.digest) throw new Error(`${node.server.name} at ${node.server.baseUrl} served blob bytes hashing to ${fetched.digest}, expected ${blob.digest}`);
  if (fetched.redirected !== redirects) throw new Error(`${node.server.name} at ${node.server.baseUrl} ${fetched.redirected ? 'redirected' : 'did not redirect'} a blob GET`);
}

const fixed = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const pids = (nodes: Node[]): number[] => nodes.map((node) => node.server.pid);
/** Where the CPU went during a load: shows when the machine, not the registry, is the limit. */
const busy = (processCores: number, machineCores: number): string => `registry ${processCores.toFixed(2)} cores, machine ${machineCores.toFixed(2)} of ${cpus().length} busy`;

function steps(cluster: Cluster, run: ScaleOutRun, blob: Content, samples: ScaleOutSamples, failures: Record<SideKey, number>): Step[][] {
  const { settings, scale } = run;
  const manifestPath = `/v2/${REPOSITORY}/manifests/latest`;
  const clusters: { side: SideKey; who: string; nodes: Node[] }[] = [
    ...cluster.berth.map((_, i) => ({ side: 'berth' as const, who: `Berth ×${i + 1}`, nodes: cluster.berth.slice(0, i + 1) })),
    ...(cluster.distribution ? [{ side: 'distribution' as const, who: 'Distribution', nodes: [cluster.distribution.proxied] }] : []),
  ];

  const manifest: Step[] = clusters.map(({ side, who, nodes }) => ({
    who,
    what: 'manifest',
    async run(warm) {
      const targets = await Promise.all(nodes.map(async (node) => ({ url: `${node.server.baseUrl}${manifestPath}`, headers: { accept: MANIFEST_ACCEPT, ...(await node.client.authorizationFor(manifestPath)) } })));
      if (warm) await loadSpread(targets, settings.connections, { seconds: settings.warmupSeconds, warmupSeconds: 0 });
      const { result, processCores, machineCores } = await cpuDuring(pids(nodes), () => loadSpread(targets, settings.connections, { seconds: settings.loadSeconds, warmupSeconds: 0 }));
      const id = figureIds.manifestRps(nodes.length);
      samples.add(id, side, result.requestsPerSecond);
      samples.add(figureIds.manifestP99(nodes.length), side, result.p99);
      samples.note(id, `${side}Cores`, processCores);
      samples.note(id, `${side}MachineCores`, machineCores);
      failures[side] += result.failures;
      const split = nodes.length > 1 ? ` (${result.perNode.map(fixed).join(' + ')})` : '';
      return `${fixed(result.requestsPerSecond)} req/s${split}, p99 ${fixed(result.p99)} ms; ${busy(processCores, machineCores)}`;
    },
  }));

  const blobLoad: Step[] = clusters.map(({ side, who, nodes }) => ({
    who,
    what: 'blob GET',
    async run(warm) {
      const shares = splitConnections(Math.max(scale.blobConnections, nodes.length), nodes.length);
      const load = nodes.map((node, i) => ({ fetcher: node.blobs, connections: shares[i] as number }));
      if (warm) await pullFor(load, REPOSITORY, blob.digest, blob.bytes.length, settings.warmupSeconds);
      const { result, processCores, machineCores } = await cpuDuring(pids(nodes), () => pullFor(load, REPOSITORY, blob.digest, blob.bytes.length, settings.loadSeconds));
      const id = figureIds.blobLoad(nodes.length);
      samples.add(id, side, result.megabytesPerSecond);
      samples.note(id, `${side}Cores`, processCores);
      samples.note(id, `${side}MachineCores`, machineCores);
      const split = nodes.length > 1 ? ` (${result.perNode.map(fixed).join(' + ')})` : '';
      return `${fixed(result.megabytesPerSecond)} MB/s${split}; ${busy(processCores, machineCores)}`;
    },
  }));

  const modes: { side: SideKey; who: string; mode: 'proxied' | 'redirect'; node: Node }[] = [
    { side: 'berth', who: 'Berth', mode: 'proxied', node: cluster.berth[0] as Node },
    { side: 'berth', who: 'Berth', mode: 'redirect', node: cluster.berthRedirect },
    ...(cluster.distribution
      ? [
          { side: 'distribution' as const, who: 'Distribution', mode: 'proxied' as const, node: cluster.distribution.proxied },
          { side: 'distribution' as const, who: 'Distribution', mode: 'redirect' as const, node: cluster.distribution.redirect },
        ]
      : []),
  ];
  const size = blob.bytes.length;
  const proxiedVsRedirected: Step[] = modes.map(({ side, who, mode, node }) => ({
    who,
    what: mode,
    async run(warm) {
      // The first GET through a node pays for JIT and connection setup: leave it out.
      if (warm) await node.blobs.fetch(REPOSITORY, blob.digest);
      const measured = await cpuDuring([node.server.pid], async () => {
        const one = await timePulls(node.blobs, REPOSITORY, blob.digest, size, scale.pulls, 1);
        return { one, many: await timePulls(node.blobs, REPOSITORY, blob.digest, size, scale.pulls, scale.concurrency) };
      });
      const { one, many } = measured.result;
      const gigabytes = (2 * scale.pulls * size) / 1e9;
      const cpuPerGB = (measured.processCores * measured.seconds) / gigabytes;
      // The whole machine's CPU per GB too: redirecting moves the work to the object store, it does not remove it.
      const machinePerGB = (measured.machineCores * measured.seconds) / gigabytes;
      samples.add(figureIds.blob(mode, 'seq'), side, one.megabytesPerSecond);
      samples.add(figureIds.blob(mode, 'seq_ms'), side, one.meanMs);
      samples.add(figureIds.blob(mode, 'conc'), side, many.megabytesPerSecond);
      samples.add(figureIds.blob(mode, 'conc_ms'), side, many.meanMs);
      samples.add(figureIds.blob(mode, 'cpu'), side, cpuPerGB);
      samples.note(figureIds.blob(mode, 'cpu'), `${side}MachineSecondsPerGB`, machinePerGB);
      return `${fixed(one.megabytesPerSecond)} MB/s (${fixed(one.meanMs)} ms) one at a time, ${fixed(many.megabytesPerSecond)} MB/s (${fixed(many.meanMs)} ms) ${scale.concurrency} at a time; CPU s/GB: registry ${cpuPerGB.toFixed(2)}, machine ${machinePerGB.toFixed(2)}`;
    },
  }));
  return [manifest, blobLoad, proxiedVsRedirected];
}

/**
 * Loads every server, unmeasured, before the first measurement: otherwise whichever configuration
 * is measured first (1 node, in round 1) pays for the JIT and the pools of a fresh cluster, and
 * the N-node ratios come out too high. Measured on this machine: a 5 s load spread over all the
 * servers at once still left the first 1-node figure 20–40 % low (each node saw too few requests
 * for V8 to optimise its hot paths); loading each node in turn with every connection brought it
 * in line with the 2- and 3-node figures.
 */
async function warmUp(cluster: Cluster, settings: BenchSettings, blob: Content): Promise<void> {
  const started = performance.now();
  const manifestPath = `/v2/${REPOSITORY}/manifests/latest`;
  const seconds = Math.max(settings.warmupSeconds, 3);
  const manifestServers = [...cluster.berth, ...(cluster.distribution ? [cluster.distribution.proxied] : [])];
  for (const node of manifestServers) {
    await loadSpread([{ url: `${node.server.baseUrl}${manifestPath}`, headers: { accept: MANIFEST_ACCEPT, ...(await node.client.authorizationFor(manifestPath)) } }], settings.connections, { seconds, warmupSeconds: 0 });
  }
  const blobServers = [...cluster.berth, cluster.berthRedirect, ...(cluster.distribution ? [cluster.distribution.proxied, cluster.distribution.redirect] : [])];
  await pullFor(blobServers.map((node) => ({ fetcher: node.blobs, connections: 1 })), REPOSITORY, blob.digest, blob.bytes.length, seconds);
  console.log(`  warm-up: manifest GETs on each server in turn, then blob GETs on all, unmeasured  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

export async function runScaleOut(run: ScaleOutRun): Promise<void> {
  const { settings, scale } = run;
  const cores = cpus().length;
  const distribution = settings.distributionBinary !== undefined;
  console.log('');
  console.log(`scale-out: ${scale.maxNodes} Berth nodes (blob GETs streamed) and 1 more with storage.s3.redirect on, sharing a fresh bucket on ${scale.s3.endpoint}, a fresh PostgreSQL schema and a Redis key prefix${distribution ? '; Distribution 2.8 on S3 (one streaming, one redirecting) on a bucket of its own' : ''}.`);
  console.log(
    `note: this machine's ${cores} cores are shared by every node, the load generator (this process), PostgreSQL, Redis and Ceph (mon, OSD, RGW)${distribution ? ' and Distribution' : ''}: ` +
      'adding nodes adds no CPU, so N-node throughput is bounded by the machine, not by the design. The N-node figures load nodes 1…N at once, connections split evenly; the other nodes idle.',
  );
  const loadAtStart = loadavg()[0] ?? 0;
  const teardown = new Teardown();
  const interrupted = (): void => {
    console.error('interrupted: stopping the nodes, deleting the buckets, the schema and the Redis keys');
    void teardown.run().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const samples = new ScaleOutSamples();
  const failures: Record<SideKey, number> = { berth: 0, distribution: 0 };
  try {
    const started = performance.now();
    const cluster = await startCluster(run.repoRoot, settings, scale, teardown);
    const shared = cluster.shared;
    for (const node of [...cluster.berth, cluster.berthRedirect, ...(cluster.distribution ? [cluster.distribution.proxied, cluster.distribution.redirect] : [])]) {
      console.log(`${node.server.name}: pid ${node.server.pid} at ${node.server.baseUrl}`);
    }
    console.log(`shared: bucket ${shared.berthBucket}, schema ${shared.schema}, Redis prefix ${shared.redisPrefix} (started in ${((performance.now() - started) / 1000).toFixed(1)} s)`);

    const blob = largeBlob(scale.blobBytes);
    const image = smallImage();
    await push(cluster.berth[0] as Node, image, blob);
    for (const node of cluster.berth) await check(node, image, blob, false);
    await check(cluster.berthRedirect, image, blob, true);
    if (cluster.distribution) {
      await push(cluster.distribution.proxied, image, blob);
      await check(cluster.distribution.proxied, image, blob, false);
      await check(cluster.distribution.redirect, image, blob, true);
    }

    await warmUp(cluster, settings, blob);
    for (const group of steps(cluster, run, blob, samples, failures)) {
      for (let round = 0; round < settings.rounds; round++) {
        // Odd rounds run backwards (3, 2, 1 nodes …) so drift and other load fall on all alike.
        for (const step of round % 2 === 0 ? group : [...group].reverse()) {
          const t = performance.now();
          const text = await step.run(round === 0);
          console.log(`  ${step.who.padEnd(12)} ${step.what.padEnd(9)} round ${round + 1}: ${text}  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
        }
      }
    }

    samples.add(figureIds.rssPeak, 'berth', (await (cluster.berth[0] as Node).server.memory()).peakRssBytes / MiB);
    if (cluster.distribution) samples.add(figureIds.rssPeak, 'distribution', (await cluster.distribution.proxied.server.memory()).peakRssBytes / MiB);
  } finally {
    await teardown.run();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }

  const figures = samples.fill(scaleOutFigures(scale.maxNodes, scale.blobBytes / MiB, settings.connections, scale.blobConnections, scale.concurrency));
  const ratios = scaleOutRatios(figures, scale.maxNodes, scale.concurrency);
  const loadAtEnd = loadavg()[0] ?? 0;
  console.log('');
  console.log(table(figures));
  console.log('');
  console.log(ratioTable(ratios));
  console.log('');
  console.log('ratio in the first table: above 1 means Berth is better than Distribution (1 node each, both on this RGW); in the second: the server against itself.');
  for (const [side, count] of Object.entries(failures)) if (count > 0) console.log(`warning: ${side} answered ${count} load requests with errors or non-2xx statuses`);
  console.log(`load average (1 min): ${loadAtStart.toFixed(1)} at start, ${loadAtEnd.toFixed(1)} at end, on ${cores} cores (this group's own dozen busy processes raise it to about 6–8; the start value tells whether other work shares the machine).`);

  if (run.resultsFile) {
    const round2 = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : Math.round(v * 100) / 100);
    await writeResults(
      run.resultsFile,
      {
        generatedAt: new Date().toISOString(),
        quick: settings.quick,
        machine: {
          node: process.version,
          cores,
          cpu: cpus()[0]?.model ?? 'unknown',
          sharedWith: 'the load generator, PostgreSQL, Redis, Ceph (mon, OSD, RGW) and every node: adding nodes adds no CPU',
          loadAverage: { start: Math.round(loadAtStart * 10) / 10, end: Math.round(loadAtEnd * 10) / 10 },
        },
        distribution: run.distributionVersion ? `${run.distributionVersion}, s3 driver` : null,
        settings: {
          maxNodes: scale.maxNodes,
          blobMiB: scale.blobBytes / MiB,
          manifestConnections: settings.connections,
          blobConnections: scale.blobConnections,
          pulls: scale.pulls,
          concurrency: scale.concurrency,
          rounds: settings.rounds,
          loadSeconds: settings.loadSeconds,
          warmupSeconds: settings.warmupSeconds,
          logLevel: settings.logLevel,
          berthAuth: settings.berthAuth,
          s3Endpoint: scale.s3.endpoint,
        },
        selfRatios: ratios.map((r) => ({ id: r.id, label: r.label, berth: round2(r.berth), distribution: round2(r.distribution) })),
      },
      figures,
      failures,
    );
    console.log(`results written to ${run.resultsFile}`);
  }
}
