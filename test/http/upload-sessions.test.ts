/**
 * Unfinished upload sessions are capped per principal (uploads.maxSessionsPerPrincipal) and per
 * namespace (uploads.maxSessionsPerNamespace): past a cap, POST …/blobs/uploads/ answers 429
 * TOOMANYREQUESTS saying which cap and how to get room, and creates nothing; a finished or
 * cancelled session gives its place back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addNamespace, addUser, basic, pushBlobAs, startAuthRegistry, v2 } from '../auth/support.js';
import { randomBlob } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { assertWordedError } from '../support/spec-http.js';

const ALICE = basic('alice', 'alice-password-1');
const BOB = basic('bob', 'bob-password-1');

describe('upload session caps', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startAuthRegistry({ BERTH_UPLOADS_MAX_SESSIONS_PER_PRINCIPAL: '3', BERTH_UPLOADS_MAX_SESSIONS_PER_NAMESPACE: '5' });
    await addUser(registry, 'alice', 'alice-password-1');
    await addUser(registry, 'bob', 'bob-password-1');
    await addNamespace(registry, 'team', 'private', { alice: 'developer', bob: 'developer' });
    await addNamespace(registry, 'other', 'private', { alice: 'developer', bob: 'developer' });
  });
  after(async () => registry?.stop());

  async function open(name: string, auth: string): Promise<Response> {
    return v2(registry, `${name}/blobs/uploads/`, auth, { method: 'POST', headers: { 'Content-Length': '0' } });
  }

  async function opened(name: string, auth: string): Promise<string> {
    const response = await open(name, auth);
    assert.equal(response.status, 202, await response.text());
    return response.headers.get('location') ?? '';
  }

  it('refuses a principal its fourth unfinished session with 429, in any namespace, and gives the place back on cancel', async () => {
    const sessions = [await opened('team/a', ALICE), await opened('team/b', ALICE), await opened('other/c', ALICE)];
    const refused = await open('other/d', ALICE);
    const error = await assertWordedError(refused, 429, 'TOOMANYREQUESTS', 'user:alice has 3 unfinished upload sessions, the most allowed (uploads.maxSessionsPerPrincipal); finish or cancel some first');
    assert.deepEqual(error.detail, { reason: error.message, limit: 3, open: 3 });
    // A whole-blob push opens a session too.
    assert.equal(await pushBlobAs(registry, 'team/a', randomBlob(10), ALICE), 429);
    // Bob is not held to Alice's sessions.
    const bobs = await opened('team/a', BOB);
    const cancelled = await fetch(new URL(sessions[0] as string, registry.url), { method: 'DELETE', headers: { Authorization: ALICE } });
    assert.equal(cancelled.status, 204);
    assert.equal(await pushBlobAs(registry, 'team/a', randomBlob(10), ALICE), 201, 'a finished push leaves its place free again');
    await opened('other/d', ALICE);
    for (const location of [...sessions.slice(1), bobs]) await fetch(new URL(location, registry.url), { method: 'DELETE', headers: { Authorization: location === bobs ? BOB : ALICE } });
    await fetch(new URL((await opened('other/e', ALICE)) , registry.url), { method: 'DELETE', headers: { Authorization: ALICE } });
  });

  it('refuses a namespace its sixth unfinished session with 429, whoever opens it', async () => {
    // Alice holds one place in `other` from the test before; clean slate for `team`.
    const held = [await opened('team/x', ALICE), await opened('team/y', ALICE), await opened('team/x', BOB), await opened('team/z', BOB)];
    const robot = await addNamespaceAdmin();
    held.push(await opened('team/w', robot));
    const error = await assertWordedError(await open('team/v', robot), 429, 'TOOMANYREQUESTS', 'namespace team has 5 unfinished upload sessions, the most allowed (uploads.maxSessionsPerNamespace); finish or cancel some first');
    assert.deepEqual(error.detail, { reason: error.message, limit: 5, open: 5 });
    assert.equal((await open('other/v', robot)).status, 202, 'another namespace has its own cap');
  });

  async function addNamespaceAdmin(): Promise<string> {
    await addUser(registry, 'carol', 'carol-password-1');
    assert.ok(await registry.berth.store.namespaces.setMember('team', { kind: 'user', name: 'carol', role: 'developer' }));
    assert.ok(await registry.berth.store.namespaces.setMember('other', { kind: 'user', name: 'carol', role: 'developer' }));
    return basic('carol', 'carol-password-1');
  }
});
