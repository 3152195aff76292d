/**
 * Immutable tags over HTTP: rules made through the admin API (by maintainers, owners and admins
 * only, audited), and /v2 pushes and deletes that would move or remove a protected tag refused
 * with 403 DENIED naming the rule, changing nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, addNamespace, addUser, basic, deleteStatus, pushBlobAs, pushImageAs, seedImage, v2 } from '../auth/support.js';
import { api, assertError, assertStatus, auditEvents, startApiRegistry } from '../api/support.js';
import { imageManifest, type ImageFixture } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';

type RuleJson = { scopeKind: string; scope: string; pattern: string; createdBy: string; createdAt: string };
type V2Error = { errors: { code: string; message: string; detail?: { reason?: string; rule?: RuleJson } }[] };

const OWNER = basic('owner', 'owner-password-1');
const MAINTAINER = basic('maint', 'maint-password-1');
const DEV = basic('dev', 'dev-password-1');

let registry: TestRegistry;

before(async () => {
  registry = await startApiRegistry();
  for (const name of ['owner', 'maint', 'dev']) await addUser(registry, name, `${name}-password-1`);
  await addNamespace(registry, 'frozen', 'private', { owner: 'owner', maint: 'maintainer', dev: 'developer' });
});

after(async () => {
  await registry?.stop();
});

async function addRule(scopeKind: string, scope: string, pattern: string, auth = ADMIN): Promise<void> {
  assertStatus(await api(registry, 'POST', '/immutable-tag-rules', { auth, json: { scopeKind, scope, pattern } }), 201);
}

async function served(repository: string, tag: string): Promise<string | null> {
  const response = await v2(registry, `${repository}/manifests/${tag}`, ADMIN);
  await response.arrayBuffer();
  return response.status === 200 ? response.headers.get('docker-content-digest') : null;
}

/** Pushes the image's blobs, then its manifest to `tag`; returns the manifest PUT's response. */
async function pushManifest(repository: string, tag: string, image: ImageFixture, auth = DEV): Promise<Response> {
  for (const blob of [image.config, ...image.layers]) assert.equal(await pushBlobAs(registry, repository, blob, auth), 201);
  return v2(registry, `${repository}/manifests/${tag}`, auth, { method: 'PUT', headers: { 'Content-Type': image.mediaType }, body: new Uint8Array(image.manifest.bytes) });
}

/** Asserts a 403 DENIED whose message and detail name the tag and the rule. */
async function assertImmutable(response: Response, tag: string, rule: string): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, 403, text);
  const [error] = (JSON.parse(text) as V2Error).errors;
  assert.equal(error?.code, 'DENIED');
  assert.equal(error?.message, `tag ${tag} is immutable (rule ${rule})`);
  assert.equal(error?.detail?.reason, error?.message);
}

describe('immutable tags over /v2', () => {
  it('refuses a different manifest on a protected tag with 403 DENIED naming the rule; the same manifest is fine', async () => {
    await addRule('repository', 'frozen/app', 'v*');
    const v1 = imageManifest();
    assert.equal((await pushManifest('frozen/app', 'v1', v1)).status, 201, 'the first push creates the tag');
    await assertImmutable(await pushManifest('frozen/app', 'v1', imageManifest()), 'v1', 'v* on repository frozen/app');
    assert.equal(await served('frozen/app', 'v1'), v1.manifest.digest, 'nothing moved');
    assert.equal((await pushManifest('frozen/app', 'v1', v1)).status, 201, 'pushing the same manifest again is idempotent');
    assert.equal((await pushManifest('frozen/app', 'latest', imageManifest())).status, 201, 'tags the pattern does not match stay mutable');
    assert.equal((await pushManifest('frozen/app', 'latest', imageManifest())).status, 201);
  });

  it('refuses a push by digest whose ?tag= would move a protected tag, storing nothing', async () => {
    const other = imageManifest();
    for (const blob of [other.config, ...other.layers]) await pushBlobAs(registry, 'frozen/app', blob, DEV);
    const response = await v2(registry, `frozen/app/manifests/${other.manifest.digest}?tag=v1&tag=extra`, DEV, { method: 'PUT', headers: { 'Content-Type': other.mediaType }, body: new Uint8Array(other.manifest.bytes) });
    await assertImmutable(response, 'v1', 'v* on repository frozen/app');
    assert.equal(await served('frozen/app', other.manifest.digest), null, 'the manifest was not stored');
    assert.equal(await served('frozen/app', 'extra'), null);
  });

  it('refuses deleting a protected tag, or the manifest it points to', async () => {
    await addRule('namespace', 'frozen', 'release-*', MAINTAINER);
    const image = imageManifest();
    assert.equal(await pushImageAs(registry, 'frozen/svc', 'release-1', image, DEV), 201);
    await assertImmutable(await v2(registry, 'frozen/svc/manifests/release-1', ADMIN, { method: 'DELETE' }), 'release-1', 'release-* on namespace frozen');
    await assertImmutable(await v2(registry, `frozen/svc/manifests/${image.manifest.digest}`, ADMIN, { method: 'DELETE' }), 'release-1', 'release-* on namespace frozen');
    assert.equal(await served('frozen/svc', 'release-1'), image.manifest.digest);
    await seedImage(registry, 'frozen/svc', 'scratch', imageManifest());
    assert.equal(await deleteStatus(registry, 'frozen/svc', 'scratch', ADMIN), 202, 'other tags can be deleted');
  });

  it('refuses a rollback of a protected tag', async () => {
    await addRule('repository', 'frozen/rolled', '*');
    const first = imageManifest();
    assert.equal(await pushImageAs(registry, 'frozen/rolled', first.manifest.digest, first, DEV), 201);
    assert.equal(await pushImageAs(registry, 'frozen/rolled', 'stable', imageManifest(), DEV), 201);
    const refused = assertError(await api(registry, 'POST', '/tag-rollback', { auth: ADMIN, json: { repository: 'frozen/rolled', tag: 'stable', to: first.manifest.digest } }), 403, 'DENIED');
    assert.match(refused.message, /tag stable is immutable \(rule \* on repository frozen\/rolled\)/);
  });

  it('applies as soon as the rule is removed, through the node that removed it', async () => {
    await addRule('repository', 'frozen/thaw', 'v*');
    assert.equal(await pushImageAs(registry, 'frozen/thaw', 'v1', imageManifest(), DEV), 201);
    assert.equal(await pushImageAs(registry, 'frozen/thaw', 'v1', imageManifest(), DEV), 403);
    assertStatus(await api(registry, 'DELETE', `/immutable-tag-rules?${new URLSearchParams({ scopeKind: 'repository', scope: 'frozen/thaw', pattern: 'v*' })}`, { auth: OWNER }), 204);
    assert.equal(await pushImageAs(registry, 'frozen/thaw', 'v1', imageManifest(), DEV), 201);
  });
});

describe('immutable-tag rules API', () => {
  it('lets maintainers, owners and admins manage rules, but not developers; changes are audited', async () => {
    const refused = assertError(await api(registry, 'POST', '/immutable-tag-rules', { auth: DEV, json: { scopeKind: 'namespace', scope: 'frozen', pattern: 'x*' } }), 403, 'DENIED');
    assert.match(refused.message, /maintainers and owners of namespace "frozen"/);
    await addRule('namespace', 'frozen', 'owned-*', OWNER);
    assertError(await api(registry, 'POST', '/immutable-tag-rules', { auth: OWNER, json: { scopeKind: 'namespace', scope: 'frozen', pattern: 'owned-*' } }), 409, 'CONFLICT');
    assertError(await api(registry, 'POST', '/immutable-tag-rules', { auth: OWNER, json: { scopeKind: 'namespace', scope: 'elsewhere', pattern: '*' } }), 403, 'DENIED');
    assertError(await api(registry, 'POST', '/immutable-tag-rules', { auth: ADMIN, json: { scopeKind: 'namespace', scope: 'frozen', pattern: 'bad pattern' } }), 400, 'INVALID_REQUEST');
    assertError(await api(registry, 'DELETE', '/immutable-tag-rules?scopeKind=namespace&scope=frozen&pattern=owned-*', { auth: DEV }), 403, 'DENIED');
    assertError(await api(registry, 'DELETE', '/immutable-tag-rules?scopeKind=namespace&scope=frozen&pattern=never', { auth: ADMIN }), 404, 'NOT_FOUND');

    const added = await auditEvents(registry, { action: 'immutable.add', target: 'frozen' });
    assert.ok(added.some((e) => e.actor === 'owner' && e.outcome === 'success' && e.detail?.pattern === 'owned-*'));
    assert.ok(added.some((e) => e.actor === 'dev' && e.outcome === 'denied'));
    assertStatus(await api(registry, 'DELETE', '/immutable-tag-rules?scopeKind=namespace&scope=frozen&pattern=owned-*', { auth: MAINTAINER }), 204);
    assert.ok((await auditEvents(registry, { action: 'immutable.remove', target: 'frozen' })).some((e) => e.actor === 'maint' && e.outcome === 'success'));
  });

  it('lists rules with who made them, filtered by namespace or repository, and only where the caller has rights', async () => {
    await addRule('repository', 'frozen/listed', 'v*', MAINTAINER);
    await addRule('namespace', 'other', '*');
    const mine = await api<{ rules: RuleJson[] }>(registry, 'GET', '/immutable-tag-rules?repository=frozen/listed', { auth: DEV });
    assertStatus(mine, 200);
    assert.deepEqual(
      mine.body.rules.map((r) => [r.scopeKind, r.scope, r.pattern, r.createdBy]),
      [
        ['namespace', 'frozen', 'release-*', 'maint'],
        ['repository', 'frozen/listed', 'v*', 'maint'],
      ],
    );
    const devSees = await api<{ rules: RuleJson[] }>(registry, 'GET', '/immutable-tag-rules', { auth: DEV });
    assert.ok(!devSees.body.rules.some((r) => r.scope === 'other'), 'rules of namespaces the caller has no rights in stay hidden');
    const adminSees = await api<{ rules: RuleJson[] }>(registry, 'GET', '/immutable-tag-rules?namespace=other', { auth: ADMIN });
    assert.deepEqual(adminSees.body.rules.map((r) => r.scope), ['other']);
  });
});
