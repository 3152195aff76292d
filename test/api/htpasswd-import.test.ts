import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import type { TestRegistry } from '../support/registry.js';
import { ADMIN, api, assertError, assertStatus, basic, createUser, startApiRegistry } from './support.js';

type ImportResult = { created: string[]; skipped: { line: number; name: string; reason: string }[]; refused: { line: number; reason: string }[] };

/** GET /token with Basic credentials: the registry's own login path. */
async function tokenStatus(registry: TestRegistry, username: string, password: string): Promise<number> {
  const response = await fetch(`${registry.url}/token?service=berth`, { headers: { Authorization: basic(username, password) } });
  await response.arrayBuffer();
  return response.status;
}

describe('admin API: htpasswd import', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let alice: string;
  let result: ImportResult;
  const hash2b = bcrypt.hashSync('bea-password-1', 10);
  const hash2y = bcrypt.hashSync('yan-password-1', 10).replace(/^\$2b\$/, '$2y$');

  before(async () => {
    registry = await startApiRegistry();
    alice = await createUser(registry, 'alice', 'alice-password-1');
    const file = [
      '# exported from Distribution',
      `bea:${hash2b}`,
      `yan:${hash2y}`,
      `alice:${bcrypt.hashSync('other-password', 4)}`,
      `Bad.User:${bcrypt.hashSync('x-password', 4)}`,
      'sha:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=',
      'no hash on this line',
      '',
    ].join('\n');
    const reply = await api<ImportResult>(registry, 'POST', '/users/import-htpasswd', { auth: ADMIN, text: file });
    assertStatus(reply, 200);
    result = reply.body;
  });

  after(async () => {
    await registry?.stop();
  });

  it('creates local accounts keeping the $2b$ and $2y$ bcrypt hashes', async () => {
    assert.deepEqual(result.created, ['bea', 'yan']);
    assert.equal((await registry.berth.store.accounts.get('bea'))?.passwordHash, hash2b);
    assert.equal((await registry.berth.store.accounts.get('yan'))?.passwordHash, hash2y);
    assert.equal((await registry.berth.store.accounts.get('bea'))?.kind, 'local');
  });

  it('skips and reports an existing user, leaving its password alone', async () => {
    assert.deepEqual(result.skipped, [{ line: 4, name: 'alice', reason: result.skipped[0]?.reason }]);
    assertStatus(await api(registry, 'GET', '/me', { auth: alice }), 200);
  });

  it('refuses an invalid user name, a non-bcrypt hash and a malformed line, with line numbers', () => {
    assert.deepEqual(result.refused.map((r) => r.line), [5, 6, 7]);
    assert.match(result.refused[0]?.reason ?? '', /Bad\.User/);
    assert.match(result.refused[1]?.reason ?? '', /bcrypt/);
  });

  it('logs an imported $2b$ user in at GET /token and upgrades the stored hash to argon2id', async () => {
    assert.equal(await tokenStatus(registry, 'bea', 'wrong-password'), 401);
    assert.equal(await tokenStatus(registry, 'bea', 'bea-password-1'), 200);
    assert.match((await registry.berth.store.accounts.get('bea'))?.passwordHash ?? '', /^\$argon2id\$/);
    assert.equal(await tokenStatus(registry, 'bea', 'bea-password-1'), 200);
  });

  it('logs an imported $2y$ user in at GET /token and upgrades the stored hash to argon2id', async () => {
    assert.equal(await tokenStatus(registry, 'yan', 'yan-password-1'), 200);
    assert.match((await registry.berth.store.accounts.get('yan'))?.passwordHash ?? '', /^\$argon2id\$/);
  });

  it('skips everything when the same file comes again', async () => {
    const reply = await api<ImportResult>(registry, 'POST', '/users/import-htpasswd', { auth: ADMIN, text: `bea:${hash2b}\nyan:${hash2y}\n` });
    assertStatus(reply, 200);
    assert.deepEqual(reply.body.created, []);
    assert.deepEqual(reply.body.skipped.map((s) => [s.line, s.name]), [[1, 'bea'], [2, 'yan']]);
  });

  it('returns 403 DENIED to a non-admin', async () => {
    assertError(await api(registry, 'POST', '/users/import-htpasswd', { auth: alice, text: `zed:${hash2b}\n` }), 403, 'DENIED');
    assert.equal(await registry.berth.store.accounts.get('zed'), undefined);
  });

  it('returns 400 unless the file is sent as application/x-htpasswd, a type no cross-site form can send', async () => {
    assertError(await api(registry, 'POST', '/users/import-htpasswd', { auth: ADMIN, json: `zed:${hash2b}\n` }), 400, 'INVALID_REQUEST');
    const asText = { auth: ADMIN, raw: `zed:${hash2b}\n`, headers: { 'Content-Type': 'text/plain' } };
    assertError(await api(registry, 'POST', '/users/import-htpasswd', asText), 400, 'INVALID_REQUEST');
    assert.equal(await registry.berth.store.accounts.get('zed'), undefined);
  });
});
