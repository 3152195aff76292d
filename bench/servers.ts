import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A registry under test: a child process on 127.0.0.1 with its own temporary data folder. */
export interface ServerUnderTest {
  /** "Berth" or "Distribution". */
  readonly name: string;
  /** e.g. http://127.0.0.1:41234 */
  readonly baseUrl: string;
  readonly pid: number;
  /** Resident memory now and its peak, from /proc/<pid>/status. */
  memory(): Promise<{ rssBytes: number; peakRssBytes: number }>;
  /** SIGTERM, then SIGKILL after a grace period; removes the data folder. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound once, then released for the child to take). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function readStatus(pid: number): Promise<{ rssBytes: number; peakRssBytes: number }> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

/** Polls GET /v2/ until it answers (200, or 401 from a registry with access control), failing early when the process dies. */
async function waitReady(baseUrl: string, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    }
    try {
      const response = await fetch(`${baseUrl}/v2/`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server at ${baseUrl} not ready after ${timeoutMs} ms:\n${output()}`);
}

/** Spawns a server, waits until GET /v2/ answers, and wraps it; stopping it removes `dataDir`. */
export async function launch(name: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv }, port: number, dataDir: string): Promise<ServerUnderTest> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Keep only the tail of the output, for error messages; the pipes must be drained either way.
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitReady(baseUrl, child, () => tail);
  } catch (error) {
    await stop();
    throw error;
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} has no pid`);
  return { name, baseUrl, pid, memory: () => readStatus(pid), stop };
}

/** The admin password of the benchmark's Berth (a throw-away registry in a temp folder). */
export const BENCH_ADMIN = { username: 'admin', password: 'bench-admin-password' };

/**
 * Starts Berth from this checkout's bin/berth.js (built dist/), on its own data folder, with
 * access control as asked (tokens live an hour so none expires mid-run). `extraEnv` adds BERTH_*
 * settings (the scale-out nodes' shared PostgreSQL, bucket and Redis).
 */
export async function startBerth(repoRoot: string, logLevel: string, nodeFlags: string[], auth: 'token' | 'none', extraEnv: Record<string, string> = {}): Promise<ServerUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-bench-berth-'));
  const port = await freePort();
  const args = [...nodeFlags, 'bin/berth.js', 'serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir];
  const env = { ...process.env, BERTH_LOG_LEVEL: logLevel, BERTH_AUTH_MODE: auth, BERTH_ADMIN_PASSWORD: BENCH_ADMIN.password, BERTH_AUTH_TOKEN_LIFETIME_SECONDS: '3600', ...extraEnv };
  return launch('Berth', process.execPath, args, { cwd: repoRoot, env }, port, dataDir);
}

/**
 * The start of every Distribution config.yml the bench writes: the log level (access log off
 * unless logging at info) and the stock in-memory blob descriptor cache; storage driver lines follow.
 */
export function distributionConfigHead(logLevel: string): string[] {
  return [
    'version: 0.1',
    'log:',
    `  level: ${logLevel}`,
    '  accesslog:',
    `    disabled: ${logLevel === 'error'}`,
    'storage:',
    '  cache:',
    '    blobdescriptor: inmemory',
  ];
}

/**
 * Starts CNCF Distribution with its stock filesystem setup (in-memory blob descriptor cache, as
 * the packaged config.yml has), deletes enabled, its access log off unless logging at info, and
 * catalog.maxentries raised to `catalogPage` so one request can list the whole catalog.
 */
export async function startDistribution(binary: string, logLevel: string, catalogPage: number): Promise<ServerUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-bench-distribution-'));
  const port = await freePort();
  const config = [
    ...distributionConfigHead(logLevel),
    '  filesystem:',
    `    rootdirectory: ${join(dataDir, 'storage')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    'catalog:',
    `  maxentries: ${Math.max(1000, catalogPage)}`,
    '',
  ].join('\n');
  const configFile = join(dataDir, 'config.yml');
  await writeFile(configFile, config);
  return launch('Distribution', binary, ['serve', configFile], {}, port, dataDir);
}
