import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AuditEventInput, CredentialInput, MemberRecord, SigningKeyRecord } from '../../src/metadata/access-store.js';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import type { StoreTest } from './describe-metadata-store.js';
import { freshDigest } from './fixtures.js';

const ROUNDS = 8;

/** Waits long enough for Date.now() to move on. */
function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

/** A CredentialInput with a fresh id and secret hash; `overrides` says what the test cares about. */
function credential(overrides: Partial<CredentialInput> & Pick<CredentialInput, 'kind' | 'name'>): CredentialInput {
  return {
    id: randomUUID(),
    owner: overrides.kind === 'robot' ? '' : 'alice',
    secretHash: `hash-${randomUUID()}`,
    grants: [{ repository: 'team/*', actions: ['pull'] }],
    createdBy: 'admin',
    ...overrides,
  };
}

/** An AuditEventInput; `overrides` says what the test cares about. */
function auditEvent(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return { at: new Date(), actor: 'alice', actorKind: 'user', action: 'push', target: 'team/app', outcome: 'success', ...overrides };
}

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

/** AccountStore, NamespaceStore, CredentialStore, SigningKeyStore and AuditStore. */
export function accessCases(test: StoreTest): void {
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

  // ---- credentials ----------------------------------------------------------------------------

  test('credential create returns the record without its secret; get finds it', async (store) => {
    const before = Date.now();
    const input = credential({
      kind: 'robot',
      name: 'ci',
      grants: [
        { repository: 'team/*', actions: ['pull', 'push'] },
        { repository: '*', actions: ['pull'] },
      ],
      description: 'the CI robot',
    });
    const created = await store.credentials.create(input);
    assert.ok(created);
    assert.deepEqual(
      { ...created, createdAt: undefined },
      {
        id: input.id,
        kind: 'robot',
        owner: '',
        name: 'ci',
        grants: input.grants,
        description: 'the CI robot',
        createdBy: 'admin',
        createdAt: undefined,
      },
    );
    assert.equal('secretHash' in created, false);
    assert.ok(created.createdAt.getTime() >= before && created.createdAt.getTime() <= Date.now());
    assert.deepEqual(await store.credentials.get(input.id), created);
  });

  test('credential get and findBySecretHash are undefined for unknown ones', async (store) => {
    await store.credentials.create(credential({ kind: 'robot', name: 'ci', secretHash: 'known' }));
    assert.equal(await store.credentials.get(randomUUID()), undefined);
    assert.equal(await store.credentials.findBySecretHash('unknown'), undefined);
  });

  test('findBySecretHash finds the credential with that hash', async (store) => {
    const robot = await store.credentials.create(credential({ kind: 'robot', name: 'ci', secretHash: 'hash-robot' }));
    const token = await store.credentials.create(credential({ kind: 'token', owner: 'alice', name: 'ci', secretHash: 'hash-token' }));
    assert.ok(robot && token);
    assert.deepEqual(await store.credentials.findBySecretHash('hash-robot'), robot);
    assert.deepEqual(await store.credentials.findBySecretHash('hash-token'), token);
  });

  test('findBySecretHash still finds a revoked or expired credential (the caller checks)', async (store) => {
    const expired = await store.credentials.create(credential({ kind: 'token', name: 'old', secretHash: 'hash-old', expiresAt: new Date(Date.now() - 60_000) }));
    assert.ok(expired);
    assert.equal(await store.credentials.revoke(expired.id), true);
    const found = await store.credentials.findBySecretHash('hash-old');
    assert.equal(found?.id, expired.id);
    assert.ok(found?.revokedAt instanceof Date);
  });

  test('credential create returns undefined when one of that kind, owner and name exists', async (store) => {
    const first = await store.credentials.create(credential({ kind: 'token', owner: 'alice', name: 'laptop', secretHash: 'first' }));
    assert.ok(first);
    assert.equal(await store.credentials.create(credential({ kind: 'token', owner: 'alice', name: 'laptop', secretHash: 'second' })), undefined);
    assert.equal(await store.credentials.findBySecretHash('second'), undefined);
    assert.deepEqual(await store.credentials.findBySecretHash('first'), first);
    const robot = await store.credentials.create(credential({ kind: 'robot', name: 'ci' }));
    assert.ok(robot);
    assert.equal(await store.credentials.create(credential({ kind: 'robot', name: 'ci' })), undefined);
    assert.deepEqual(await store.credentials.list({ kind: 'robot' }), [robot]);
  });

  test('concurrent credential creates of one kind, owner and name: exactly one wins', async (store) => {
    const results = await Promise.all(Array.from({ length: ROUNDS }, () => store.credentials.create(credential({ kind: 'token', owner: 'alice', name: 'laptop' }))));
    const winners = results.filter((result) => result !== undefined);
    assert.equal(winners.length, 1);
    assert.deepEqual(await store.credentials.list({ kind: 'token', owner: 'alice' }), winners);
  });

  test('the same credential name is allowed for different owners and kinds', async (store) => {
    const alice = await store.credentials.create(credential({ kind: 'token', owner: 'alice', name: 'ci' }));
    const bob = await store.credentials.create(credential({ kind: 'token', owner: 'bob', name: 'ci' }));
    const robot = await store.credentials.create(credential({ kind: 'robot', owner: '', name: 'ci' }));
    assert.ok(alice && bob && robot);
    assert.deepEqual(await store.credentials.get(alice.id), alice);
    assert.deepEqual(await store.credentials.get(bob.id), bob);
    assert.deepEqual(await store.credentials.get(robot.id), robot);
  });

  test('a revoked credential still holds its name', async (store) => {
    const first = await store.credentials.create(credential({ kind: 'robot', name: 'ci' }));
    assert.ok(first);
    assert.equal(await store.credentials.revoke(first.id), true);
    assert.equal(await store.credentials.create(credential({ kind: 'robot', name: 'ci' })), undefined);
  });

  test('credential list filters by kind, and by owner when given', async (store) => {
    const ids = (...records: ({ id: string } | undefined)[]) => records.map((record) => record?.id).sort();
    const a1 = await store.credentials.create(credential({ kind: 'token', owner: 'alice', name: 'one' }));
    const a2 = await store.credentials.create(credential({ kind: 'token', owner: 'alice', name: 'two' }));
    const b1 = await store.credentials.create(credential({ kind: 'token', owner: 'bob', name: 'one' }));
    const r1 = await store.credentials.create(credential({ kind: 'robot', name: 'one' }));
    const r2 = await store.credentials.create(credential({ kind: 'robot', name: 'two' }));
    assert.deepEqual(ids(...(await store.credentials.list({ kind: 'token' }))), ids(a1, a2, b1));
    assert.deepEqual(ids(...(await store.credentials.list({ kind: 'token', owner: 'alice' }))), ids(a1, a2));
    assert.deepEqual(ids(...(await store.credentials.list({ kind: 'token', owner: 'bob' }))), ids(b1));
    assert.deepEqual(await store.credentials.list({ kind: 'token', owner: 'carol' }), []);
    assert.deepEqual(ids(...(await store.credentials.list({ kind: 'robot' }))), ids(r1, r2));
    assert.deepEqual(ids(...(await store.credentials.list({ kind: 'robot', owner: '' }))), ids(r1, r2));
    const listed = await store.credentials.list({ kind: 'token', owner: 'bob' });
    assert.deepEqual(listed, [b1]);
  });

  test('revoke marks the credential revoked once: the second revoke is false', async (store) => {
    const created = await store.credentials.create(credential({ kind: 'token', name: 'laptop' }));
    const other = await store.credentials.create(credential({ kind: 'token', name: 'desktop' }));
    assert.ok(created && other);
    assert.equal('revokedAt' in created, false);
    const before = Date.now();
    assert.equal(await store.credentials.revoke(created.id), true);
    const revoked = await store.credentials.get(created.id);
    assert.ok(revoked?.revokedAt instanceof Date);
    assert.ok(revoked.revokedAt.getTime() >= before && revoked.revokedAt.getTime() <= Date.now());
    await tick();
    assert.equal(await store.credentials.revoke(created.id), false);
    assert.equal((await store.credentials.get(created.id))?.revokedAt?.getTime(), revoked.revokedAt.getTime());
    assert.deepEqual(await store.credentials.get(other.id), other);
  });

  test('revoke is false for an unknown credential', async (store) => {
    assert.equal(await store.credentials.revoke(randomUUID()), false);
  });

  test('touch sets lastUsedAt, and later touches move it', async (store) => {
    const created = await store.credentials.create(credential({ kind: 'robot', name: 'ci' }));
    assert.ok(created);
    assert.equal('lastUsedAt' in created, false);
    const first = new Date('2024-05-01T12:00:00.123Z');
    await store.credentials.touch(created.id, first);
    assert.deepEqual(await store.credentials.get(created.id), { ...created, lastUsedAt: first });
    const second = new Date('2024-05-02T08:30:00.456Z');
    await store.credentials.touch(created.id, second);
    assert.equal((await store.credentials.get(created.id))?.lastUsedAt?.getTime(), second.getTime());
  });

  test('touch of an unknown credential does nothing and does not throw', async (store) => {
    await store.credentials.touch(randomUUID(), new Date());
    assert.deepEqual(await store.credentials.list({ kind: 'robot' }), []);
  });

  test('expiresAt round-trips to the millisecond, beyond 2038 too; absent when not given', async (store) => {
    const soon = new Date('2025-01-02T03:04:05.678Z');
    const far = new Date('2200-12-31T23:59:59.999Z');
    const a = await store.credentials.create(credential({ kind: 'token', name: 'soon', expiresAt: soon }));
    const b = await store.credentials.create(credential({ kind: 'token', name: 'far', expiresAt: far }));
    const c = await store.credentials.create(credential({ kind: 'token', name: 'never' }));
    assert.ok(a && b && c);
    assert.equal(a.expiresAt?.getTime(), soon.getTime());
    assert.equal((await store.credentials.get(b.id))?.expiresAt?.getTime(), far.getTime());
    assert.equal('expiresAt' in c, false);
    assert.equal('description' in c, false);
  });

  // ---- signing keys ---------------------------------------------------------------------------

  test('signing keys list newest first', async (store) => {
    const key = (kid: string, at: string): SigningKeyRecord => ({
      kid,
      privateJwk: JSON.stringify({ kty: 'EC', crv: 'P-256', kid, d: `d-${kid}` }),
      publicJwk: JSON.stringify({ kty: 'EC', crv: 'P-256', kid }),
      createdAt: new Date(at),
    });
    assert.deepEqual(await store.signingKeys.list(), []);
    const middle = key('k2', '2024-02-01T00:00:00.002Z');
    const oldest = key('k1', '2024-01-01T00:00:00.001Z');
    const newest = key('k3', '2024-03-01T00:00:00.003Z');
    await store.signingKeys.add(middle);
    await store.signingKeys.add(oldest);
    await store.signingKeys.add(newest);
    assert.deepEqual(await store.signingKeys.list(), [newest, middle, oldest]);
  });

  test('adding a signing key with an existing kid is ignored', async (store) => {
    const first: SigningKeyRecord = { kid: 'k1', privateJwk: '{"d":"first"}', publicJwk: '{"x":"first"}', createdAt: new Date('2024-01-01T00:00:00Z') };
    await store.signingKeys.add(first);
    await store.signingKeys.add({ kid: 'k1', privateJwk: '{"d":"second"}', publicJwk: '{"x":"second"}', createdAt: new Date('2024-06-01T00:00:00Z') });
    assert.deepEqual(await store.signingKeys.list(), [first]);
  });

  test('concurrent adds of one signing key leave one key', async (store) => {
    const key: SigningKeyRecord = { kid: 'k1', privateJwk: '{}', publicJwk: '{}', createdAt: new Date('2024-01-01T00:00:00Z') };
    await Promise.all(Array.from({ length: ROUNDS }, () => store.signingKeys.add(key)));
    assert.deepEqual(await store.signingKeys.list(), [key]);
  });

  // ---- audit ----------------------------------------------------------------------------------

  test('audit append stores events that query returns newest first, every field round-tripping', async (store) => {
    const full = auditEvent({
      at: new Date('2024-05-01T10:00:00.123Z'),
      actor: 'alice',
      actorKind: 'user',
      action: 'login',
      target: 'account:alice',
      outcome: 'failure',
      clientIp: '2001:db8::1',
      detail: { reason: 'bad password', attempts: 3, nested: { ok: false, list: [1, 'two', null] } },
    });
    const bare: AuditEventInput = { at: new Date('2024-05-01T10:00:01.000Z'), actor: 'ci', actorKind: 'robot', action: 'pull', outcome: 'success' };
    await store.audit.append([full, bare]);
    const events = await store.audit.query({ limit: 10 });
    assert.equal(events.length, 2);
    const [second, first] = events;
    assert.ok(first && second);
    assert.ok(second.id > first.id);
    assert.deepEqual(first, { ...full, id: first.id });
    assert.deepEqual(second, { ...bare, id: second.id });
    assert.equal('target' in second, false);
    assert.equal('clientIp' in second, false);
    assert.equal('detail' in second, false);
  });

  test('audit append of no events does nothing', async (store) => {
    await store.audit.append([]);
    assert.deepEqual(await store.audit.query({ limit: 10 }), []);
  });

  test('audit events from separate appends come newest first', async (store) => {
    const start = Date.now();
    for (let i = 0; i < 5; i++) await store.audit.append([auditEvent({ at: new Date(start + i), detail: { i } })]);
    const events = await store.audit.query({ limit: 100 });
    assert.deepEqual(
      events.map((event) => event.detail?.['i']),
      [4, 3, 2, 1, 0],
    );
    for (let i = 1; i < events.length; i++) assert.ok((events[i - 1]?.id ?? 0) > (events[i]?.id ?? 0));
  });

  test('audit query filters by actor, action and outcome, alone and together', async (store) => {
    await store.audit.append([
      auditEvent({ actor: 'alice', action: 'push', outcome: 'success', detail: { n: 1 } }),
      auditEvent({ actor: 'alice', action: 'pull', outcome: 'denied', detail: { n: 2 } }),
      auditEvent({ actor: 'bob', action: 'push', outcome: 'denied', detail: { n: 3 } }),
      auditEvent({ actor: 'bob', action: 'delete', outcome: 'failure', detail: { n: 4 } }),
      auditEvent({ actor: 'Alice', action: 'push', outcome: 'success', detail: { n: 5 } }),
    ]);
    const ns = async (filter: Parameters<typeof store.audit.query>[0]) => (await store.audit.query(filter)).map((event) => event.detail?.['n']);
    assert.deepEqual(await ns({ actor: 'alice', limit: 10 }), [2, 1]);
    assert.deepEqual(await ns({ action: 'push', limit: 10 }), [5, 3, 1]);
    assert.deepEqual(await ns({ outcome: 'denied', limit: 10 }), [3, 2]);
    assert.deepEqual(await ns({ outcome: 'failure', limit: 10 }), [4]);
    assert.deepEqual(await ns({ actor: 'bob', action: 'push', limit: 10 }), [3]);
    assert.deepEqual(await ns({ actor: 'alice', action: 'push', outcome: 'denied', limit: 10 }), []);
    assert.deepEqual(await ns({ actor: 'carol', limit: 10 }), []);
  });

  test('audit query target matches a prefix', async (store) => {
    await store.audit.append([
      auditEvent({ target: 'team/app', detail: { n: 1 } }),
      auditEvent({ target: 'team/app/sub', detail: { n: 2 } }),
      auditEvent({ target: 'team/application', detail: { n: 3 } }),
      auditEvent({ target: 'team/other', detail: { n: 4 } }),
      auditEvent({ target: 'Team/app', detail: { n: 5 } }),
      auditEvent({ target: 'team', detail: { n: 6 } }),
      auditEvent({ target: 'other', detail: { n: 7 } }),
    ]);
    await store.audit.append([{ at: new Date(), actor: 'alice', actorKind: 'user', action: 'login', outcome: 'success', detail: { n: 8 } }]);
    const ns = async (target: string) => (await store.audit.query({ target, limit: 10 })).map((event) => event.detail?.['n']);
    assert.deepEqual(await ns('team/app'), [3, 2, 1]);
    assert.deepEqual(await ns('team/app/'), [2]);
    assert.deepEqual(await ns('team/'), [4, 3, 2, 1]);
    assert.deepEqual(await ns('team/app/sub'), [2]);
    assert.deepEqual(await ns('team/apps'), []);
    assert.deepEqual(await ns('T'), [5]);
  });

  test('audit query target prefix treats % and _ literally', async (store) => {
    await store.audit.append([
      auditEvent({ target: 'repo:a%b/x', detail: { n: 1 } }),
      auditEvent({ target: 'repo:aXb/x', detail: { n: 2 } }),
      auditEvent({ target: 'repo:a_b/x', detail: { n: 3 } }),
      auditEvent({ target: 'repo:azb/x', detail: { n: 4 } }),
      auditEvent({ target: 'repo:a\\b/x', detail: { n: 5 } }),
      auditEvent({ target: 'repo:ab', detail: { n: 6 } }),
    ]);
    const ns = async (target: string) => (await store.audit.query({ target, limit: 10 })).map((event) => event.detail?.['n']);
    assert.deepEqual(await ns('repo:a%'), [1]);
    assert.deepEqual(await ns('repo:a%b'), [1]);
    assert.deepEqual(await ns('repo:a_'), [3]);
    assert.deepEqual(await ns('repo:a_b/'), [3]);
    assert.deepEqual(await ns('repo:a\\'), [5]);
    assert.deepEqual(await ns('repo:%'), []);
    assert.deepEqual(await ns('repo:a'), [6, 5, 4, 3, 2, 1]);
  });

  test('audit query target prefix matches non-ASCII targets by their bytes', async (store) => {
    await store.audit.append([
      auditEvent({ target: 'ns/é/x', detail: { n: 1 } }),
      auditEvent({ target: 'ns/e/x', detail: { n: 2 } }),
      auditEvent({ target: 'ns/日本/x', detail: { n: 3 } }),
      auditEvent({ target: 'ns/😀', detail: { n: 4 } }),
    ]);
    const ns = async (target: string) => (await store.audit.query({ target, limit: 10 })).map((event) => event.detail?.['n']);
    assert.deepEqual(await ns('ns/é'), [1]);
    assert.deepEqual(await ns('ns/e'), [2]);
    assert.deepEqual(await ns('ns/日'), [3]);
    assert.deepEqual(await ns('ns/😀'), [4]);
    assert.deepEqual(await ns('ns/'), [4, 3, 2, 1]);
  });

  test('audit query since and until bound the event time', async (store) => {
    const base = Date.parse('2024-05-01T00:00:00Z');
    const hour = 3_600_000;
    await store.audit.append([0, 1, 2, 3, 4].map((h) => auditEvent({ at: new Date(base + h * hour), detail: { h } })));
    const hs = async (filter: { since?: Date; until?: Date }) => (await store.audit.query({ ...filter, limit: 10 })).map((event) => event.detail?.['h']);
    assert.deepEqual(await hs({ since: new Date(base + 1.5 * hour) }), [4, 3, 2]);
    assert.deepEqual(await hs({ until: new Date(base + 1.5 * hour) }), [1, 0]);
    assert.deepEqual(await hs({ since: new Date(base + 0.5 * hour), until: new Date(base + 3.5 * hour) }), [3, 2, 1]);
    assert.deepEqual(await hs({ since: new Date(base + 5 * hour) }), []);
    assert.deepEqual(await hs({ until: new Date(base - hour) }), []);
    // The time bound works together with the other filters.
    assert.deepEqual((await store.audit.query({ since: new Date(base + 2.5 * hour), actor: 'alice', limit: 10 })).map((e) => e.detail?.['h']), [4, 3]);
  });

  test('audit query limit returns the newest events and before pages to older ones', async (store) => {
    const start = Date.now();
    await store.audit.append(Array.from({ length: 7 }, (_, i) => auditEvent({ at: new Date(start + i), detail: { i } })));
    const seen: unknown[] = [];
    let before: number | undefined;
    for (let page = 0; page < 10; page++) {
      const events = await store.audit.query({ limit: 3, ...(before === undefined ? {} : { before }) });
      if (events.length === 0) break;
      assert.ok(events.length <= 3);
      seen.push(...events.map((event) => event.detail?.['i']));
      before = events[events.length - 1]?.id;
    }
    assert.deepEqual(seen, [6, 5, 4, 3, 2, 1, 0]);
    const first = await store.audit.query({ limit: 1 });
    assert.equal(first.length, 1);
    assert.equal(first[0]?.detail?.['i'], 6);
  });

  test('audit query before combines with filters and excludes the id itself', async (store) => {
    await store.audit.append([
      auditEvent({ actor: 'alice', detail: { n: 1 } }),
      auditEvent({ actor: 'bob', detail: { n: 2 } }),
      auditEvent({ actor: 'alice', detail: { n: 3 } }),
      auditEvent({ actor: 'bob', detail: { n: 4 } }),
      auditEvent({ actor: 'alice', detail: { n: 5 } }),
    ]);
    const all = await store.audit.query({ limit: 10 });
    const third = all.find((event) => event.detail?.['n'] === 3);
    assert.ok(third);
    const older = await store.audit.query({ actor: 'alice', before: third.id, limit: 10 });
    assert.deepEqual(
      older.map((event) => event.detail?.['n']),
      [1],
    );
    assert.deepEqual(await store.audit.query({ before: Math.min(...all.map((event) => event.id)), limit: 10 }), []);
  });
}
