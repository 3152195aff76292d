import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createBerth, type Berth } from '../../src/app.js';
import { loadConfig } from '../../src/app.js';
import { dropTestSchema } from './postgres.js';

/** A registry running in this process on a free port, with its own temp data folder. */
export interface TestRegistry {
  berth: Berth;
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, as image references want it. */
  host: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Starts Berth in process. `settings` are BERTH_* variables, e.g. { BERTH_METADATA_URL: … }.
 * Access control is off (BERTH_AUTH_MODE=none) unless the settings turn it on: most suites test
 * the registry API itself; test/auth/ tests access control.
 */
export async function startRegistry(settings: Record<string, string> = {}): Promise<TestRegistry> {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-test-'));
  const config = loadConfig({ env: { BERTH_LOG_LEVEL: 'silent', BERTH_AUTH_MODE: 'none', ...settings }, flags: { data: dataDir, listen: '127.0.0.1:0' } });
  const berth = await createBerth(config, pino({ level: config.log.level }));
  await berth.server.listen({ host: '127.0.0.1', port: 0 });
  const address = berth.server.server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  const host = `127.0.0.1:${address.port}`;
  return {
    berth,
    url: `http://${host}`,
    host,
    dataDir,
    stop: async () => {
      await berth.close();
      await rm(dataDir, { recursive: true, force: true });
      if (settings.BERTH_METADATA_URL) await dropTestSchema(settings.BERTH_METADATA_URL);
    },
  };
}

/** The compiled CLI entry, for tests that run `berth` as a separate process. */
export const BERTH_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/berth.js');

/** A `berth serve` child process (for kill -9 and signal tests); access control off unless `env` says. */
export interface RegistryProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code or signal once the process ended. */
  exited: Promise<number | string>;
}

/**
 * Runs `berth serve` on a data folder and port (plus extra `args`, e.g. --tls-cert), resolving
 * once its startup line appeared. Rejects when the process exits first.
 */
export async function spawnRegistry(dataDir: string, port: number, env: Record<string, string> = {}, args: string[] = []): Promise<RegistryProcess> {
  const child = spawn(process.execPath, [BERTH_BIN, 'serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`, ...args], {
    env: { ...process.env, BERTH_AUTH_MODE: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
  await new Promise<void>((ready, fail) => {
    const deadline = Date.now() + 30_000;
    const timer = setInterval(() => {
      if (Date.now() > deadline) {
        clearInterval(timer);
        child.kill('SIGKILL');
        fail(new Error(`berth printed no startup line within 30 s (is the log level below info?):\n${text}`));
      }
      if (text.includes('berth listening on')) {
        clearInterval(timer);
        ready();
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(timer);
      fail(new Error(`berth exited with ${code} before listening:\n${text}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => text, exited };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
