import assert from 'node:assert/strict';
import type { MemberRecord } from '../../src/metadata/access-store.js';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import { credential, tick } from './access-fixtures.js';
import type { StoreTest } from './describe-metadata-store.js';
import { freshDigest } from './fixtures.js';

const ROUNDS = 8;

/** Creates a repository the way the services do: by committing a blob into it. */
async function repository(store: MetadataStore, name: string): Promise<void> {
  await store.blobs.commit(name, freshDigest(), 10);
}

function byKindAndName(a: MemberRecord, b: MemberRecord): number {
  return a.kind === b.kind ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.kind < b.kind ? -1 : 1;
}

function sortedMemberships(list: { namespace: string; role: string }[]): { namespace: string; role: string }[] {
  return [...list].sort((a, b) => (a.namespace + ' ' + a.role < b.namespace + ' ' + b.role ? -1 : 1));
}

/** Accounts, namespaces, members and repository visibility. */
export function accountAndNamespaceCases(test: StoreTest): void {
  // ---- accounts -------------------------------------------------------------------------------

  test('account create returns the stored record with defaults', async (store) => {
    const before = Date.now();
    const created = await store.accounts.create({ name: 'alice', kind: 'local', passwordHash: '$argon2id$x' });
    const after = Date.now();
    assert.ok(created);
    assert.equal(typeof created.id, 'number');
    assert.equal(created.name, 'alice');
    assert.equal(created.kind, 'local');
    assert.equal(created.passwordHash, '$argon2id$x');
    assert.equal(created.admin, false);
    assert.equal(created.disabled, false);
    assert.deepEqual(created.groups, []);
    assert.equal('email' in created, false);
    assert.equal('externalId' in created, false);
    assert.ok(created.createdAt instanceof Date && created.passwordChangedAt instanceof Date);
    assert.ok(created.createdAt.getTime() >= before && created.createdAt.getTime() <= after);
    assert.equal(created.passwordChangedAt.getTime(), created.createdAt.getTime());
    assert.deepEqual(await store.accounts.get('alice'), created);
  });

  test('account create keeps every input field; directory accounts have no password hash', async (store) => {
    const created = await store.accounts.create({
      name: 'bob',
      kind: 'oidc',
      email: 'bob@example.com',
      admin: true,
      groups: ['devs', 'ops'],
      externalId: 'sub-123',
    });
    assert.ok(created);
    assert.equal(created.kind, 'oidc');
    assert.equal('passwordHash' in created, false);
    assert.equal(created.email, 'bob@example.com');
    assert.equal(created.admin, true);
    assert.deepEqual(created.groups, ['devs', 'ops']);
    assert.equal(created.externalId, 'sub-123');
    assert.equal((await store.accounts.create({ name: 'carol', kind: 'ldap', groups: ['ops'] }))?.kind, 'ldap');
  });

  test('account create returns undefined when the name exists and leaves the first account alone', async (store) => {
    const first = await store.accounts.create({ name: 'alice', kind: 'local', passwordHash: 'first' });
    assert.ok(first);
    assert.equal(await store.accounts.create({ name: 'alice', kind: 'ldap', admin: true }), undefined);
    assert.deepEqual(await store.accounts.get('alice'), first);
    assert.equal(await store.accounts.count(), 1);
  });

  test('concurrent account creates of one name: exactly one wins', async (store) => {
    const results = await Promise.all(
      Array.from({ length: ROUNDS }, (_, i) => store.accounts.create({ name: 'alice', kind: 'local', passwordHash: `hash-${i}` })),
    );
    const winners = results.filter((result) => result !== undefined);
    assert.equal(winners.length, 1);
    assert.deepEqual(await store.accounts.get('alice'), winners[0]);
    assert.equal(await store.accounts.count(), 1);
  });

  test('account get is undefined for an unknown name', async (store) => {
    assert.equal(await store.accounts.get('nobody'), undefined);
  });

  test('account list returns every account and count counts them', async (store) => {
    assert.deepEqual(await store.accounts.list(), []);
    assert.equal(await store.accounts.count(), 0);
    for (const name of ['carol', 'alice', 'bob']) await store.accounts.create({ name, kind: 'local' });
    const names = (await store.accounts.list()).map((account) => account.name).sort();
    assert.deepEqual(names, ['alice', 'bob', 'carol']);
    assert.equal(await store.accounts.count(), 3);
    assert.deepEqual(
      (await store.accounts.list()).find((account) => account.name === 'bob'),
      await store.accounts.get('bob'),
    );
  });

  test('account update with a passwordHash moves passwordChangedAt', async (store) => {
    const created = await store.accounts.create({ name: 'alice', kind: 'local', passwordHash: 'old' });
    assert.ok(created);
    await tick();
    assert.equal(await store.accounts.update('alice', { passwordHash: 'new' }), true);
    const updated = await store.accounts.get('alice');
    assert.ok(updated);
    assert.equal(updated.passwordHash, 'new');
    assert.ok(updated.passwordChangedAt.getTime() > created.passwordChangedAt.getTime());
    assert.equal(updated.createdAt.getTime(), created.createdAt.getTime());
  });

  test('the revocation stamp tokensValidAfter starts at creation and moves with disable, enable, admin and password, not with email or groups', async (store) => {
    const created = await store.accounts.create({ name: 'stamped', kind: 'local', passwordHash: 'old' });
    assert.ok(created);
    assert.equal(created.tokensValidAfter.getTime(), created.createdAt.getTime());
    let last = created.tokensValidAfter.getTime();
    for (const change of [{ disabled: true }, { disabled: false }, { admin: true }, { passwordHash: 'new' }]) {
      await tick();
      assert.equal(await store.accounts.update('stamped', change), true);
      const now = (await store.accounts.get('stamped'))?.tokensValidAfter.getTime() ?? 0;
      assert.ok(now > last, JSON.stringify(change));
      last = now;
    }
    await tick();
    assert.equal(await store.accounts.update('stamped', { email: 'x@example.com', groups: ['ops'] }), true);
    assert.equal((await store.accounts.get('stamped'))?.tokensValidAfter.getTime(), last);
  });

  test('account updates without a passwordHash change their fields but not passwordChangedAt', async (store) => {
    const created = await store.accounts.create({ name: 'alice', kind: 'oidc', email: 'a@example.com', groups: ['devs'], externalId: 'sub-1' });
    assert.ok(created);
    await tick();
    assert.equal(await store.accounts.update('alice', { admin: true, disabled: true, groups: ['ops', 'sre'], externalId: 'sub-2' }), true);
    const updated = await store.accounts.get('alice');
    assert.ok(updated);
    assert.equal(updated.admin, true);
    assert.equal(updated.disabled, true);
    assert.deepEqual(updated.groups, ['ops', 'sre']);
    assert.equal(updated.externalId, 'sub-2');
    assert.equal(updated.email, 'a@example.com');
    assert.equal('passwordHash' in updated, false);
    assert.equal(updated.passwordChangedAt.getTime(), created.passwordChangedAt.getTime());

    assert.equal(await store.accounts.update('alice', { admin: false, disabled: false, email: 'b@example.com' }), true);
    const again = await store.accounts.get('alice');
    assert.ok(again);
    assert.equal(again.admin, false);
    assert.equal(again.disabled, false);
    assert.equal(again.email, 'b@example.com');
    assert.deepEqual(again.groups, ['ops', 'sre']);
    assert.equal(again.passwordChangedAt.getTime(), created.passwordChangedAt.getTime());
  });

  test('account update with email null clears the email; undefined leaves it', async (store) => {
    await store.accounts.create({ name: 'alice', kind: 'local', email: 'a@example.com' });
    assert.equal(await store.accounts.update('alice', {}), true);
    assert.equal((await store.accounts.get('alice'))?.email, 'a@example.com');
    assert.equal(await store.accounts.update('alice', { email: null }), true);
    const cleared = await store.accounts.get('alice');
    assert.ok(cleared);
    assert.equal('email' in cleared, false);
  });

  test('account update is false for an unknown account', async (store) => {
    assert.equal(await store.accounts.update('nobody', { admin: true }), false);
    assert.equal(await store.accounts.update('nobody', {}), false);
    assert.equal(await store.accounts.count(), 0);
  });

  test('account delete removes the account, its tokens and its user memberships, nothing else', async (store) => {
    await store.accounts.create({ name: 'alice', kind: 'local' });
    await store.accounts.create({ name: 'bob', kind: 'local' });
    await store.namespaces.create({ name: 'team', visibility: 'private' });
    await store.namespaces.setMember('team', { kind: 'user', name: 'alice', role: 'owner' });
    await store.namespaces.setMember('team', { kind: 'user', name: 'bob', role: 'developer' });
    // A group that happens to share the account's name is not the account.
    await store.namespaces.setMember('team', { kind: 'group', name: 'alice', role: 'reader' });
    const aliceToken = await store.credentials.create(credential({ kind: 'token', owner: 'alice', name: 'laptop' }));
    const bobToken = await store.credentials.create(credential({ kind: 'token', owner: 'bob', name: 'laptop' }));
    // A robot named like the account, and one the account created: robots are not the account's.
    const robot = await store.credentials.create(credential({ kind: 'robot', owner: '', name: 'alice', createdBy: 'alice' }));
    assert.ok(aliceToken && bobToken && robot);

    assert.equal(await store.accounts.delete('alice'), true);
    assert.equal(await store.accounts.get('alice'), undefined);
    assert.equal(await store.credentials.get(aliceToken.id), undefined);
    assert.deepEqual(await store.credentials.list({ kind: 'token', owner: 'alice' }), []);
    assert.deepEqual(await store.credentials.get(bobToken.id), bobToken);
    assert.deepEqual(await store.credentials.get(robot.id), robot);
    assert.deepEqual((await store.namespaces.members('team')).sort(byKindAndName), [
      { kind: 'group', name: 'alice', role: 'reader' },
      { kind: 'user', name: 'bob', role: 'developer' },
    ]);
    assert.ok(await store.accounts.get('bob'));
    assert.equal(await store.accounts.count(), 1);
  });

  test('account delete is false for an unknown account and touches nothing', async (store) => {
    await store.namespaces.create({ name: 'team', visibility: 'private' });
    // Memberships and tokens may name an account that does not exist (yet).
    await store.namespaces.setMember('team', { kind: 'user', name: 'ghost', role: 'reader' });
    const token = await store.credentials.create(credential({ kind: 'token', owner: 'ghost', name: 'ci' }));
    assert.ok(token);
    assert.equal(await store.accounts.delete('ghost'), false);
    assert.deepEqual(await store.namespaces.members('team'), [{ kind: 'user', name: 'ghost', role: 'reader' }]);
    assert.deepEqual(await store.credentials.get(token.id), token);
  });

  test('a deleted account name can be created again, with no tokens or memberships', async (store) => {
    const first = await store.accounts.create({ name: 'alice', kind: 'local' });
    await store.namespaces.create({ name: 'team', visibility: 'private' });
    await store.namespaces.setMember('team', { kind: 'user', name: 'alice', role: 'owner' });
    await store.credentials.create(credential({ kind: 'token', owner: 'alice', name: 'laptop' }));
    assert.equal(await store.accounts.delete('alice'), true);
    const second = await store.accounts.create({ name: 'alice', kind: 'ldap' });
    assert.ok(first && second);
    assert.equal(second.kind, 'ldap');
    assert.deepEqual(await store.namespaces.membershipsOf('alice', []), []);
    assert.deepEqual(await store.credentials.list({ kind: 'token', owner: 'alice' }), []);
  });

  // ---- namespaces -----------------------------------------------------------------------------

  test('namespace create returns the record; a duplicate name returns undefined', async (store) => {
    const before = Date.now();
    const created = await store.namespaces.create({ name: 'team', visibility: 'public' });
    assert.ok(created);
    assert.equal(created.name, 'team');
    assert.equal(created.visibility, 'public');
    assert.equal('pullCidrs' in created, false);
    assert.equal('pushCidrs' in created, false);
    assert.ok(created.createdAt.getTime() >= before && created.createdAt.getTime() <= Date.now());
    assert.deepEqual(await store.namespaces.get('team'), created);
    assert.equal(await store.namespaces.create({ name: 'team', visibility: 'private' }), undefined);
    assert.equal((await store.namespaces.get('team'))?.visibility, 'public');
  });

  test('concurrent namespace creates of one name: exactly one wins', async (store) => {
    const results = await Promise.all(
      Array.from({ length: ROUNDS }, (_, i) => store.namespaces.create({ name: 'team', visibility: i % 2 === 0 ? 'public' : 'private' })),
    );
    const winners = results.filter((result) => result !== undefined);
    assert.equal(winners.length, 1);
    assert.deepEqual(await store.namespaces.get('team'), winners[0]);
    assert.equal((await store.namespaces.list()).length, 1);
  });

  test('namespace get is undefined for an unknown name; list returns every namespace', async (store) => {
    assert.equal(await store.namespaces.get('none'), undefined);
    assert.deepEqual(await store.namespaces.list(), []);
    await store.namespaces.create({ name: 'b', visibility: 'private' });
    await store.namespaces.create({ name: 'a', visibility: 'public' });
    const listed = await store.namespaces.list();
    assert.deepEqual(listed.map((ns) => ns.name).sort(), ['a', 'b']);
    assert.deepEqual(listed.find((ns) => ns.name === 'a'), await store.namespaces.get('a'));
  });

  test('namespace update changes visibility and sets and clears CIDR lists independently', async (store) => {
    const created = await store.namespaces.create({ name: 'team', visibility: 'private' });
    assert.ok(created);
    assert.equal(await store.namespaces.update('team', { visibility: 'public', pullCidrs: ['10.0.0.0/8', '::1/128'], pushCidrs: ['192.168.1.0/24'] }), true);
    assert.deepEqual(await store.namespaces.get('team'), {
      ...created,
      visibility: 'public',
      pullCidrs: ['10.0.0.0/8', '::1/128'],
      pushCidrs: ['192.168.1.0/24'],
    });
    assert.equal(await store.namespaces.update('team', { pullCidrs: null }), true);
    assert.deepEqual(await store.namespaces.get('team'), { ...created, visibility: 'public', pushCidrs: ['192.168.1.0/24'] });
    assert.equal(await store.namespaces.update('team', { pushCidrs: null, visibility: 'private' }), true);
    assert.deepEqual(await store.namespaces.get('team'), created);
  });

  test('namespace update with an empty CIDR list keeps it empty (distinct from no restriction)', async (store) => {
    await store.namespaces.create({ name: 'team', visibility: 'private' });
    assert.equal(await store.namespaces.update('team', { pushCidrs: [] }), true);
    const updated = await store.namespaces.get('team');
    assert.ok(updated);
    assert.deepEqual(updated.pushCidrs, []);
    assert.equal('pullCidrs' in updated, false);
  });

  test('namespace update is false for an unknown namespace', async (store) => {
    assert.equal(await store.namespaces.update('none', { visibility: 'public' }), false);
    assert.equal(await store.namespaces.get('none'), undefined);
  });

  test('namespace update with no changes is true for an existing namespace and false for an unknown one', async (store) => {
    const created = await store.namespaces.create({ name: 'team', visibility: 'private' });
    assert.equal(await store.namespaces.update('team', {}), true);
    assert.deepEqual(await store.namespaces.get('team'), created);
    assert.equal(await store.namespaces.update('none', {}), false);
  });

  test('setMember adds members and changes an existing member role (upsert)', async (store) => {
    await store.namespaces.create({ name: 'team', visibility: 'private' });
    assert.deepEqual(await store.namespaces.members('team'), []);
    assert.equal(await store.namespaces.setMember('team', { kind: 'user', name: 'alice', role: 'reader' }), true);
    assert.equal(await store.namespaces.setMember('team', { kind: 'group', name: 'devs', role: 'developer' }), true);
    // A user and a group of the same name are different members.
    assert.equal(await store.namespaces.setMember('team', { kind: 'group', name: 'alice', role: 'maintainer' }), true);
    assert.equal(await store.namespaces.setMember('team', { kind: 'user', name: 'alice', role: 'owner' }), true);
    assert.deepEqual((await store.namespaces.members('team')).sort(byKindAndName), [
      { kind: 'group', name: 'alice', role: 'maintainer' },
      { kind: 'group', name: 'devs', role: 'developer' },
      { kind: 'user', name: 'alice', role: 'owner' },
    ]);
  });

  test('setMember is false for an unknown namespace and adds nothing', async (store) => {
    assert.equal(await store.namespaces.setMember('none', { kind: 'user', name: 'alice', role: 'owner' }), false);
    assert.deepEqual(await store.namespaces.members('none'), []);
    assert.deepEqual(await store.namespaces.membershipsOf('alice', []), []);
  });

  test('members lists only the namespace asked about', async (store) => {
    await store.namespaces.create({ name: 'a', visibility: 'private' });
    await store.namespaces.create({ name: 'b', visibility: 'private' });
    await store.namespaces.setMember('a', { kind: 'user', name: 'alice', role: 'owner' });
    await store.namespaces.setMember('b', { kind: 'user', name: 'bob', role: 'reader' });
    assert.deepEqual(await store.namespaces.members('a'), [{ kind: 'user', name: 'alice', role: 'owner' }]);
    assert.deepEqual(await store.namespaces.members('b'), [{ kind: 'user', name: 'bob', role: 'reader' }]);
  });

  test('removeMember removes one member by kind and name; false when absent or namespace unknown', async (store) => {
    await store.namespaces.create({ name: 'team', visibility: 'private' });
    await store.namespaces.setMember('team', { kind: 'user', name: 'alice', role: 'owner' });
    await store.namespaces.setMember('team', { kind: 'group', name: 'alice', role: 'reader' });
    assert.equal(await store.namespaces.removeMember('team', 'user', 'alice'), true);
    assert.deepEqual(await store.namespaces.members('team'), [{ kind: 'group', name: 'alice', role: 'reader' }]);
    assert.equal(await store.namespaces.removeMember('team', 'user', 'alice'), false);
    assert.equal(await store.namespaces.removeMember('team', 'user', 'bob'), false);
    assert.equal(await store.namespaces.removeMember('none', 'group', 'alice'), false);
    assert.deepEqual(await store.namespaces.members('team'), [{ kind: 'group', name: 'alice', role: 'reader' }]);
  });

  test('membershipsOf finds the user and its groups, with their roles', async (store) => {
    for (const name of ['a', 'b', 'c', 'd']) await store.namespaces.create({ name, visibility: 'private' });
    await store.namespaces.setMember('a', { kind: 'user', name: 'alice', role: 'owner' });
    await store.namespaces.setMember('b', { kind: 'group', name: 'devs', role: 'developer' });
    await store.namespaces.setMember('c', { kind: 'group', name: 'ops', role: 'reader' });
    await store.namespaces.setMember('d', { kind: 'user', name: 'bob', role: 'owner' });
    // A user named like one of alice's groups is not that group; a group named alice is not alice.
    await store.namespaces.setMember('d', { kind: 'user', name: 'devs', role: 'maintainer' });
    await store.namespaces.setMember('d', { kind: 'group', name: 'alice', role: 'maintainer' });
    assert.deepEqual(sortedMemberships(await store.namespaces.membershipsOf('alice', ['devs', 'ops'])), [
      { namespace: 'a', role: 'owner' },
      { namespace: 'b', role: 'developer' },
      { namespace: 'c', role: 'reader' },
    ]);
    assert.deepEqual(sortedMemberships(await store.namespaces.membershipsOf('alice', ['ops'])), [
      { namespace: 'a', role: 'owner' },
      { namespace: 'c', role: 'reader' },
    ]);
  });

  test('membershipsOf with no groups finds only direct user memberships', async (store) => {
    await store.namespaces.create({ name: 'a', visibility: 'private' });
    await store.namespaces.create({ name: 'b', visibility: 'private' });
    await store.namespaces.setMember('a', { kind: 'user', name: 'alice', role: 'maintainer' });
    await store.namespaces.setMember('b', { kind: 'group', name: 'devs', role: 'owner' });
    assert.deepEqual(await store.namespaces.membershipsOf('alice', []), [{ namespace: 'a', role: 'maintainer' }]);
    assert.deepEqual(await store.namespaces.membershipsOf('nobody', []), []);
    assert.deepEqual(await store.namespaces.membershipsOf('nobody', ['devs']), [{ namespace: 'b', role: 'owner' }]);
  });

  test('membershipsOf reports both roles when the user is a member directly and through a group', async (store) => {
    await store.namespaces.create({ name: 'team', visibility: 'private' });
    await store.namespaces.setMember('team', { kind: 'user', name: 'alice', role: 'reader' });
    await store.namespaces.setMember('team', { kind: 'group', name: 'devs', role: 'maintainer' });
    assert.deepEqual(sortedMemberships(await store.namespaces.membershipsOf('alice', ['devs'])), [
      { namespace: 'team', role: 'maintainer' },
      { namespace: 'team', role: 'reader' },
    ]);
  });

  test('namespace delete removes the namespace and its members, not other namespaces or repositories', async (store) => {
    await store.namespaces.create({ name: 'team', visibility: 'public' });
    await store.namespaces.create({ name: 'other', visibility: 'private' });
    await store.namespaces.setMember('team', { kind: 'user', name: 'alice', role: 'owner' });
    await store.namespaces.setMember('team', { kind: 'group', name: 'devs', role: 'reader' });
    await store.namespaces.setMember('other', { kind: 'user', name: 'alice', role: 'reader' });
    await repository(store, 'team/app');
    assert.equal(await store.namespaces.delete('team'), true);
    assert.equal(await store.namespaces.get('team'), undefined);
    assert.deepEqual(await store.namespaces.members('team'), []);
    assert.deepEqual(await store.namespaces.membershipsOf('alice', ['devs']), [{ namespace: 'other', role: 'reader' }]);
    assert.equal(await store.repositories.exists('team/app'), true);
    assert.equal(await store.namespaces.repositoryVisibility('team/app'), undefined);
    assert.equal(await store.namespaces.delete('team'), false);
  });

  test('a namespace re-created after delete starts with no members', async (store) => {
    await store.namespaces.create({ name: 'team', visibility: 'private' });
    await store.namespaces.setMember('team', { kind: 'user', name: 'alice', role: 'owner' });
    assert.equal(await store.namespaces.delete('team'), true);
    assert.ok(await store.namespaces.create({ name: 'team', visibility: 'public' }));
    assert.deepEqual(await store.namespaces.members('team'), []);
    assert.deepEqual(await store.namespaces.membershipsOf('alice', []), []);
  });

  test('namespace delete is false for an unknown namespace', async (store) => {
    assert.equal(await store.namespaces.delete('none'), false);
  });

  test('repository visibility is undefined until set, then set, changed and cleared', async (store) => {
    await repository(store, 'team/app');
    assert.equal(await store.namespaces.repositoryVisibility('team/app'), undefined);
    assert.equal(await store.namespaces.setRepositoryVisibility('team/app', 'public'), true);
    assert.equal(await store.namespaces.repositoryVisibility('team/app'), 'public');
    assert.equal(await store.namespaces.setRepositoryVisibility('team/app', 'private'), true);
    assert.equal(await store.namespaces.repositoryVisibility('team/app'), 'private');
    assert.equal(await store.namespaces.setRepositoryVisibility('team/app', null), true);
    assert.equal(await store.namespaces.repositoryVisibility('team/app'), undefined);
    // Setting what is already there still finds the repository.
    assert.equal(await store.namespaces.setRepositoryVisibility('team/app', null), true);
  });

  test('repository visibility of an unknown repository: undefined, and setting it is false and creates nothing', async (store) => {
    await repository(store, 'team/app');
    assert.equal(await store.namespaces.repositoryVisibility('team/none'), undefined);
    assert.equal(await store.namespaces.setRepositoryVisibility('team/none', 'public'), false);
    assert.equal(await store.namespaces.setRepositoryVisibility('team/none', null), false);
    assert.equal(await store.repositories.exists('team/none'), false);
    assert.deepEqual(await store.namespaces.repositoryVisibilities(), new Map());
    assert.equal(await store.namespaces.repositoryVisibility('team/app'), undefined);
  });

  test('repositoryVisibilities maps every repository with a visibility of its own, and only those', async (store) => {
    assert.deepEqual(await store.namespaces.repositoryVisibilities(), new Map());
    for (const name of ['team/public', 'team/private', 'team/inherits', 'other/public']) await repository(store, name);
    // A public namespace does not give its repositories a visibility of their own.
    await store.namespaces.create({ name: 'team', visibility: 'public' });
    assert.equal(await store.namespaces.setRepositoryVisibility('team/public', 'public'), true);
    assert.equal(await store.namespaces.setRepositoryVisibility('team/private', 'private'), true);
    assert.equal(await store.namespaces.setRepositoryVisibility('other/public', 'public'), true);
    assert.deepEqual(
      await store.namespaces.repositoryVisibilities(),
      new Map([
        ['team/public', 'public'],
        ['team/private', 'private'],
        ['other/public', 'public'],
      ]),
    );
    await store.namespaces.setRepositoryVisibility('team/public', null);
    await store.namespaces.setRepositoryVisibility('other/public', 'private');
    assert.deepEqual(
      await store.namespaces.repositoryVisibilities(),
      new Map([
        ['team/private', 'private'],
        ['other/public', 'private'],
      ]),
    );
  });
}
