import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort } from './registry.js';

/** The machine's Redis (127.0.0.1:6379; BERTH_TEST_REDIS_URL overrides) and a key prefix no other test uses. */
export function redisTestSettings(): { url: string; keyPrefix: string } {
  return { url: process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', keyPrefix: `berth-test-${randomBytes(5).toString('hex')}:` };
}

/** A private redis-server a test may stop and start again (outage tests), on a free port. */
export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Starts redis-server (from Debian's package, as CI installs it) without persistence. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    await new Promise<void>((ready, fail) => {
      let text = '';
      started.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('Ready to accept connections')) ready();
      });
      started.once('exit', (code) => fail(new Error(`redis-server exited with ${code}: ${text}`)));
    });
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((done) => {
      running.once('exit', () => done());
      running.kill('SIGKILL');
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, stop, start };
}

/** Polls `check` every 20 ms until it is true; fails after timeoutMs with `what`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
