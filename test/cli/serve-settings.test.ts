import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../support/registry.js';
import { runBerth, scratchDir, startBerth, type BerthServer } from './berth-process.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function workDir(): Promise<string> {
  const dir = await scratchDir('berth-settings-');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function yaml(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function up(port: number, args: string[], env: Record<string, string>, cwd: string): Promise<BerthServer> {
  const server = await startBerth(port, args, env, cwd);
  cleanups.push(() => server.kill());
  return server;
}

/** True when something answers HTTP on 127.0.0.1:port. */
async function answers(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.status === 200,
    () => false,
  );
}

/** The msg of the "berth listening on …" startup line ('' when there is none). */
function startupMsg(server: BerthServer): string {
  return server.lines().find((l) => l.msg.startsWith('berth listening on'))?.msg ?? '';
}

/** Asserts the startup line names `address` and the SQLite file and blob folder under `data`. */
function assertStartup(server: BerthServer, address: string, data: string): void {
  const msg = startupMsg(server);
  assert.ok(msg.startsWith(`berth listening on ${address}`), `the startup line names ${address}: ${msg || server.stdout()}`);
  for (const path of [join(data, 'berth.db'), join(data, 'storage')]) assert.ok(msg.includes(path), `the startup line names ${path}: ${msg}`);
}

describe('berth serve settings: defaults ← --config YAML ← BERTH_* env ← flags', () => {
  it('honours listen, data and log.level from the --config YAML file', async () => {
    const dir = await workDir();
    const port = await freePort();
    const file = yaml(dir, 'berth.yaml', `listen: 127.0.0.1:${port}\ndata: ${join(dir, 'from-file')}\nlog:\n  level: warn\n`);
    const server = await up(port, ['--config', file], {}, dir);
    assert.ok(existsSync(join(dir, 'from-file', 'berth.db')), 'data comes from the file');
    assert.ok((await fetch(`${server.url}/v2/`)).status === 200);
    assert.deepEqual(
      server.lines().filter((l) => l.level < 40),
      [],
      'log.level: warn from the file keeps the startup and request lines (info) out',
    );
  });

  it('honours BERTH_LISTEN and BERTH_DATA from the environment', async () => {
    const dir = await workDir();
    const port = await freePort();
    const server = await up(port, [], { BERTH_LISTEN: `127.0.0.1:${port}`, BERTH_DATA: join(dir, 'from-env'), BERTH_LOG_LEVEL: 'info' }, dir);
    assert.ok(existsSync(join(dir, 'from-env', 'berth.db')), 'BERTH_DATA names the data folder');
    assertStartup(server, `http://127.0.0.1:${port}`, join(dir, 'from-env'));
  });

  it('lets the environment beat the file and the flags beat both, key by key', async () => {
    const dir = await workDir();
    const [filePort, envPort, flagPort] = [await freePort(), await freePort(), await freePort()];
    const file = yaml(dir, 'berth.yaml', `listen: 127.0.0.1:${filePort}\ndata: ${join(dir, 'file-data')}\nlog:\n  level: error\n`);

    // env beats file: listen and log.level from the environment, data still from the file.
    const envWins = await up(envPort, ['--config', file], { BERTH_LISTEN: `127.0.0.1:${envPort}`, BERTH_LOG_LEVEL: 'info' }, dir);
    assert.equal(await answers(filePort), false, 'the file\'s port is not used when BERTH_LISTEN is set');
    assertStartup(envWins, `http://127.0.0.1:${envPort}`, join(dir, 'file-data'));
    await envWins.kill();

    // flags beat env and file.
    const flagsWin = await up(
      flagPort,
      ['--config', file, '--listen', `127.0.0.1:${flagPort}`, '--data', join(dir, 'flag-data')],
      { BERTH_LISTEN: `127.0.0.1:${envPort}`, BERTH_DATA: join(dir, 'env-data'), BERTH_LOG_LEVEL: 'info' },
      dir,
    );
    assert.equal(await answers(envPort), false, 'BERTH_LISTEN is not used when --listen is given');
    assert.equal(await answers(filePort), false);
    assertStartup(flagsWin, `http://127.0.0.1:${flagPort}`, join(dir, 'flag-data'));
    assert.ok(!existsSync(join(dir, 'env-data')), 'BERTH_DATA is not used when --data is given');
  });
});

describe('berth serve stops on a bad setting, naming it', () => {
  const expectStop = async (args: string[], env: Record<string, string>, pattern: RegExp, oneLine = true): Promise<string> => {
    const dir = await workDir();
    const run = await runBerth(['serve', '--data', join(dir, 'data'), ...args], env, { cwd: dir });
    assert.equal(run.code, 2, `exit code 2, got ${run.code}; stderr: ${run.stderr}`);
    assert.match(run.stderr, pattern);
    if (oneLine) assert.equal(run.stderr.trim().split('\n').length, 1, `one line on stderr, no stack:\n${run.stderr}`);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(run.stdout, /listening/, 'it never started listening');
    assert.ok(!existsSync(join(dir, 'data')), 'nothing is created before the settings are valid');
    return run.stderr;
  };

  it('exits 2 on a bad BERTH_LISTEN with "berth: invalid setting listen from environment variable BERTH_LISTEN"', async () => {
    await expectStop([], { BERTH_LISTEN: 'nowhere' }, /^berth: invalid setting listen from environment variable BERTH_LISTEN: must be HOST:PORT/);
  });

  it('exits 2 on a bad --listen flag, naming the flag', async () => {
    await expectStop(['--listen', '127.0.0.1'], {}, /^berth: invalid setting listen from flag --listen/);
  });

  it('exits 2 on a bad value in the YAML file, naming the key and the file', async () => {
    const dir = await workDir();
    const file = yaml(dir, 'bad-value.yaml', 'log:\n  level: loud\n');
    await expectStop(['--config', file], {}, new RegExp(`^berth: invalid setting log\\.level from config file ${file}:`));
  });

  it('exits 2 on a bad BERTH_* number, naming the key', async () => {
    await expectStop([], { BERTH_SHUTDOWN_GRACE_SECONDS: 'soon' }, /^berth: invalid setting shutdown\.graceSeconds from environment variable BERTH_SHUTDOWN_GRACE_SECONDS/);
  });

  it('exits 2 on an unknown nested YAML key, naming its full dotted path', async () => {
    const dir = await workDir();
    const file = yaml(dir, 'unknown.yaml', 'storage:\n  drvier: filesystem\n');
    await expectStop(['--config', file], {}, /^berth: invalid setting .*storage\.drvier/);
  });

  it('exits 2 on an unknown top-level YAML key, naming it', async () => {
    const dir = await workDir();
    const file = yaml(dir, 'unknown-top.yaml', 'lisen: 127.0.0.1:5000\n');
    await expectStop(['--config', file], {}, /^berth: invalid setting .*\blisen\b/);
  });

  it('says which config file an unknown key came from (docs/configuration.md: "naming the key and where it came from")', async () => {
    const dir = await workDir();
    const file = yaml(dir, 'unknown-where.yaml', 'storage:\n  drvier: filesystem\n');
    const stderr = await expectStop(['--config', file], {}, /storage\.drvier/);
    assert.ok(stderr.includes(file), `the message names ${file}: ${stderr}`);
  });

  it('exits 2 when the config file is missing, naming the file', async () => {
    const dir = await workDir();
    const file = join(dir, 'missing.yaml');
    await expectStop(['--config', file], {}, new RegExp(`^berth: cannot read config file ${file}: ENOENT`));
  });

  it('exits 2 when the config file is a folder (unreadable), naming it', async () => {
    const dir = await workDir();
    const folder = join(dir, 'a-folder.yaml');
    mkdirSync(folder);
    await expectStop(['--config', folder], {}, new RegExp(`^berth: cannot read config file ${folder}: EISDIR`));
  });

  it('exits 2 when the config file is not YAML, naming the file and the line', async () => {
    const dir = await workDir();
    const file = yaml(dir, 'broken.yaml', 'listen: [\n');
    // The parser's excerpt of the offending line follows the message: several lines, on purpose.
    await expectStop(['--config', file], {}, new RegExp(`^berth: config file ${file} is not valid YAML: .* at line \\d+`), false);
  });
});
