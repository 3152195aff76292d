/**
 * What a new user meets on the first runs: a misspelled BERTH_* variable, a busy port, and
 * stopping `npm start` with SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BERTH_BIN, freePort } from '../support/registry.js';
import { runBerth, scratchDir } from './berth-process.js';

const root = dirname(dirname(BERTH_BIN));
const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
});

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

describe('first runs', () => {
  it('`berth serve` with BERTH_METADTA_URL exits 2 naming BERTH_METADATA_URL and creates nothing', async () => {
    const dir = await scratchDir();
    const run = await runBerth(['serve', '--data', join(dir, 'data'), '--listen', '127.0.0.1:0'], { BERTH_METADTA_URL: 'postgres://x@127.0.0.1/none' });
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'berth: unknown environment variable BERTH_METADTA_URL: no setting has that name (did you mean BERTH_METADATA_URL?); see docs/configuration.md\n');
  });

  it('`berth serve` on a busy port prints one line naming the address and exits 1', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((done) => blocker.listen(port, '127.0.0.1', done));
    cleanups.push(() => blocker.close());
    const dir = await scratchDir();
    const run = await runBerth(['serve', '--data', join(dir, 'data'), '--listen', `127.0.0.1:${port}`], { BERTH_LOG_LEVEL: 'warn', BERTH_ADMIN_PASSWORD: 'busy-port-password' });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `berth: cannot listen on 127.0.0.1:${port}: the address is already in use (EADDRINUSE); stop what listens there or choose another address with --listen or BERTH_LISTEN\n`);
  });

  it("`npm test`'s pretest finds PostgreSQL, Redis and Ceph RGW answering (it started them if not) and starts nothing", () => {
    const run = spawnSync('bash', ['scripts/test-services.sh'], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, '');
  });

  it("`npm start`'s prestart compiles nothing when the build is newer than every source, and compiles after a change", async () => {
    // A copy of the script in a tree of its own, with a stand-in tsc that notes each call: the
    // real tree may be edited (or built) while the suite runs.
    const tree = await scratchDir();
    for (const folder of ['scripts', 'src', 'test', 'bench', 'dist/src/cli', 'node_modules/.bin']) mkdirSync(join(tree, folder), { recursive: true });
    copyFileSync(join(root, 'scripts/build-if-changed.sh'), join(tree, 'scripts/build-if-changed.sh'));
    const calls = join(tree, 'tsc-calls');
    writeFileSync(join(tree, 'node_modules/.bin/tsc'), `#!/bin/sh\necho "$@" >> ${calls}\n`, { mode: 0o755 });
    for (const file of ['src/app.ts', 'tsconfig.json', 'package.json', 'package-lock.json']) writeFileSync(join(tree, file), '');
    const past = new Date(Date.now() - 60_000);
    for (const file of ['src/app.ts', 'src', 'test', 'bench', 'tsconfig.json', 'package.json', 'package-lock.json']) utimesSync(join(tree, file), past, past);
    writeFileSync(join(tree, 'dist/src/cli/main.js'), '');
    writeFileSync(join(tree, 'dist/.tsbuildinfo'), '');
    const built = new Date(Date.now() - 30_000);
    utimesSync(join(tree, 'dist/.tsbuildinfo'), built, built);
    const prestart = () => spawnSync('bash', ['scripts/build-if-changed.sh'], { cwd: tree, encoding: 'utf8' });

    const idle = prestart();
    assert.equal(idle.status, 0, idle.stderr);
    assert.equal(idle.stdout, '');
    assert.equal(existsSync(calls), false, 'tsc ran although nothing changed');

    writeFileSync(join(tree, 'src/app.ts'), 'export {};');
    const changed = prestart();
    assert.equal(changed.status, 0, changed.stderr);
    assert.equal(changed.stdout, 'prestart: sources changed since the last build; compiling\n');
    assert.equal(readFileSync(calls, 'utf8'), '-p tsconfig.json --incremental --tsBuildInfoFile dist/.tsbuildinfo\n');
  });

  it('SIGTERM to `npm start` stops the server it started', async () => {
    const dir = await scratchDir();
    const port = await freePort();
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BERTH_') && !name.startsWith('npm_')));
    // --ignore-scripts: prestart (the build) is not what is under test, dist is already built.
    const npm = spawn('npm', ['start', '--ignore-scripts', '--', '--data', join(dir, 'data'), '--listen', `127.0.0.1:${port}`], {
      cwd: root,
      env: { ...env, BERTH_LOG_LEVEL: 'warn', BERTH_ADMIN_PASSWORD: 'npm-start-password' },
      stdio: 'ignore',
    });
    cleanups.push(() => npm.kill('SIGKILL'));
    const exited = new Promise((done) => npm.once('exit', done));
    const url = `http://127.0.0.1:${port}/healthz`;
    let up = false;
    for (let i = 0; i < 150 && !up; i++) {
      up = await answers(url);
      if (!up) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(up, 'the server started by npm start answers');
    npm.kill('SIGTERM');
    await exited;
    let down = false;
    for (let i = 0; i < 100 && !down; i++) {
      down = !(await answers(url));
      if (!down) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(down, 'the server stopped with npm');
  });
});
