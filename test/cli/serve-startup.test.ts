import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pushBlob, randomBlob } from '../support/fixtures.js';
import { freePort } from '../support/registry.js';
import { runBerth, scratchDir, startBerth, type BerthServer } from './berth-process.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function serve(args: (port: number, dir: string) => string[], env: Record<string, string> = {}): Promise<{ server: BerthServer; dir: string }> {
  const dir = await scratchDir();
  const port = await freePort();
  const server = await startBerth(port, args(port, dir), env, dir);
  cleanups.push(async () => {
    await server.kill();
    await rm(dir, { recursive: true, force: true });
  });
  return { server, dir };
}

describe('berth --help', () => {
  it('`berth --help` prints usage naming the serve command and exits 0', async () => {
    const run = await runBerth(['--help']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Usage: berth/);
    assert.match(run.stdout, /\bserve\b/);
  });

  it('`berth serve --help` prints usage listing --listen, --data and --config and exits 0', async () => {
    const run = await runBerth(['serve', '--help']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Usage: berth serve/);
    for (const flag of ['--listen', '--data', '--config']) assert.match(run.stdout, new RegExp(`${flag}\\b`), `serve --help lists ${flag}`);
  });

  it('`berth help serve` prints the same usage as `berth serve --help`', async () => {
    const [help, flag] = await Promise.all([runBerth(['help', 'serve']), runBerth(['serve', '--help'])]);
    assert.equal(help.code, 0);
    assert.equal(help.stdout, flag.stdout);
  });
});

describe('berth serve --listen --data', () => {
  it('prints exactly one JSON startup line naming the address, the storage folder and the SQLite file under --data', async () => {
    // Access control on, as by default (with mode none a warning line precedes the startup line).
    const env = { BERTH_LOG_LEVEL: 'info', BERTH_AUTH_MODE: 'token', BERTH_ADMIN_PASSWORD: 'startup-admin-password' };
    const { server, dir } = await serve((port, d) => ['--listen', `127.0.0.1:${port}`, '--data', join(d, 'data')], env);
    const data = join(dir, 'data');
    const lines = server.lines();
    assert.ok(
      lines.every((l) => l.level !== -1),
      `every stdout line is JSON:\n${server.stdout()}`,
    );
    // Everything the server said before the first request (the readiness probe) is its startup.
    const startup = lines.filter((l) => l.msg !== 'request');
    assert.equal(startup.length, 1, `exactly one startup line, got:\n${startup.map((l) => JSON.stringify(l)).join('\n')}`);
    const line = startup[0] as { msg: string };
    assert.ok(line.msg.includes(`127.0.0.1:${server.port}`), `the startup msg names the address: ${line.msg}`);
    assert.ok(line.msg.includes(join(data, 'storage')), `the startup msg names the storage folder: ${line.msg}`);
    assert.ok(line.msg.includes(join(data, 'berth.db')), `the startup msg names the SQLite file: ${line.msg}`);
    assert.equal(server.stderr(), '', 'nothing on stderr');
  });

  it('creates DIR/berth.db and, on the first push, DIR/storage', async () => {
    const { server, dir } = await serve((port, d) => ['--listen', `127.0.0.1:${port}`, '--data', join(d, 'fresh', 'data')]);
    const data = join(dir, 'fresh', 'data');
    assert.ok(statSync(join(data, 'berth.db')).isFile(), 'the SQLite database is created at startup');
    const blob = randomBlob(4096);
    await pushBlob(server.url, 'startup/first', blob);
    assert.ok(statSync(join(data, 'storage')).isDirectory(), 'the blob folder exists after the first push');
    assert.equal((await fetch(`${server.url}/v2/startup/first/blobs/${blob.digest}`, { method: 'HEAD' })).status, 200);
    assert.ok(!existsSync(join(dir, 'data')), 'nothing lands in the working directory');
  });
});
