/**
 * `npm run bench`: Berth side by side with CNCF Distribution (docker-registry, when on PATH) on
 * this machine, in one run. Each server is a child process on 127.0.0.1 with its own temp data
 * folder; workloads load one server at a time, in rounds that alternate which goes first. Prints
 * a table (figure, Berth, Distribution, ratio where above 1 means Berth is better, target) and
 * writes bench/results/latest.json (quick.json for BENCH_QUICK=1). Knobs: see KNOBS in settings.ts.
 * Then the scaleout group (scale-out.ts) measures Berth as a cluster on Ceph RGW, PostgreSQL and
 * Redis and writes latest-scale-out.json; the loginflood group (login-flood.ts) measures real
 * logins under a flood of unknown user names, Berth against itself; the webhooks group
 * (webhooks.ts) what webhooks cost pushes and pulls, and their delivery latency; BENCH_ONLY picks groups.
 *
 * Profiling Berth: BENCH_ONLY=tags BENCH_DISTRIBUTION=0 BENCH_BERTH_NODE_FLAGS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof" npm run bench, then node dist/bench/cpu-profile-summary.js /tmp/prof/CPU…
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { largeBlob, pushSmallImage, smallImage } from './fixtures.js';
import { RegistryClient } from './registry-client.js';
import { table, writeResults, type Figure } from './report.js';
import { BENCH_ADMIN, startBerth, startDistribution } from './servers.js';
import { runSideBySide, type Side } from './side-by-side.js';
import { runLoginFlood } from './login-flood.js';
import { runWebhookBench } from './webhooks.js';
import { runScaleOut } from './scale-out.js';
import { scaleOutUnreachable } from './scale-out-cluster.js';
import { readScaleOutSettings, SCALE_OUT_KNOBS, scaleOutResultsFile } from './scale-out-settings.js';
import { KNOBS, readSettings, type BenchSettings } from './settings.js';
import { WORKLOADS, type Workload, type WorkloadContext } from './workloads.js';

// dist/bench/run.js → the checkout's root, where bin/berth.js and bench/results/ are.
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const MiB = 1024 * 1024;

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}


async function main(): Promise<void> {
  const settings = readSettings(process.env, findOnPath, join(repoRoot, 'bench', 'results'));
  const cores = cpus().length;
  console.log(`Berth benchmark${settings.quick ? ' (quick)' : ''}: Node ${process.version}, ${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'})`);
  console.log(`knobs: ${KNOBS}`);
  console.log(`       ${SCALE_OUT_KNOBS}`);
  console.log(`access control: Berth ${settings.berthAuth === 'token' ? 'on (its default; the client logs in and sends Bearer tokens, as docker does)' : 'off (BENCH_BERTH_AUTH=none)'}; Distribution off (as packaged).`);
  console.log(`logging: both servers at level ${settings.logLevel}${settings.logLevel === 'error' ? " (no per-request lines: Berth's request log and Distribution's access log are off)" : ''}.`);
  const loadAtStart = loadavg()[0] ?? 0;
  if (loadAtStart > cores / 2) {
    console.log(`warning: load average ${loadAtStart.toFixed(1)} on ${cores} cores before starting: other work (or a run that just ended) shares the machine; figures may be noisy.`);
  }
  if (!settings.distributionBinary) console.log('Distribution: not run (docker-registry not on PATH, or BENCH_DISTRIBUTION=0); ratios are left empty.');
  const distributionVersion = settings.distributionBinary ? execFileSync(settings.distributionBinary, ['--version'], { encoding: 'utf8' }).trim() : undefined;

  const groups = [...new Set(WORKLOADS.map((w) => w.group as string)), 'scaleout', 'loginflood', 'webhooks'];
  const unknown = settings.only?.filter((g) => !groups.includes(g)) ?? [];
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown group ${unknown.join(', ')} (groups: ${groups.join(', ')})`);
  const workloads = WORKLOADS.filter((w) => !settings.only || settings.only.includes(w.group));
  const scaleOut = !settings.only || settings.only.includes('scaleout');
  const scale = scaleOut ? readScaleOutSettings(process.env, settings.quick) : undefined;
  if (scale) {
    // Checked first, so a missing RGW fails the run at once rather than after the other groups.
    const unreachable = await scaleOutUnreachable(scale);
    if (unreachable) throw new Error(`the scaleout group needs S3, PostgreSQL and Redis: ${unreachable}. Leave it out with BENCH_ONLY=${groups.filter((g) => g !== 'scaleout').join(',')}`);
  }

  if (workloads.length > 0) await runSingleNode(settings, workloads, cores, loadAtStart, distributionVersion);
  if (scale) await runScaleOut({ repoRoot, settings, scale, resultsFile: scaleOutResultsFile(settings.resultsFile), distributionVersion });
  if (!settings.only || settings.only.includes('loginflood')) await runLoginFlood({ repoRoot, settings });
  if (!settings.only || settings.only.includes('webhooks')) await runWebhookBench({ repoRoot, settings });
}

/** The single-node groups: Berth and Distribution on local disks, one server loaded at a time. */
async function runSingleNode(settings: BenchSettings, workloads: Workload[], cores: number, loadAtStart: number, distributionVersion: string | undefined): Promise<void> {
  console.log(
    `note: the load generator (autocannon, this process) shares the ${cores} cores with the server under load; ` +
      'the servers run one at a time, each on its own temp folder and 127.0.0.1 port.',
  );
  const needsBlob = workloads.some((w) => w.group === 'blobs');
  const context: WorkloadContext = {
    settings,
    blob: largeBlob(needsBlob ? settings.blobBytes : 0),
    image: smallImage(),
    imageRepository: 'bench/small',
  };

  const sides: Side[] = [];
  const stopAll = async (): Promise<void> => {
    for (const side of sides.splice(0)) {
      side.client.close();
      await side.server.stop();
    }
  };
  const interrupted = (): void => {
    console.error('interrupted: stopping servers');
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const figures: Figure[] = [];
  const failures = new Map<string, number>();
  try {
    const berth = await startBerth(repoRoot, settings.logLevel, settings.berthNodeFlags, settings.berthAuth);
    sides.push({ key: 'berth', server: berth, client: new RegistryClient(berth.baseUrl, settings.berthAuth === 'token' ? BENCH_ADMIN : undefined) });
    if (settings.distributionBinary) {
      const distribution = await startDistribution(settings.distributionBinary, settings.logLevel, settings.catalogPage);
      sides.push({ key: 'distribution', server: distribution, client: new RegistryClient(distribution.baseUrl) });
    }
    const idle: Figure = { id: 'rss_idle', label: 'resident memory at start (VmRSS)', unit: 'MiB', better: 'lower', aggregate: 'mean' };
    for (const side of sides) {
      console.log(`${side.server.name}: pid ${side.server.pid} at ${side.server.baseUrl}`);
      idle[side.key] = (await side.server.memory()).rssBytes / MiB;
      await pushSmallImage(side.client, context.imageRepository, context.image, 'latest');
    }
    figures.push(idle);

    for (const workload of workloads) {
      console.log(`${workload.figures.map((f) => f.id).join(', ')}:`);
      figures.push(...(await runSideBySide(workload, sides, context, settings.rounds, failures)));
    }

    const rss: Figure = { id: 'rss_after', label: 'resident memory after the workload (VmRSS)', unit: 'MiB', better: 'lower', aggregate: 'mean' };
    const peak: Figure = { id: 'rss_peak', label: 'peak resident memory (VmHWM)', unit: 'MiB', better: 'lower', aggregate: 'mean' };
    for (const side of sides) {
      const memory = await side.server.memory();
      rss[side.key] = memory.rssBytes / MiB;
      peak[side.key] = memory.peakRssBytes / MiB;
    }
    figures.push(rss, peak);
  } finally {
    await stopAll();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }

  console.log('');
  console.log(table(figures));
  console.log('');
  console.log('ratio: above 1 means Berth is better (Berth/Distribution when higher is better, Distribution/Berth when lower is better).');
  const loadAtEnd = loadavg()[0] ?? 0;
  for (const [key, count] of failures) if (count > 0) console.log(`warning: ${key} answered ${count} load requests with errors or non-2xx statuses`);
  console.log(`load average (1 min): ${loadAtStart.toFixed(1)} at start, ${loadAtEnd.toFixed(1)} at end, on ${cores} cores (the benchmark itself adds about 2).`);
  if (settings.resultsFile) {
    await writeResults(
      settings.resultsFile,
      {
        generatedAt: new Date().toISOString(),
        quick: settings.quick,
        machine: { node: process.version, cores, cpu: cpus()[0]?.model ?? 'unknown', loadGeneratorSharesCores: true, loadAverage: { start: Math.round(loadAtStart * 10) / 10, end: Math.round(loadAtEnd * 10) / 10 } },
        distribution: distributionVersion ?? null,
        settings: {
          blobMiB: settings.blobBytes / MiB,
          chunkMiB: settings.chunkBytes / MiB,
          rounds: settings.rounds,
          repeats: settings.repeats,
          loadSeconds: settings.loadSeconds,
          warmupSeconds: settings.warmupSeconds,
          connections: settings.connections,
          tags: settings.tags,
          repositories: settings.repositories,
          populateConcurrency: settings.populateConcurrency,
          catalogRuns: settings.catalogRuns,
          catalogPage: settings.catalogPage,
          logLevel: settings.logLevel,
          only: settings.only ?? null,
        },
      },
      figures,
      Object.fromEntries(failures),
    );
    console.log(`results written to ${settings.resultsFile}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
