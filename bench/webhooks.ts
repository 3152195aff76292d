/**
 * The webhooks group (BENCH_ONLY=webhooks): what webhooks cost the requests they report, Berth
 * against itself (Distribution's notifications are an in-memory queue, not comparable):
 * - pushes of small images, one at a time, with no webhook and with one webhook on pushes
 *   (target: ≤ 5 % slower), and — what lineage's background recording of each push costs —
 *   with no webhook and lineage off;
 * - manifest GETs under load with no webhook and with 10 webhooks on pulls (target: ≤ 3 %);
 * - outbox-to-receiver latency on an idle registry: from a push's 201 to its delivery's arrival
 *   at a receiver on loopback, p50 and p99.
 * The two servers of a comparison run side by side, in alternating rounds, as in the main bench.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pushSmallImage, smallImage, MANIFEST_ACCEPT } from './fixtures.js';
import { loadGet } from './http-load.js';
import { RegistryClient } from './registry-client.js';
import { BENCH_ADMIN, startBerth, type ServerUnderTest } from './servers.js';
import type { BenchSettings } from './settings.js';

export interface WebhookFigures {
  pushesPerSecond: { without: number; with: number; ratio: number; withoutLineage: number; lineageRatio: number };
  pullsPerSecond: { without: number; with: number; ratio: number };
  deliveryLatencyMs: { p50: number; p99: number; samples: number };
}

const ENV = { BERTH_WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true' };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

// The receiver runs in a process of its own, as a real one would on another machine: in the
// bench's process it would take the pushing client's time whenever a delivery arrived.
const RECEIVER = `
const { createServer } = require('node:http');
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const at = process.hrtime.bigint();
    try {
      const digest = JSON.parse(Buffer.concat(chunks).toString('utf8')).data?.target?.digest;
      if (digest) process.stdout.write('arrived ' + digest + ' ' + at + '\\n');
    } catch {}
    res.writeHead(200).end();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('port ' + server.address().port + '\\n'));
`;

/** A receiver process that answers 200 and reports when each delivery for a digest arrived (on the monotonic clock every process shares). */
async function receiver(): Promise<{ process: ChildProcess; url: string; arrivals: Map<string, number> }> {
  const arrivals = new Map<string, number>();
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the webhook receiver exited with ${code}`)));
    lines.on('line', (line) => {
      const [word, first, second] = line.split(' ');
      if (word === 'port') resolve(Number(first));
      else if (word === 'arrived' && first && second) arrivals.set(first, Number(BigInt(second) / 1000n) / 1000);
    });
  });
  return { process: child, url: `http://127.0.0.1:${port}/hook`, arrivals };
}

/** Now on the clock the receiver's arrivals are on, in ms. */
const now = (): number => Number(process.hrtime.bigint() / 1000n) / 1000;

async function addWebhook(server: ServerUnderTest, url: string, events: string[]): Promise<void> {
  const response = await fetch(`${server.baseUrl}/api/v1/webhooks`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${BENCH_ADMIN.username}:${BENCH_ADMIN.password}`).toString('base64')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url, events }),
  });
  if (response.status !== 201) throw new Error(`webhook create answered ${response.status}: ${await response.text()}`);
}

/** Small-image pushes per second, one at a time, for `ms`. */
async function pushRate(client: RegistryClient, repository: string, ms: number): Promise<number> {
  const started = performance.now();
  let pushed = 0;
  while (performance.now() - started < ms) await pushSmallImage(client, repository, smallImage(), `t${pushed++}`);
  return pushed / ((performance.now() - started) / 1000);
}

export async function runWebhookBench(options: { repoRoot: string; settings: BenchSettings }): Promise<WebhookFigures> {
  const { repoRoot, settings } = options;
  const rounds = settings.quick ? 1 : 3;
  const seconds = settings.quick ? 2 : 5;
  const hook = await receiver();
  const start = (): Promise<ServerUnderTest> => startBerth(repoRoot, settings.logLevel, settings.berthNodeFlags, 'token', ENV);
  const plain = await start();
  const hooked = await start();
  const bare = await startBerth(repoRoot, settings.logLevel, settings.berthNodeFlags, 'token', { ...ENV, BERTH_LINEAGE_ENABLED: 'false' });
  try {
    const clients = { plain: new RegistryClient(plain.baseUrl, BENCH_ADMIN), hooked: new RegistryClient(hooked.baseUrl, BENCH_ADMIN), bare: new RegistryClient(bare.baseUrl, BENCH_ADMIN) };
    console.log(`webhooks: Berth against itself; pushes one at a time for ${seconds} s and manifest GETs for ${seconds} s per round, ${rounds} alternating rounds`);

    await addWebhook(hooked, hook.url, ['push']);
    const pushes = { plain: [] as number[], hooked: [] as number[], bare: [] as number[] };
    // A first round warms every server up (JIT, page cache) and is not counted: unwarmed, the
    // first side measured was 20-30 % slower than in later rounds.
    for (let round = -1; round < rounds; round++) {
      const order = round % 2 === 0 ? (['plain', 'hooked', 'bare'] as const) : (['bare', 'hooked', 'plain'] as const);
      for (const side of order) {
        const rate = await pushRate(clients[side], `bench/push-${round + 1}`, seconds * 1000);
        if (round >= 0) pushes[side].push(rate);
      }
    }

    // Ten webhooks on pulls (and the one on pushes) against none.
    for (let i = 0; i < 10; i++) await addWebhook(hooked, hook.url, ['pull']);
    const image = smallImage();
    for (const side of ['plain', 'hooked'] as const) await pushSmallImage(clients[side], 'bench/pull', image, 'latest');
    const pulls = { plain: [] as number[], hooked: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['plain', 'hooked'] as const) : (['hooked', 'plain'] as const);
      for (const side of order) {
        const server = side === 'plain' ? plain : hooked;
        const headers = { Accept: MANIFEST_ACCEPT, ...(await clients[side].authorizationFor('/v2/bench/pull/manifests/latest')) };
        pulls[side].push((await loadGet(`${server.baseUrl}/v2/bench/pull/manifests/latest`, headers, { connections: 16, seconds, warmupSeconds: 1 })).requestsPerSecond);
      }
    }

    // Latency on an idle registry: one push, wait for its delivery, pause, again.
    const latencies: number[] = [];
    const samples = settings.quick ? 20 : 60;
    for (let i = 0; i < samples; i++) {
      const pushed = smallImage();
      await pushSmallImage(clients.hooked, 'bench/latency', pushed, `l${i}`);
      const acknowledged = now();
      const deadline = acknowledged + 10_000;
      while (!hook.arrivals.has(pushed.manifest.digest) && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
      const arrived = hook.arrivals.get(pushed.manifest.digest);
      if (arrived !== undefined) latencies.push(arrived - acknowledged);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    latencies.sort((a, b) => a - b);

    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const figures: WebhookFigures = {
      pushesPerSecond: {
        without: median(pushes.plain),
        with: median(pushes.hooked),
        ratio: median(pushes.hooked) / median(pushes.plain),
        withoutLineage: median(pushes.bare),
        lineageRatio: median(pushes.plain) / median(pushes.bare),
      },
      pullsPerSecond: { without: median(pulls.plain), with: median(pulls.hooked), ratio: median(pulls.hooked) / median(pulls.plain) },
      deliveryLatencyMs: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)), samples: latencies.length },
    };
    const { pushesPerSecond: p, pullsPerSecond: g, deliveryLatencyMs: l } = figures;
    console.log(`  push: ${p.without.toFixed(1)}/s without a webhook, ${p.with.toFixed(1)}/s with one on pushes: ${(p.ratio * 100).toFixed(1)} % (target ≥ 95 %)`);
    console.log(`  push: ${p.withoutLineage.toFixed(1)}/s with lineage off: lineage's recording costs pushes ${((1 - p.lineageRatio) * 100).toFixed(1)} %`);
    console.log(`  pull: ${g.without.toFixed(0)}/s without, ${g.with.toFixed(0)}/s with 10 webhooks on pulls: ${(g.ratio * 100).toFixed(1)} % (target ≥ 97 %)`);
    console.log(`  outbox to receiver on an idle registry: p50 ${l.p50} ms, p99 ${l.p99} ms (${l.samples} pushes; the dispatcher polls every events.dispatchIntervalMs, 250 ms)`);
    return figures;
  } finally {
    await plain.stop();
    await hooked.stop();
    await bare.stop();
    hook.process.kill();
  }
}
