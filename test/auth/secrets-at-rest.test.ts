/**
 * Secrets at rest (issue #10): the data folder is 0700 and the SQLite files 0600 whatever the
 * umask, looser modes of an existing install are tightened with a warning, and with a
 * key-encryption secret the token-signing private keys are stored sealed — a node with the wrong
 * secret (or none) refuses to start rather than making a key of its own.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createBerth, type Berth } from '../../src/app.js';
import { isSealed, KeyEncryptionError } from '../../src/auth/key-encryption.js';
import { loadConfig } from '../../src/app.js';

const SECRET = 'correct horse battery staple 1';

interface LogLine {
  level: number;
  msg: string;
  path?: string;
  oldMode?: string;
}

/** A registry on `data` (not listening), logging warnings into `lines`. */
async function open(data: string, env: Record<string, string> = {}, lines: LogLine[] = []): Promise<Berth> {
  const config = loadConfig({ env: { BERTH_AUTH_MODE: 'none', BERTH_GC_INTERVAL_SECONDS: '0', BERTH_LIFECYCLE_INTERVAL_SECONDS: '0', ...env }, flags: { data } });
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return createBerth(config, logger);
}

async function modeOf(path: string): Promise<string> {
  return `0${((await stat(path)).mode & 0o777).toString(8)}`;
}

describe('secrets at rest', { timeout: 60_000 }, () => {
  let scratch: string;
  const oldUmask = process.umask(0o022);

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'berth-secrets-'));
  });

  after(async () => {
    process.umask(oldUmask);
    await rm(scratch, { recursive: true, force: true });
  });

  it('creates the data folder 0700 and berth.db, -wal and -shm 0600 on first start under umask 022', async () => {
    const data = join(scratch, 'fresh', 'data');
    const berth = await open(data);
    try {
      assert.equal(await modeOf(data), '0700');
      for (const file of ['berth.db', 'berth.db-wal', 'berth.db-shm']) assert.equal(await modeOf(join(data, file)), '0600', file);
    } finally {
      await berth.close();
    }
  });

  it('tightens an existing 0755 folder and 0644 database files at start, one warning line each naming the path and old mode', async () => {
    const data = join(scratch, 'loose');
    await (await open(data)).close();
    await chmod(data, 0o755);
    await chmod(join(data, 'berth.db'), 0o644);
    // The WAL files are gone after a clean close; an older version left them world-readable too.
    await writeFile(join(data, 'berth.db-wal'), '', { mode: 0o644 });
    await chmod(join(data, 'berth.db-wal'), 0o644);
    const lines: LogLine[] = [];
    const berth = await open(data, {}, lines);
    try {
      assert.equal(await modeOf(data), '0700');
      assert.equal(await modeOf(join(data, 'berth.db')), '0600');
      assert.equal(await modeOf(join(data, 'berth.db-wal')), '0600');
      const warnings = lines.filter((line) => line.level === 40 && line.path !== undefined).map((line) => [line.path, line.oldMode, line.msg]);
      assert.deepEqual(warnings, [
        [data, '0755', `${data} was readable by others (mode 0755): made it owner-only`],
        [join(data, 'berth.db'), '0644', `${join(data, 'berth.db')} was readable by others (mode 0644): made it owner-only`],
        [join(data, 'berth.db-wal'), '0644', `${join(data, 'berth.db-wal')} was readable by others (mode 0644): made it owner-only`],
      ]);
    } finally {
      await berth.close();
    }
  });

  it('stores the private signing key sealed when a secret is set, and its tokens verify on a second start', async () => {
    const data = join(scratch, 'sealed');
    const first = await open(data, { BERTH_AUTH_KEY_ENCRYPTION_KEY: SECRET });
    let token: string;
    try {
      const [key, ...more] = await first.store.signingKeys.list();
      assert.ok(key);
      assert.equal(more.length, 0);
      assert.equal(isSealed(key.privateJwk), true);
      assert.doesNotMatch(key.privateJwk, /"d"/, 'the private parameter d is not in clear');
      assert.doesNotMatch(key.privateJwk, /"kty"/);
      token = (await first.auth.tokens.issueAccess({ kind: 'user', name: 'alice' }, [{ type: 'repository', name: 'a/b', actions: ['pull'] }])).token;
    } finally {
      await first.close();
    }
    const secretFile = join(scratch, 'kek');
    await writeFile(secretFile, `${SECRET}\n`, { mode: 0o600 });
    const second = await open(data, { BERTH_AUTH_KEY_ENCRYPTION_KEY_FILE: secretFile });
    try {
      const claims = await second.auth.tokens.verifyAccess(token);
      assert.equal(claims?.subject.name, 'alice');
      assert.deepEqual(claims?.access, [{ type: 'repository', name: 'a/b', actions: ['pull'] }]);
      const reissued = (await second.auth.tokens.issueAccess({ kind: 'user', name: 'bob' }, [])).token;
      assert.equal((await second.auth.tokens.verifyAccess(reissued))?.subject.name, 'bob');
    } finally {
      await second.close();
    }
  });

  it('refuses to start with the wrong secret or none, naming the key, and never makes a key of its own', async () => {
    const data = join(scratch, 'sealed');
    await assert.rejects(open(data, { BERTH_AUTH_KEY_ENCRYPTION_KEY: 'another secret of some length' }), (error: unknown) => {
      assert.ok(error instanceof KeyEncryptionError);
      assert.match(error.message, /^signing key [0-9a-f-]+ was encrypted with another key-encryption secret \(key id [0-9a-f]{16}; the configured one is [0-9a-f]{16}\): give every node the same auth\.keyEncryptionKey$/);
      return true;
    });
    await assert.rejects(open(data), (error: unknown) => {
      assert.ok(error instanceof KeyEncryptionError);
      assert.match(error.message, /^signing key [0-9a-f-]+ is stored encrypted but no key-encryption secret is configured: set auth\.keyEncryptionKey \(or auth\.keyEncryptionKeyFile\)$/);
      return true;
    });
    const check = await open(data, { BERTH_AUTH_KEY_ENCRYPTION_KEY: SECRET });
    try {
      assert.equal((await check.store.signingKeys.list()).length, 1);
    } finally {
      await check.close();
    }
  });

  it('seals a key stored in clear at the first start with a secret, keeping its kid and its tokens valid', async () => {
    const data = join(scratch, 'upgrade');
    await mkdir(data, { recursive: true, mode: 0o700 });
    const plain = await open(data);
    let kid: string;
    let token: string;
    try {
      const [key] = await plain.store.signingKeys.list();
      assert.ok(key);
      assert.match(key.privateJwk, /"d":/);
      kid = key.kid;
      token = (await plain.auth.tokens.issueAccess({ kind: 'user', name: 'carol' }, [])).token;
    } finally {
      await plain.close();
    }
    const sealed = await open(data, { BERTH_AUTH_KEY_ENCRYPTION_KEY: SECRET });
    try {
      const keys = await sealed.store.signingKeys.list();
      assert.deepEqual(keys.map((k) => [k.kid, isSealed(k.privateJwk)]), [[kid, true]]);
      assert.equal((await sealed.auth.tokens.verifyAccess(token))?.subject.name, 'carol');
    } finally {
      await sealed.close();
    }
  });
});
