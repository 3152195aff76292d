import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LdapDirectory, LdapUnavailableError, type LdapSettings } from '../../src/auth/ldap/ldap-directory.js';
import { GROUPS_DN, PEOPLE_DN, USERS, slapdMissing, startSlapd, type Slapd } from '../support/slapd.js';

const skip = await slapdMissing();

/** Rejects with LdapUnavailableError whose message holds none of the given secrets. */
async function rejectsUnavailable(promise: Promise<unknown>, ...secrets: string[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof LdapUnavailableError, `expected LdapUnavailableError, got ${String(error)}`);
    for (const secret of secrets) assert.ok(!error.message.includes(secret), `message leaks a secret: ${error.message}`);
    return true;
  });
}

describe('LDAP directory against a private slapd', { skip, timeout: 60_000 }, () => {
  let slapd: Slapd;

  before(async () => {
    slapd = await startSlapd();
  });

  after(async () => {
    await slapd?.stop();
  });

  function settings(overrides: Partial<LdapSettings> = {}): LdapSettings {
    return {
      url: slapd.url,
      startTls: false,
      bindDn: slapd.bindDn,
      bindPassword: slapd.bindPassword,
      userBase: PEOPLE_DN,
      userFilter: '(&(objectClass=inetOrgPerson)(uid={username}))',
      usernameAttribute: 'uid',
      emailAttribute: 'mail',
      groupBase: GROUPS_DN,
      groupFilter: '(&(objectClass=groupOfNames)(member={dn}))',
      groupNameAttribute: 'cn',
      timeoutMs: 3000,
      ...overrides,
    };
  }

  describe('logins', () => {
    it('returns the user with username, DN, email and sorted groups for the right password', async () => {
      const user = await new LdapDirectory(settings()).authenticate('alice', USERS.alice.password);
      assert.deepEqual(user, {
        username: 'alice',
        dn: `uid=alice,${PEOPLE_DN}`,
        email: USERS.alice.mail,
        groups: ['admins', 'developers'],
      });
    });

    it('returns a user in no group with an empty group list', async () => {
      const user = await new LdapDirectory(settings()).authenticate('carol', USERS.carol.password);
      assert.deepEqual(user?.groups, []);
      assert.equal(user?.username, 'carol');
    });

    it("returns the directory's spelling of a username typed in another case", async () => {
      const user = await new LdapDirectory(settings()).authenticate('ALICE', USERS.alice.password);
      assert.equal(user?.username, 'alice');
    });

    it('authenticates a user whose uid holds filter and DN metacharacters, and finds its groups', async () => {
      const user = await new LdapDirectory(settings()).authenticate(USERS.special.uid, USERS.special.password);
      assert.equal(user?.username, USERS.special.uid);
      assert.deepEqual(user?.groups, ['developers']);
    });

    it('returns undefined for a wrong password', async () => {
      assert.equal(await new LdapDirectory(settings()).authenticate('alice', 'not-alice-pw'), undefined);
    });

    it("returns undefined for another user's password", async () => {
      assert.equal(await new LdapDirectory(settings()).authenticate('alice', USERS.bob.password), undefined);
    });

    it('returns undefined for an empty password without contacting the server', async () => {
      // An unreachable server would throw LdapUnavailableError if a connection were attempted.
      const directory = new LdapDirectory(settings({ url: 'ldap://127.0.0.1:1' }));
      assert.equal(await directory.authenticate('alice', ''), undefined);
      assert.equal(await new LdapDirectory(settings()).authenticate('carol', ''), undefined);
    });

    it('returns undefined for an empty username', async () => {
      assert.equal(await new LdapDirectory(settings()).authenticate('', 'whatever'), undefined);
    });

    it('returns undefined for an unknown user', async () => {
      assert.equal(await new LdapDirectory(settings()).authenticate('mallory', 'mallory-pw'), undefined);
    });

    it('returns undefined when the username matches more than one entry', async () => {
      assert.equal(await new LdapDirectory(settings()).authenticate('twin', USERS.twin.password), undefined);
    });

    it('never authenticates anyone with filter metacharacters in the username', async () => {
      const directory = new LdapDirectory(settings());
      // alice's password with each: an unescaped `al*` or `*)(uid=alice` would log alice in.
      const attempts = ['*', 'al*', '*)(uid=*', '*)(uid=alice', 'admin)(|(uid=*', 'alice)(|(uid=*', '*)(|(objectClass=*', '\\2a', 'alic\\65', 'alice\0', '(uid=alice)'];
      for (const username of attempts) {
        assert.equal(await directory.authenticate(username, USERS.alice.password), undefined, `logged in as ${JSON.stringify(username)}`);
      }
    });

    it('reads group names from memberOf DNs when memberOfAttribute is set', async () => {
      const { groupBase: _unused, ...withoutGroupSearch } = settings({ memberOfAttribute: 'memberOf' });
      const user = await new LdapDirectory(withoutGroupSearch).authenticate('bob', USERS.bob.password);
      // `cn=ops\2C on-call,…` comes back unescaped.
      assert.deepEqual(user?.groups, ['ops, on-call', 'readers']);
    });

    it('merges memberOf groups with searched groups without duplicates', async () => {
      const user = await new LdapDirectory(settings({ memberOfAttribute: 'memberOf' })).authenticate('alice', USERS.alice.password);
      assert.deepEqual(user?.groups, ['admins', 'developers']);
    });
  });

  describe('TLS', () => {
    it('logs in over StartTLS when the CA file is trusted', async () => {
      const user = await new LdapDirectory(settings({ startTls: true, tlsCaFile: slapd.caFile })).authenticate('alice', USERS.alice.password);
      assert.equal(user?.username, 'alice');
    });

    it('logs in over LDAPS when the CA file is trusted', async () => {
      const user = await new LdapDirectory(settings({ url: slapd.ldapsUrl, tlsCaFile: slapd.caFile })).authenticate('alice', USERS.alice.password);
      assert.deepEqual(user?.groups, ['admins', 'developers']);
    });

    it('throws LdapUnavailableError over LDAPS when the CA is not trusted', async () => {
      await rejectsUnavailable(new LdapDirectory(settings({ url: slapd.ldapsUrl })).authenticate('alice', USERS.alice.password), USERS.alice.password, slapd.bindPassword);
    });

    it('throws LdapUnavailableError over StartTLS when the CA is not trusted', async () => {
      await rejectsUnavailable(new LdapDirectory(settings({ startTls: true })).check(), slapd.bindPassword);
    });

    it('logs in over LDAPS and StartTLS with an untrusted certificate when tlsInsecure is set', async () => {
      const ldaps = await new LdapDirectory(settings({ url: slapd.ldapsUrl, tlsInsecure: true })).authenticate('bob', USERS.bob.password);
      assert.equal(ldaps?.username, 'bob');
      const startTls = await new LdapDirectory(settings({ startTls: true, tlsInsecure: true })).authenticate('bob', USERS.bob.password);
      assert.equal(startTls?.username, 'bob');
    });
  });

  describe('availability', () => {
    it('check() resolves when the service account can bind', async () => {
      await new LdapDirectory(settings()).check();
    });

    it('throws LdapUnavailableError, not undefined, when the service account password is wrong', async () => {
      const directory = new LdapDirectory(settings({ bindPassword: 'wrong-service-pw' }));
      await rejectsUnavailable(directory.authenticate('alice', USERS.alice.password), 'wrong-service-pw', USERS.alice.password);
      await rejectsUnavailable(directory.check(), 'wrong-service-pw');
    });

    it('throws LdapUnavailableError quickly once the server has stopped', async () => {
      const stopped = await startSlapd();
      await stopped.stop();
      const directory = new LdapDirectory(settings({ url: stopped.url, timeoutMs: 500 }));
      const started = Date.now();
      await rejectsUnavailable(directory.authenticate('alice', USERS.alice.password), USERS.alice.password);
      await rejectsUnavailable(directory.check());
      assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    });

    it('throws LdapUnavailableError after timeoutMs when the server accepts but never answers', async () => {
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const address = silent.address();
        assert.ok(address !== null && typeof address === 'object');
        const directory = new LdapDirectory(settings({ url: `ldap://127.0.0.1:${address.port}`, timeoutMs: 300 }));
        const started = Date.now();
        await rejectsUnavailable(directory.authenticate('alice', USERS.alice.password), USERS.alice.password);
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= 250 && elapsed < 1500, `took ${elapsed} ms`);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    });
  });
});
