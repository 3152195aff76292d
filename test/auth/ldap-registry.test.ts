/**
 * LDAP logins through the registry against a real OpenLDAP server: a directory user gets a token
 * and pushes with `docker login`-style credentials, LDAP groups map to namespace roles and to
 * system admin, and a local account still wins over a directory user of the same name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/auth/passwords.js';
import { GROUPS_DN, PEOPLE_DN, USERS, slapdMissing, startSlapd, type Slapd } from '../support/slapd.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const missing = await slapdMissing();

function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

describe('LDAP logins through the registry', { skip: missing }, () => {
  let slapd: Slapd;
  let registry: TestRegistry;

  before(async () => {
    slapd = await startSlapd();
    registry = await startRegistry({
      BERTH_AUTH_MODE: 'token',
      BERTH_ADMIN_PASSWORD: 'admin-password-1',
      BERTH_AUTH_LDAP_URL: slapd.url,
      BERTH_AUTH_LDAP_START_TLS: 'true',
      BERTH_AUTH_LDAP_TLS_CA_FILE: slapd.caFile,
      BERTH_AUTH_LDAP_BIND_DN: slapd.bindDn,
      BERTH_AUTH_LDAP_BIND_PASSWORD: slapd.bindPassword,
      BERTH_AUTH_LDAP_USER_BASE: PEOPLE_DN,
      BERTH_AUTH_LDAP_USER_FILTER: '(&(objectClass=inetOrgPerson)(uid={username}))',
      BERTH_AUTH_LDAP_GROUP_BASE: GROUPS_DN,
      BERTH_AUTH_ADMIN_GROUPS: 'admins',
    });
    await registry.berth.store.namespaces.create({ name: 'shop', visibility: 'private' });
    await registry.berth.store.namespaces.setMember('shop', { kind: 'group', name: 'readers', role: 'reader' });
  });

  after(async () => {
    await registry?.stop();
    await slapd?.stop();
  });

  async function token(user: string, password: string, scope: string): Promise<{ status: number; actions: string[] }> {
    const response = await fetch(`${registry.url}/token?service=berth&scope=${scope}`, { headers: basic(user, password) });
    if (response.status !== 200) return { status: response.status, actions: [] };
    const { token: jwt } = (await response.json()) as { token: string };
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as { access: { actions: string[] }[] };
    return { status: 200, actions: payload.access[0]?.actions ?? [] };
  }

  it('logs a directory user in, creating an ldap account with the directory groups', async () => {
    const result = await token('bob', USERS.bob.password, 'repository:shop/web:pull,push');
    assert.equal(result.status, 200);
    const account = await registry.berth.store.accounts.get('bob');
    assert.equal(account?.kind, 'ldap');
    assert.equal(account?.passwordHash, undefined, 'directory passwords are never stored');
    assert.deepEqual([...(account?.groups ?? [])].sort(), ['ops, on-call', 'readers']);
  });

  it('maps an LDAP group to its namespace role: readers pull from shop but cannot push', async () => {
    assert.deepEqual((await token('bob', USERS.bob.password, 'repository:shop/web:pull,push')).actions, ['pull']);
    const push = await fetch(`${registry.url}/v2/shop/web/blobs/uploads/`, { method: 'POST', headers: basic('bob', USERS.bob.password) });
    assert.equal(push.status, 403);
  });

  it('makes members of an admin group system admins', async () => {
    assert.deepEqual((await token('alice', USERS.alice.password, 'repository:anything/app:pull,push,delete')).actions, ['pull', 'push', 'delete']);
  });

  it('refuses a wrong directory password with 401, like any wrong password', async () => {
    assert.equal((await token('alice', 'not-alice-pw', 'repository:shop/web:pull')).status, 401);
    assert.equal((await token('nobody', 'whatever', 'repository:shop/web:pull')).status, 401);
  });

  it('checks the directory on every login: a disabled ldap account is refused even with the right password', async () => {
    await token('carol', USERS.carol.password, 'repository:shop/web:pull');
    await registry.berth.store.accounts.update('carol', { disabled: true });
    assert.equal((await token('carol', USERS.carol.password, 'repository:shop/web:pull')).status, 401);
  });

  it('keeps a local account of the same name local: its own password, not the directory one', async () => {
    await registry.berth.store.accounts.create({ name: 'twin', kind: 'local', passwordHash: await hashPassword('local-twin-password') });
    assert.equal((await token('twin', USERS.twin.password, 'repository:shop/web:pull')).status, 401);
    assert.equal((await token('twin', 'local-twin-password', 'repository:shop/web:pull')).status, 200);
  });
});
