import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AuditEventInput, SigningKeyRecord } from '../../src/metadata/access-store.js';
import { credential, tick } from './access-fixtures.js';
import type { StoreTest } from './describe-metadata-store.js';

const ROUNDS = 8;

/** An AuditEventInput; `overrides` says what the test cares about. */
function auditEvent(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return { at: new Date(), actor: 'alice', actorKind: 'user', action: 'push', target: 'team/app', outcome: 'success', ...overrides };
}

/** Robot accounts and personal access tokens, signing keys and the audit log. */
export function credentialAndAuditCases(test: StoreTest): void {
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

  test('credential delete removes the row for good (its secret finds nothing); false when unknown', async (store) => {
    const robot = await store.credentials.create(credential({ kind: 'robot', name: 'ci-job', secretHash: 'hash-ci-job' }));
    assert.ok(robot);
    assert.equal(await store.credentials.delete(robot.id), true);
    assert.equal(await store.credentials.get(robot.id), undefined);
    assert.equal(await store.credentials.findBySecretHash('hash-ci-job'), undefined);
    assert.equal(await store.credentials.delete(robot.id), false);
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

  test("robots are named per namespace (their owner): one name in two namespaces is two robots, twice in one is refused", async (store) => {
    const team = await store.credentials.create(credential({ kind: 'robot', owner: 'team', name: 'ci' }));
    const shop = await store.credentials.create(credential({ kind: 'robot', owner: 'shop', name: 'ci' }));
    const system = await store.credentials.create(credential({ kind: 'robot', owner: '', name: 'ci' }));
    assert.ok(team && shop && system);
    assert.equal(await store.credentials.create(credential({ kind: 'robot', owner: 'team', name: 'ci' })), undefined);
    assert.deepEqual(
      (await store.credentials.list({ kind: 'robot', owner: 'team' })).map((r) => r.id),
      [team.id],
    );
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
