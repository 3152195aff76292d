import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { assertError } from '../support/spec-http.js';
import { ADMIN, addNamespace, addUser, basic, bearer, deleteStatus, pullStatus, pushImageAs, seedImage, startAuthRegistry, v2 } from './support.js';

const DEV = basic('dev', 'dev-password-1');
const INSIDE = { 'X-Forwarded-For': '10.1.2.3' };
const OUTSIDE = { 'X-Forwarded-For': '10.2.0.1' };

/** A token from /token asked for with the given forwarded address. */
async function tokenFrom(registry: TestRegistry, forwarded: Record<string, string>, scopes: string[], authorization: string): Promise<string> {
  const query = new URLSearchParams({ service: 'berth' });
  for (const scope of scopes) query.append('scope', scope);
  const response = await fetch(`${registry.url}/token?${query}`, { headers: { Authorization: authorization, ...forwarded } });
  assert.equal(response.status, 200);
  return ((await response.json()) as { token: string }).token;
}

describe('namespace network rules behind a trusted proxy', { timeout: 120_000 }, () => {
  let registry: TestRegistry;
  const pushImage = imageManifest();
  const netImage = imageManifest();

  before(async () => {
    registry = await startAuthRegistry({ BERTH_AUTH_TRUSTED_PROXIES: '127.0.0.1/32' });
    await addUser(registry, 'dev', 'dev-password-1');
    await addNamespace(registry, 'net', 'private', { dev: 'developer' });
    await addNamespace(registry, 'netpub', 'public');
    await addNamespace(registry, 'pushnet', 'private', { dev: 'maintainer' });
    await addNamespace(registry, 'free', 'private', { dev: 'developer' });
    await seedImage(registry, 'net/app', 'v1', netImage);
    await seedImage(registry, 'netpub/app', 'v1', imageManifest());
    await seedImage(registry, 'pushnet/app', 'v1', pushImage);
    await seedImage(registry, 'free/app', 'v1', imageManifest());
    // Seeded first: the admin's pushes come from 127.0.0.1, outside every list below.
    assert.ok(await registry.berth.store.namespaces.update('net', { pullCidrs: ['10.1.0.0/16'] }));
    assert.ok(await registry.berth.store.namespaces.update('netpub', { pullCidrs: ['10.1.0.0/16'] }));
    assert.ok(await registry.berth.store.namespaces.update('pushnet', { pushCidrs: ['10.1.0.0/16'] }));
  });
  after(async () => registry.stop());

  it('lets a forwarded client inside pullCidrs pull', async () => {
    assert.equal(await pullStatus(registry, 'net/app', 'v1', ADMIN, INSIDE), 200);
    assert.equal(await pullStatus(registry, 'net/app', 'v1', DEV, INSIDE), 200);
  });

  it('answers a forwarded client outside pullCidrs with 403 DENIED, even the admin', async () => {
    await assertError(await v2(registry, 'net/app/manifests/v1', ADMIN, { headers: OUTSIDE }), 403, 'DENIED');
    await assertError(await v2(registry, 'net/app/manifests/v1', DEV, { headers: OUTSIDE }), 403, 'DENIED');
    await assertError(await v2(registry, 'net/app/tags/list', ADMIN, { headers: OUTSIDE }), 403, 'DENIED');
  });

  it('answers the proxy itself (no X-Forwarded-For) by its own address: outside', async () => {
    assert.equal(await pullStatus(registry, 'net/app', 'v1', ADMIN), 403);
  });

  it('takes the last untrusted hop: an address the client made up in front of its own does not pass', async () => {
    assert.equal(await pullStatus(registry, 'net/app', 'v1', ADMIN, { 'X-Forwarded-For': '10.1.2.3, 10.2.0.1' }), 403);
    assert.equal(await pullStatus(registry, 'net/app', 'v1', ADMIN, { 'X-Forwarded-For': '10.2.0.1, 10.1.2.3' }), 200);
  });

  it('keeps anonymous clients outside the pullCidrs of a public namespace out (401), and lets those inside in', async () => {
    assert.equal(await pullStatus(registry, 'netpub/app', 'v1', undefined, OUTSIDE), 401);
    assert.equal(await pullStatus(registry, 'netpub/app', 'v1', undefined, INSIDE), 200);
  });

  it('grants no pull in a token asked for from outside the pullCidrs (push stays: only pull is restricted)', async () => {
    const outside = await tokenFrom(registry, OUTSIDE, ['repository:net/app:pull,push'], ADMIN);
    assert.deepEqual(decodeJwt(outside).access, [{ type: 'repository', name: 'net/app', actions: ['push'] }]);
    const inside = await tokenFrom(registry, INSIDE, ['repository:net/app:pull,push'], ADMIN);
    assert.deepEqual(decodeJwt(inside).access, [{ type: 'repository', name: 'net/app', actions: ['pull', 'push'] }]);
  });

  it('refuses a token obtained inside the pullCidrs when it is used from outside them', async () => {
    const token = await tokenFrom(registry, INSIDE, ['repository:net/app:pull'], DEV);
    assert.equal(await pullStatus(registry, 'net/app', 'v1', bearer(token), INSIDE), 200);
    await assertError(await v2(registry, 'net/app/manifests/v1', bearer(token), { headers: OUTSIDE }), 403, 'DENIED');
  });

  it('refuses a push token obtained inside the pushCidrs when it is used from outside them', async () => {
    const token = await tokenFrom(registry, INSIDE, ['repository:pushnet/carried:pull,push'], DEV);
    assert.equal(await pushImageAs(registry, 'pushnet/carried', 'v1', imageManifest(), bearer(token)), 403);
  });

  it('does not mount from a namespace whose pullCidrs exclude the client, with a token obtained inside', async () => {
    const token = await tokenFrom(registry, INSIDE, ['repository:net/app:pull', 'repository:free/mounted:pull,push'], DEV);
    const query = `mount=${netImage.config.digest}&from=net/app`;
    const outside = await v2(registry, `free/mounted/blobs/uploads/?${query}`, bearer(token), { method: 'POST', headers: { 'Content-Length': '0', ...OUTSIDE } });
    assert.equal(outside.status, 202);
    assert.equal((await v2(registry, `free/mounted/blobs/${netImage.config.digest}`, ADMIN, { method: 'HEAD' })).status, 404);
    const inside = await v2(registry, `free/mounted/blobs/uploads/?${query}`, bearer(token), { method: 'POST', headers: { 'Content-Length': '0', ...INSIDE } });
    assert.equal(inside.status, 201);
  });

  it('hides the namespace from the catalog of clients outside its pullCidrs', async () => {
    const outside = (await (await v2(registry, '_catalog', ADMIN, { headers: OUTSIDE })).json()) as { repositories: string[] };
    assert.deepEqual(outside.repositories, ['free/app', 'free/mounted', 'pushnet/app']);
    const inside = (await (await v2(registry, '_catalog', ADMIN, { headers: INSIDE })).json()) as { repositories: string[] };
    assert.deepEqual(inside.repositories, ['free/app', 'free/mounted', 'net/app', 'netpub/app', 'pushnet/app']);
  });

  it('restricts push to pushCidrs: 201 from inside, 403 from outside', async () => {
    const inside = imageManifest();
    assert.equal(await pushImageAs(registry, 'pushnet/in', 'v1', inside, DEV, INSIDE), 201);
    assert.equal(await pushImageAs(registry, 'pushnet/out', 'v1', imageManifest(), DEV, OUTSIDE), 403);
    assert.equal(await pushImageAs(registry, 'pushnet/out', 'v1', imageManifest(), ADMIN, OUTSIDE), 403);
  });

  it('restricts delete to pushCidrs too', async () => {
    assert.equal(await deleteStatus(registry, 'pushnet/app', pushImage.manifest.digest, ADMIN, OUTSIDE), 403);
    assert.equal(await pullStatus(registry, 'pushnet/app', 'v1', ADMIN), 200);
    assert.equal(await deleteStatus(registry, 'pushnet/app', pushImage.manifest.digest, DEV, INSIDE), 202);
  });

  it('leaves pull alone when only pushCidrs are set', async () => {
    assert.equal(await pullStatus(registry, 'pushnet/in', 'v1', DEV, OUTSIDE), 200);
    assert.equal(await pullStatus(registry, 'pushnet/in', 'v1', DEV), 200);
  });

  it('leaves namespaces without rules reachable from anywhere', async () => {
    assert.equal(await pullStatus(registry, 'free/app', 'v1', DEV, OUTSIDE), 200);
    assert.equal(await pushImageAs(registry, 'free/other', 'v1', imageManifest(), DEV, OUTSIDE), 201);
  });
});

describe('network rules without a trusted proxy', { timeout: 60_000 }, () => {
  let registry: TestRegistry;

  before(async () => {
    registry = await startAuthRegistry();
    await addNamespace(registry, 'net', 'private');
    await addNamespace(registry, 'local', 'private');
    await seedImage(registry, 'net/app', 'v1', imageManifest());
    await seedImage(registry, 'local/app', 'v1', imageManifest());
    assert.ok(await registry.berth.store.namespaces.update('net', { pullCidrs: ['10.1.0.0/16'] }));
    assert.ok(await registry.berth.store.namespaces.update('local', { pullCidrs: ['127.0.0.1/32'] }));
  });
  after(async () => registry.stop());

  it('ignores X-Forwarded-For: a client claiming an inside address is still 127.0.0.1, outside', async () => {
    assert.equal(await pullStatus(registry, 'net/app', 'v1', ADMIN, INSIDE), 403);
  });

  it('ignores X-Forwarded-For: a client claiming an outside address is still 127.0.0.1, inside', async () => {
    assert.equal(await pullStatus(registry, 'local/app', 'v1', ADMIN, OUTSIDE), 200);
  });
});
