/**
 * Tag history and rollback over HTTP: pushes and deletes through /v2 are recorded with who and
 * when, the admin API shows them, and a rollback moves the tag back at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, addNamespace, addUser, basic, deleteStatus, pushImageAs, seedImage, v2 } from '../auth/support.js';
import { api, assertError, assertStatus, auditEvents, startApiRegistry } from '../api/support.js';
import { imageManifest, type ImageFixture } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';

type Event = { id: number; repository: string; tag: string; oldDigest: string | null; newDigest: string | null; actor: string; at: string };
type HistoryJson = { events: Event[]; next: number | null };

const DEV = basic('dev', 'dev-password-1');
const READER = basic('reader', 'reader-password-1');
const STRANGER = basic('stranger', 'stranger-password-1');

let registry: TestRegistry;

before(async () => {
  registry = await startApiRegistry();
  await addUser(registry, 'dev', 'dev-password-1');
  await addUser(registry, 'reader', 'reader-password-1');
  await addUser(registry, 'stranger', 'stranger-password-1');
  await addNamespace(registry, 'hist', 'private', { dev: 'developer', reader: 'reader' });
});

after(async () => {
  await registry?.stop();
});

async function history(repository: string, tag?: string, auth = ADMIN, extra: Record<string, string> = {}): Promise<HistoryJson> {
  const reply = await api<HistoryJson>(registry, 'GET', `/tag-history?${new URLSearchParams({ repository, ...(tag ? { tag } : {}), ...extra })}`, { auth });
  assertStatus(reply, 200);
  return reply.body;
}

/** The digest a manifest GET by tag serves. */
async function served(repository: string, tag: string): Promise<string | null> {
  const response = await v2(registry, `${repository}/manifests/${tag}`, ADMIN);
  await response.arrayBuffer();
  return response.status === 200 ? response.headers.get('docker-content-digest') : null;
}

async function pushAs(auth: string, repository: string, tag: string): Promise<ImageFixture> {
  const image = imageManifest();
  assert.equal(await pushImageAs(registry, repository, tag, image, auth), 201);
  return image;
}

describe('tag history', () => {
  it('records v1 then v2 pushed to one tag, with the pusher and the time, newest first', async () => {
    const startedAt = Date.now();
    const v1 = await pushAs(DEV, 'hist/app', 'latest');
    const v2Image = await pushAs(ADMIN, 'hist/app', 'latest');
    const { events, next } = await history('hist/app', 'latest');
    assert.equal(next, null);
    assert.deepEqual(
      events.map((e) => [e.tag, e.oldDigest, e.newDigest, e.actor]),
      [
        ['latest', v1.manifest.digest, v2Image.manifest.digest, 'admin'],
        ['latest', null, v1.manifest.digest, 'dev'],
      ],
    );
    for (const event of events) {
      assert.equal(event.repository, 'hist/app');
      const at = Date.parse(event.at);
      assert.ok(at >= startedAt - 1000 && at <= Date.now() + 1000, event.at);
    }
  });

  it('records a tag delete and a manifest delete, and pages with limit and next', async () => {
    const image = await pushAs(ADMIN, 'hist/paged', 'a');
    await seedImage(registry, 'hist/paged', 'b', image);
    assert.equal(await deleteStatus(registry, 'hist/paged', 'a', ADMIN), 202);
    assert.equal(await deleteStatus(registry, 'hist/paged', image.manifest.digest, ADMIN), 202);
    const all = await history('hist/paged');
    assert.deepEqual(
      all.events.map((e) => [e.tag, e.oldDigest === null ? '-' : 'old', e.newDigest === null ? '-' : 'new']),
      [
        ['b', 'old', '-'],
        ['a', 'old', '-'],
        ['b', '-', 'new'],
        ['a', '-', 'new'],
      ],
    );
    const first = await history('hist/paged', undefined, ADMIN, { limit: '3' });
    assert.equal(first.events.length, 3);
    assert.ok(first.next);
    const rest = await history('hist/paged', undefined, ADMIN, { limit: '3', before: String(first.next) });
    assert.deepEqual(rest.events.map((e) => e.id), [all.events[3]?.id]);
    assert.equal(rest.next, null);
  });

  it('needs pull on the repository: readers may read it, strangers may not; unknown repositories are 404', async () => {
    await pushAs(DEV, 'hist/rights', 'latest');
    assert.equal((await history('hist/rights', 'latest', READER)).events.length, 1);
    assertError(await api(registry, 'GET', '/tag-history?repository=hist/rights', { auth: STRANGER }), 403, 'DENIED');
    assertError(await api(registry, 'GET', '/tag-history?repository=hist/never-pushed', { auth: ADMIN }), 404, 'NOT_FOUND');
    assertError(await api(registry, 'GET', '/tag-history?repository=Not_A_Name', { auth: ADMIN }), 400, 'INVALID_REQUEST');
  });
});

describe('tag rollback', () => {
  it('--steps 1 and --to digest restore a previous version instantly, recorded as moves by the caller', async () => {
    const v1 = await pushAs(DEV, 'hist/roll', 'latest');
    const v2Image = await pushAs(DEV, 'hist/roll', 'latest');
    assert.equal(await served('hist/roll', 'latest'), v2Image.manifest.digest);

    const back = await api<{ digest: string; changed: boolean }>(registry, 'POST', '/tag-rollback', { auth: DEV, json: { repository: 'hist/roll', tag: 'latest', steps: 1 } });
    assertStatus(back, 200);
    assert.deepEqual(back.body, { repository: 'hist/roll', tag: 'latest', digest: v1.manifest.digest, changed: true });
    assert.equal(await served('hist/roll', 'latest'), v1.manifest.digest);

    const forward = await api(registry, 'POST', '/tag-rollback', { auth: ADMIN, json: { repository: 'hist/roll', tag: 'latest', to: v2Image.manifest.digest } });
    assertStatus(forward, 200);
    assert.equal(await served('hist/roll', 'latest'), v2Image.manifest.digest);
    const again = await api<{ changed: boolean }>(registry, 'POST', '/tag-rollback', { auth: ADMIN, json: { repository: 'hist/roll', tag: 'latest', to: v2Image.manifest.digest } });
    assert.equal(again.body.changed, false);

    const { events } = await history('hist/roll', 'latest');
    assert.deepEqual(
      events.slice(0, 2).map((e) => [e.oldDigest, e.newDigest, e.actor]),
      [
        [v1.manifest.digest, v2Image.manifest.digest, 'admin'],
        [v2Image.manifest.digest, v1.manifest.digest, 'dev'],
      ],
    );
    const audited = await auditEvents(registry, { action: 'tag.rollback', target: 'hist/roll:latest' });
    assert.deepEqual(
      audited.map((e) => [e.actor, e.detail?.changed]),
      [
        ['admin', false],
        ['admin', true],
        ['dev', true],
      ],
    );
  });

  it('brings back a deleted tag, and the tags list shows it again', async () => {
    const image = await pushAs(ADMIN, 'hist/undelete', 'keep');
    await seedImage(registry, 'hist/undelete', 'gone', image);
    const list = async (): Promise<string[]> => ((await (await v2(registry, 'hist/undelete/tags/list', ADMIN)).json()) as { tags: string[] }).tags;
    assert.deepEqual(await list(), ['gone', 'keep']);
    assert.equal(await deleteStatus(registry, 'hist/undelete', 'gone', ADMIN), 202);
    assert.deepEqual(await list(), ['keep']);
    assertStatus(await api(registry, 'POST', '/tag-rollback', { auth: ADMIN, json: { repository: 'hist/undelete', tag: 'gone', steps: 1 } }), 200);
    assert.deepEqual(await list(), ['gone', 'keep']);
    assert.equal(await served('hist/undelete', 'gone'), image.manifest.digest);
  });

  it('answers 404 when the target manifest is gone (saying GC may have removed it) or there is no such earlier version', async () => {
    const v1 = await pushAs(ADMIN, 'hist/gone', 'latest');
    const v2Image = await pushAs(ADMIN, 'hist/gone', 'latest');
    assert.equal(await deleteStatus(registry, 'hist/gone', v1.manifest.digest, ADMIN), 202);
    const refused = assertError(await api(registry, 'POST', '/tag-rollback', { auth: ADMIN, json: { repository: 'hist/gone', tag: 'latest', steps: 1 } }), 404, 'NOT_FOUND');
    assert.match(refused.message, /garbage collection may have removed it/);
    assert.equal(await served('hist/gone', 'latest'), v2Image.manifest.digest, 'nothing moved');
    const tooFar = assertError(await api(registry, 'POST', '/tag-rollback', { auth: ADMIN, json: { repository: 'hist/gone', tag: 'latest', steps: 5 } }), 404, 'NOT_FOUND');
    assert.match(tooFar.message, /moved only 2 time/);
    assertError(await api(registry, 'POST', '/tag-rollback', { auth: ADMIN, json: { repository: 'hist/gone', tag: 'latest', steps: 2 } }), 404, 'NOT_FOUND');
    assertError(await api(registry, 'POST', '/tag-rollback', { auth: ADMIN, json: { repository: 'hist/gone', tag: 'latest', to: 'sha256:abc', steps: 1 } }), 400, 'INVALID_REQUEST');
    assertError(await api(registry, 'POST', '/tag-rollback', { auth: ADMIN, json: { repository: 'hist/gone', tag: 'latest', to: 'sha256:abc' } }), 400, 'INVALID_REQUEST');
  });

  it('needs push: a reader is refused and the tag stays', async () => {
    const v1 = await pushAs(DEV, 'hist/readonly-user', 'latest');
    const v2Image = await pushAs(DEV, 'hist/readonly-user', 'latest');
    assertError(await api(registry, 'POST', '/tag-rollback', { auth: READER, json: { repository: 'hist/readonly-user', tag: 'latest', to: v1.manifest.digest } }), 403, 'DENIED');
    assert.equal(await served('hist/readonly-user', 'latest'), v2Image.manifest.digest);
  });
});
