/**
 * The loginflood group (BENCH_ONLY=loginflood): real-login latency while a flood of Basic logins
 * under random, unknown user names hits /v2/ (each such attempt costs the dummy argon2 check that
 * keeps unknown names as slow as wrong passwords). Distribution has no equivalent password auth
 * (htpasswd only, bcrypt, no throttle), so this compares Berth with itself: at rest, and flooded
 * under each protection setting — the per-address allowance of unknown names (the default), the
 * capped verification lane alone (a flood from many addresses, the allowance off), and neither
 * (the behaviour before issue 10).
 *
 * The flood sends at least its count of attempts and goes on until the last real login is measured.
 * A real login is a GET /v2/ with a password never sent before: each of REAL_USERS accounts logs
 * in once, so no login is served by the authenticator's short cache of recent successes.
 */
import { randomBytes } from 'node:crypto';
import { BENCH_ADMIN, startBerth, type ServerUnderTest } from './servers.js';
import type { BenchSettings } from './settings.js';

const MiB = 1024 * 1024;

/** One measured scenario. */
export interface LoginFloodFigures {
  scenario: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  floodAttempts: number;
  floodStatuses: Record<string, number>;
  rssGrowthMiB: number;
}

interface Scenario {
  name: string;
  env: Record<string, string>;
  flood: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'at rest (defaults)', env: {}, flood: false },
  { name: 'flood, defaults (unknown names per address limited, lane of 4)', env: {}, flood: true },
  { name: 'flood, lane of 4 only (per-address limit off: a flood from many addresses)', env: { BERTH_RATE_LIMITS_UNKNOWN_USER_LOGINS_PER_IP: '0' }, flood: true },
  { name: 'flood, no protection (limit off, lane off: before issue 10)', env: { BERTH_RATE_LIMITS_UNKNOWN_USER_LOGINS_PER_IP: '0', BERTH_RATE_LIMITS_PASSWORD_VERIFICATIONS: '0' }, flood: true },
];

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function createUsers(server: ServerUnderTest, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `real${i}`);
  for (const name of names) {
    const response = await fetch(`${server.baseUrl}/api/v1/users`, {
      method: 'POST',
      headers: { Authorization: basic(BENCH_ADMIN.username, BENCH_ADMIN.password), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, password: `${name}-password-1` }),
    });
    await response.arrayBuffer();
    if (response.status !== 201) throw new Error(`creating ${name}: ${response.status}`);
  }
  return names;
}

/** Floods unknown-name logins with `concurrency` workers: at least `total`, and on until `measuring` says stop; counts statuses. */
async function flood(server: ServerUnderTest, total: number, concurrency: number, statuses: Record<string, number>, measuring: () => boolean): Promise<number> {
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < total || measuring()) {
      sent++;
      try {
        const response = await fetch(`${server.baseUrl}/v2/`, { headers: { Authorization: basic(randomBytes(8).toString('hex'), 'guess') } });
        await response.arrayBuffer();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      } catch {
        statuses.error = (statuses.error ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return sent;
}

async function realLogins(server: ServerUnderTest, names: string[], gapMs: number): Promise<number[]> {
  const latencies: number[] = [];
  for (const name of names) {
    const started = performance.now();
    const response = await fetch(`${server.baseUrl}/v2/`, { headers: { Authorization: basic(name, `${name}-password-1`) } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`real login of ${name}: ${response.status}`);
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  return latencies;
}

async function runScenario(repoRoot: string, settings: BenchSettings, scenario: Scenario, attempts: number, users: number): Promise<LoginFloodFigures> {
  const server = await startBerth(repoRoot, settings.logLevel, settings.berthNodeFlags, 'token', scenario.env);
  try {
    const names = await createUsers(server, users);
    const before = (await server.memory()).rssBytes;
    const statuses: Record<string, number> = {};
    let measuring = true;
    const flooding = scenario.flood ? flood(server, attempts, 100, statuses, () => measuring) : Promise.resolve(0);
    // Let the flood build up before measuring.
    if (scenario.flood) await new Promise((resolve) => setTimeout(resolve, 200));
    const latencies = (await realLogins(server, names, 20)).sort((a, b) => a - b);
    measuring = false;
    const floodAttempts = await flooding;
    const after = (await server.memory()).peakRssBytes;
    return {
      scenario: scenario.name,
      p50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
      p99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
      maxMs: Math.round((latencies[latencies.length - 1] ?? 0) * 10) / 10,
      floodAttempts,
      floodStatuses: statuses,
      rssGrowthMiB: Math.round(((after - before) / MiB) * 10) / 10,
    };
  } finally {
    await server.stop();
  }
}

/** Runs every scenario one after another and prints a table. */
export async function runLoginFlood(options: { repoRoot: string; settings: BenchSettings }): Promise<LoginFloodFigures[]> {
  const attempts = options.settings.quick ? 300 : 1500;
  const users = options.settings.quick ? 20 : 50;
  console.log(`loginflood: at least ${attempts} Basic logins under random unknown names (100 at a time, on until the last real login) against ${users} real logins, one every ~20 ms; Berth against itself (Distribution has no equivalent auth)`);
  const results: LoginFloodFigures[] = [];
  for (const scenario of SCENARIOS) {
    const figures = await runScenario(options.repoRoot, options.settings, scenario, attempts, users);
    results.push(figures);
    console.log(`  ${figures.scenario}: real login p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, max ${figures.maxMs} ms; flood ${figures.floodAttempts} (${JSON.stringify(figures.floodStatuses)}); peak RSS growth ${figures.rssGrowthMiB} MiB`);
  }
  return results;
}
