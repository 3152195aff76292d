import { readFileSync } from 'node:fs';

/**
 * Summarises a V8 .cpuprofile (from BENCH_BERTH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR"):
 * the functions with the most self time, and the files and packages with the most time.
 *
 *   node dist/bench/cpu-profile-summary.js DIR/CPU.….cpuprofile [top]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** "node_modules/fastify/lib/reply.js" → "fastify"; dist/src/… stays a path; node internals stay. */
function place(url: string): string {
  if (!url) return '(native / V8)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return `pkg ${modules[1]}`;
  const own = /\/dist\/(.*)$/.exec(url);
  if (own) return own[1] as string;
  return url.replace(/^file:\/\//, '');
}

function top(map: Map<string, number>, total: number, count: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, micros]) => `${((micros / total) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${key}`);
}

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node dist/bench/cpu-profile-summary.js FILE.cpuprofile [top]');
  const count = Number(process.argv[3] ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);

  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  for (const [id, micros] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = place(frame.url);
    const key = `${frame.functionName || '(anonymous)'}  ${where}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + micros);
    places.set(where, (places.get(where) ?? 0) + micros);
  }
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
  console.log('\nself time by function:');
  console.log(top(functions, total, count).join('\n'));
  console.log('\nself time by file or package:');
  console.log(top(places, total, count).join('\n'));
}

main();
