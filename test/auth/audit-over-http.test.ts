import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { AuditEventRecord } from '../../src/metadata/access-store.js';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { addNamespace, addUser, basic, bearerFor, deleteStatus, pullStatus, pushImageAs, startAuthRegistry } from './support.js';

const DEV = basic('dev', 'dev-password-1');
const WRONG_PASSWORD = 'a-wrong-password-never-to-be-logged';

describe('audit events of requests over HTTP', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let proxied: TestRegistry;
  let events: AuditEventRecord[];
  const image = imageManifest();

  before(async () => {
    [registry, proxied] = await Promise.all([startAuthRegistry(), startAuthRegistry({ BERTH_AUTH_TRUSTED_PROXIES: '127.0.0.1/32' })]);
    await addUser(registry, 'dev', 'dev-password-1');
    await addUser(registry, 'outsider', 'outsider-password-1');
    await addNamespace(registry, 'acme', 'private', { dev: 'maintainer' });
    assert.equal(await pushImageAs(registry, 'acme/app', 'v1', image, DEV), 201);
    assert.equal(await pullStatus(registry, 'acme/app', 'v1', await bearerFor(registry, ['repository:acme/app:pull'], DEV)), 200);
    assert.equal(await pullStatus(registry, 'acme/app', 'v1', basic('outsider', 'outsider-password-1')), 403);
    assert.equal(await pullStatus(registry, 'acme/app', 'v1', basic('dev', WRONG_PASSWORD)), 401);
    assert.equal(await deleteStatus(registry, 'acme/app', image.manifest.digest, DEV), 202);
    await registry.berth.auth.audit.flush();
    events = await registry.berth.store.audit.query({ limit: 50 });
  });
  after(async () => Promise.all([registry.stop(), proxied.stop()]));

  function find(match: Partial<AuditEventRecord>): AuditEventRecord {
    const found = events.find((event) => Object.entries(match).every(([key, value]) => event[key as keyof AuditEventRecord] === value));
    assert.ok(found, `no event like ${JSON.stringify(match)} in ${JSON.stringify(events, null, 1)}`);
    return found;
  }

  it('records one login for a client that repeats its Basic credentials on every request, not one per request', async () => {
    await addUser(registry, 'repeater', 'repeater-password-1');
    const repeated = basic('repeater', 'repeater-password-1');
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${registry.url}/v2/`, { headers: { authorization: repeated } })).status, 200);
    await registry.berth.auth.audit.flush();
    const logins = await registry.berth.store.audit.query({ actor: 'repeater', action: 'login', limit: 50 });
    assert.equal(logins.length, 1, JSON.stringify(logins));
    assert.equal(logins[0]?.outcome, 'success');
  });

  it('records the push with actor, action, target, outcome and client address', async () => {
    const event = find({ action: 'push', target: 'acme/app:v1' });
    assert.equal(event.actor, 'dev');
    assert.equal(event.actorKind, 'user');
    assert.equal(event.outcome, 'success');
    assert.equal(event.clientIp, '127.0.0.1');
    assert.ok(event.at instanceof Date);
    assert.deepEqual(event.detail?.digest, image.manifest.digest);
  });

  it('records the pull made with a token under the token holder', async () => {
    const event = find({ action: 'pull', target: 'acme/app:v1', outcome: 'success' });
    assert.equal(event.actor, 'dev');
    assert.equal(event.clientIp, '127.0.0.1');
  });

  it('records the delete', async () => {
    const event = find({ action: 'delete', target: `acme/app:${image.manifest.digest}` });
    assert.equal(event.actor, 'dev');
    assert.equal(event.outcome, 'success');
    assert.equal(event.clientIp, '127.0.0.1');
  });

  it('records the failed login under the name tried, with its address', async () => {
    const event = find({ action: 'login', outcome: 'failure', actor: 'dev' });
    assert.equal(event.clientIp, '127.0.0.1');
  });

  it('records a failed login under an unknown name only as "unknown" plus a short hash, never the name', async () => {
    const typedPassword = 'hunter2-typed-into-the-user-field';
    assert.equal((await fetch(`${registry.url}/v2/`, { headers: { authorization: basic(typedPassword, 'x') } })).status, 401);
    await registry.berth.auth.audit.flush();
    const all = await registry.berth.store.audit.query({ action: 'login', limit: 200 });
    assert.ok(!JSON.stringify(all).includes(typedPassword), 'the typed name reached the audit log');
    const event = all.find((e) => e.actor === 'unknown' && e.outcome === 'failure');
    assert.ok(event, JSON.stringify(all));
    assert.equal(event.actorKind, 'unknown');
    assert.deepEqual(event.detail, { via: 'basic', userHash: createHash('sha256').update(typedPassword).digest('hex').slice(0, 8) });
  });

  it('records the denied pull of a non-member', async () => {
    const event = find({ actor: 'outsider', outcome: 'denied' });
    assert.equal(event.action, 'pull');
    assert.equal(event.target, 'acme/app');
    assert.equal(event.clientIp, '127.0.0.1');
  });

  it('records token issues with the granted access', async () => {
    const event = find({ action: 'token.issue', actor: 'dev' });
    assert.equal(event.outcome, 'success');
    assert.deepEqual(event.detail?.access, ['repository:acme/app:pull']);
  });

  it('never writes a password or secret into the log', async () => {
    const text = JSON.stringify(events);
    assert.ok(!text.includes(WRONG_PASSWORD));
    assert.ok(!text.includes('dev-password-1'));
    assert.ok(!text.includes('outsider-password-1'));
  });

  it('records the forwarded client address behind a trusted proxy', async () => {
    await addUser(proxied, 'dev', 'dev-password-1');
    await addNamespace(proxied, 'acme', 'private', { dev: 'developer' });
    assert.equal(await pushImageAs(proxied, 'acme/app', 'v1', imageManifest(), DEV, { 'X-Forwarded-For': '10.7.7.7' }), 201);
    await proxied.berth.auth.audit.flush();
    const [push] = await proxied.berth.store.audit.query({ limit: 5, action: 'push' });
    assert.equal(push?.clientIp, '10.7.7.7');
    assert.equal(push?.actor, 'dev');
  });
});
