import { spawnSync } from 'node:child_process';
import type { RegistryClient } from './registry-client.js';
import type { Figure } from './report.js';
import type { ServerUnderTest } from './servers.js';
import type { Samples, Workload, WorkloadContext } from './workloads.js';

/** One registry under test and the client that drives it. */
export interface Side {
  key: 'berth' | 'distribution';
  server: ServerUnderTest;
  client: RegistryClient;
}

/** Flushes dirty pages, so one server's writes are not paid for during the other one's run. */
function flushDisks(): void {
  spawnSync('sync');
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

/**
 * Runs a workload against every side, one server at a time: setup on each, then `rounds`
 * measurement rounds whose server order alternates (B,D then D,B …), so drift and other load on
 * the machine fall on both alike. Returns the workload's figures, filled in.
 */
export async function runSideBySide(workload: Workload, sides: Side[], context: WorkloadContext, rounds: number, failures: Map<string, number>): Promise<Figure[]> {
  const figures = workload.figures.map((f) => ({ ...f }));
  const collected = new Map<string, Samples>(sides.map((side) => [side.key, {}]));
  const record = (side: Side, samples: Samples): void => {
    const into = collected.get(side.key) as Samples;
    for (const [id, values] of Object.entries(samples)) {
      if (id === 'failures') failures.set(side.key, (failures.get(side.key) ?? 0) + values.reduce((a, b) => a + b, 0));
      else into[id] = [...(into[id] ?? []), ...values];
    }
  };
  const log = (side: Side, what: string, samples: Samples, started: number): void => {
    const text = Object.entries(samples)
      .filter(([id]) => id !== 'failures')
      .map(([id, values]) => `${id}=${values.length > 4 ? `mean ${mean(values).toFixed(1)} of ${values.length}` : values.map((v) => v.toFixed(1)).join('/')}`)
      .join(' ');
    console.log(`  ${side.server.name.padEnd(12)} ${what.padEnd(7)} ${text}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  };

  if (workload.setup) {
    for (const side of sides) {
      const started = Date.now();
      const samples = await workload.setup(side.client, context);
      record(side, samples);
      log(side, 'setup', samples, started);
    }
  }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      flushDisks();
      const started = Date.now();
      const samples = await workload.measure(side.client, context, round);
      record(side, samples);
      log(side, `round ${round + 1}`, samples, started);
    }
  }

  for (const figure of figures) {
    for (const side of sides) {
      const values = collected.get(side.key)?.[figure.id];
      if (!values || values.length === 0) continue;
      figure[side.key] = figure.aggregate === 'mean' ? mean(values) : median(values);
      const spread = { samples: values.length, min: round1(Math.min(...values)), max: round1(Math.max(...values)) };
      figure.detail = { ...figure.detail, [side.key]: spread };
    }
  }
  return figures;
}
