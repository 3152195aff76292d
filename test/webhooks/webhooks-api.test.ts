/**
 * Webhooks end to end: created through the admin API, fed by real pushes through /v2, delivered
 * by the job queue to a receiver on loopback — signed (the receiver verifies with the secret),
 * in the chosen format, filtered by namespace and repository glob, retried until the receiver
 * answers, disabled by a 410, with a delivery log, test events and redelivery; bad input refused
 * with nothing stored; secrets stored sealed and never shown again.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { ADMIN, ADMIN_PASSWORD, api, assertError, assertStatus, basic, createNamespace, createUser, startApiRegistry } from '../api/support.js';
import { imageManifest } from '../support/fixtures.js';
import { pushAs } from '../support/push.js';
import type { TestRegistry } from '../support/registry.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { FAST, until } from './support.js';

interface HookJson {
  id: number;
  namespace: string | null;
  url: string;
  format: string;
  events: string[];
  repository: string | null;
  enabled: boolean;
  disabledReason: string | null;
  hasAuthorization: boolean;
  secret?: string;
}
interface DeliveryJson {
  id: number;
  event: number | null;
  eventType: string;
  job: number | null;
  attempt: number;
  outcome: string;
  status: number | null;
  response: string | null;
  error: string | null;
  test: boolean;
}

async function createHook(registry: TestRegistry, auth: string, body: Record<string, unknown>): Promise<HookJson> {
  const reply = await api<HookJson>(registry, 'POST', '/webhooks', { auth, json: body });
  assertStatus(reply, 201);
  return reply.body;
}

async function deliveries(registry: TestRegistry, id: number): Promise<DeliveryJson[]> {
  const reply = await api<{ deliveries: DeliveryJson[] }>(registry, 'GET', `/webhooks/${id}/deliveries`, { auth: ADMIN });
  assertStatus(reply, 200);
  return reply.body.deliveries;
}

/** Waits until the dispatcher has handed out every event written so far (their jobs are enqueued). */
async function dispatched(registry: TestRegistry): Promise<void> {
  const last = await registry.berth.store.events.lastId();
  await until('the events are dispatched', async () => {
    const progress = await registry.berth.store.settings.get('events.dispatched');
    return progress && (JSON.parse(progress.value) as { id: number }).id >= last ? true : undefined;
  });
}

/** Waits until no delivery job is queued or running: what was dispatched has been delivered (or is dead). */
async function settled(registry: TestRegistry): Promise<void> {
  await dispatched(registry);
  await until('the deliveries are done', async () => {
    const pending = [...(await registry.berth.store.jobs.list({ kind: 'webhook.deliver', state: 'queued', limit: 1 })), ...(await registry.berth.store.jobs.list({ kind: 'webhook.deliver', state: 'running', limit: 1 }))];
    return pending.length === 0 ? true : undefined;
  });
}

describe('webhooks over HTTP', { timeout: 120_000 }, () => {
  let registry: TestRegistry;
  let receiver: WebhookReceiver;
  let bob: string;
  let carol: string;

  before(async () => {
    registry = await startApiRegistry(FAST);
    receiver = await WebhookReceiver.start();
    bob = await createUser(registry, 'bob', 'bob-password-1');
    carol = await createUser(registry, 'carol', 'carol-password-1');
    await createNamespace(registry, 'team', { bob: 'owner', carol: 'developer' });
    await createNamespace(registry, 'other');
  });

  after(async () => {
    await registry?.stop();
    await receiver?.stop();
  });

  beforeEach(async () => {
    receiver.mode = 200;
    receiver.received.length = 0;
    // Each test starts with no webhook: one test's hooks must not receive another's events.
    const list = await api<{ webhooks: HookJson[] }>(registry, 'GET', '/webhooks', { auth: ADMIN });
    for (const hook of list.body.webhooks) assertStatus(await api(registry, 'DELETE', `/webhooks/${hook.id}`, { auth: ADMIN }), 204);
  });

  it('a system-wide webhook receives a push as a signed CloudEvent; its secret is shown once; the delivery is logged', async () => {
    const hook = await createHook(registry, ADMIN, { url: receiver.url, events: ['push'] });
    assert.match(hook.secret ?? '', /^whsec_/);
    assert.deepEqual([hook.namespace, hook.format, hook.events, hook.enabled], [null, 'cloudevents', ['manifest.pushed'], true]);
    const shown = await api<HookJson>(registry, 'GET', `/webhooks/${hook.id}`, { auth: ADMIN });
    assert.equal(shown.body.secret, undefined, 'never shown again');
    const image = imageManifest();
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/app', 'v1', image);
    const [request] = await receiver.waitFor(1);
    assert.equal(request?.method, 'POST');
    assert.match(String(request?.headers['content-type']), /^application\/cloudevents\+json/);
    const verified = new Webhook(hook.secret ?? '').verify(request?.body ?? '', request?.headers as Record<string, string>) as { type: string; subject: string; data: { target: { digest: string; tags: string[] }; actor: string } };
    assert.deepEqual([verified.type, verified.subject, verified.data.target.digest, verified.data.target.tags, verified.data.actor], ['io.berth.manifest.pushed', 'team/app:v1', image.manifest.digest, ['v1'], 'admin']);
    assert.match(String(request?.headers['webhook-id']), new RegExp(`^evt_\\d+_${hook.id}$`));
    const [logged] = await until('the delivery is logged', async () => ((await deliveries(registry, hook.id)).length > 0 ? deliveries(registry, hook.id) : undefined));
    assert.deepEqual([logged?.outcome, logged?.status, logged?.attempt, logged?.eventType, logged?.test, logged?.response], ['delivered', 200, 1, 'manifest.pushed', false, 'answered 200']);
    await settled(registry);
    assert.equal(receiver.received.length, 1, 'only the subscribed event type, once');
  });

  it("a namespace owner's webhook receives only its namespace's repositories matching the glob, in the Distribution format", async () => {
    const hook = await createHook(registry, bob, { url: receiver.url, events: ['push'], namespace: 'team', repository: 'team/app*', format: 'distribution', authorization: 'Bearer team-token' });
    assert.equal(hook.hasAuthorization, true);
    const image = imageManifest();
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'other/app', 'v1', imageManifest());
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/web', 'v1', imageManifest());
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/app-api', 'v2', image);
    await settled(registry);
    const [request] = await receiver.waitFor(1);
    assert.equal(receiver.received.length, 1);
    assert.equal(request?.headers['content-type'], 'application/vnd.docker.distribution.events.v2+json');
    assert.equal(request?.headers.authorization, 'Bearer team-token');
    const { events } = JSON.parse(request?.body ?? '{}') as { events: { action: string; target: { repository: string; digest: string; tag: string } }[] };
    assert.deepEqual(events.map((e) => [e.action, e.target.repository, e.target.digest, e.target.tag]), [['push', 'team/app-api', image.manifest.digest, 'v2']]);
    const listed = await api<{ webhooks: HookJson[] }>(registry, 'GET', '/webhooks', { auth: bob });
    assert.deepEqual(listed.body.webhooks.map((h) => h.id), [hook.id]);
    assert.deepEqual((await api<{ webhooks: HookJson[] }>(registry, 'GET', '/webhooks', { auth: carol })).body.webhooks, [], 'a developer manages none');
  });

  it('refuses who may not manage a webhook, and bad input, storing nothing', async () => {
    assertError(await api(registry, 'POST', '/webhooks', { auth: bob, json: { url: receiver.url, events: ['push'] } }), 403, 'DENIED');
    assertError(await api(registry, 'POST', '/webhooks', { auth: carol, json: { url: receiver.url, events: ['push'], namespace: 'team' } }), 403, 'DENIED');
    assertError(await api(registry, 'POST', '/webhooks', { auth: bob, json: { url: receiver.url, events: ['push'], namespace: 'other' } }), 403, 'DENIED');
    assertError(await api(registry, 'POST', '/webhooks', { json: { url: receiver.url, events: ['push'] } }), 401, 'UNAUTHORIZED');
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ url: 'not a url', events: ['push'] }, /is not a URL/],
      [{ url: 'ftp://example.com/x', events: ['push'] }, /not ftp:/],
      [{ url: 'http://no-such-host.invalid/x', events: ['push'] }, /does not resolve/],
      [{ url: receiver.url, events: ['push', 'explode'] }, /unknown event "explode"/],
      [{ url: receiver.url, events: ['delete'], format: 'dockerhub' }, /the dockerhub format has no shape for manifest\.deleted, tag\.deleted, repository\.deleted/],
      [{ url: receiver.url, events: ['gc'], format: 'harbor' }, /the harbor format has no shape for gc\.finished/],
      [{ url: receiver.url, events: ['push'], format: 'xml' }, /unknown format "xml"/],
      [{ url: receiver.url, events: ['push'], secret: 'hunter2' }, /whsec_/],
      [{ url: receiver.url, events: ['push'], authorization: 'Bearer a\r\nX-Evil: 1' }, /one non-empty line/],
    ];
    for (const [body, message] of refusals) {
      const error = assertError(await api(registry, 'POST', '/webhooks', { auth: ADMIN, json: body }), 400, 'INVALID_REQUEST');
      assert.match(error.message, message, JSON.stringify(body));
    }
    assertError(await api(registry, 'POST', '/webhooks', { auth: ADMIN, json: { url: receiver.url, events: ['push'], namespace: 'nope' } }), 404, 'NOT_FOUND');
    assert.deepEqual((await api<{ webhooks: HookJson[] }>(registry, 'GET', '/webhooks', { auth: ADMIN })).body.webhooks, []);
  });

  it('retries a failing receiver with backoff until it answers 2xx; every attempt is logged; the secret given is the one used', async () => {
    const secret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const hook = await createHook(registry, ADMIN, { url: receiver.url, events: ['tag'], secret });
    assert.equal(hook.secret, undefined, 'a given secret is not echoed');
    receiver.mode = 500;
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/retry', 'v1', imageManifest());
    await receiver.waitFor(2);
    receiver.mode = 200;
    const log = await until('the delivery succeeded', async () => {
      const entries = await deliveries(registry, hook.id);
      return entries[0]?.outcome === 'delivered' ? entries : undefined;
    });
    const attempts = log.reverse();
    assert.ok(attempts.length >= 3);
    assert.ok(attempts.slice(0, -1).every((entry) => entry.outcome === 'failed' && entry.status === 500 && entry.error === 'the receiver answered 500'));
    assert.deepEqual(attempts.map((entry) => entry.attempt), attempts.map((_, i) => i + 1));
    const ids = new Set(receiver.received.map((request) => request.headers['webhook-id']));
    assert.equal(ids.size, 1, 'every attempt carries the same webhook-id');
    const last = receiver.received.at(-1);
    new Webhook(secret).verify(last?.body ?? '', last?.headers as Record<string, string>);
    const job = await api<{ state: string; attempts: number }>(registry, 'GET', `/jobs/${attempts[0]?.job}`, { auth: ADMIN });
    assert.deepEqual([job.body.state, job.body.attempts], ['done', attempts.length]);
  });

  it('a receiver that answers 410 Gone disables its webhook; enable turns it back on', async () => {
    const hook = await createHook(registry, ADMIN, { url: receiver.url, events: ['push'] });
    receiver.mode = 410;
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/gone', 'v1', imageManifest());
    const disabled = await until('the webhook is disabled', async () => {
      const shown = await api<HookJson>(registry, 'GET', `/webhooks/${hook.id}`, { auth: ADMIN });
      return shown.body.enabled ? undefined : shown.body;
    });
    assert.match(disabled.disabledReason ?? '', /410 Gone/);
    assert.equal((await deliveries(registry, hook.id))[0]?.outcome, 'gone');
    receiver.mode = 200;
    receiver.received.length = 0;
    const logged = (await deliveries(registry, hook.id)).length;
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/gone', 'v2', imageManifest());
    await settled(registry);
    assert.equal(receiver.received.length, 0, 'a disabled webhook gets no delivery');
    assert.equal((await deliveries(registry, hook.id)).length, logged);
    const enabled = await api<HookJson>(registry, 'POST', `/webhooks/${hook.id}/enable`, { auth: ADMIN, json: {} });
    assert.deepEqual([enabled.body.enabled, enabled.body.disabledReason], [true, null]);
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/gone', 'v3', imageManifest());
    await receiver.waitFor(1);
  });

  it('sends a test event at once and redelivers a logged delivery with the same webhook-id', async () => {
    const hook = await createHook(registry, bob, { url: receiver.url, events: ['push'], namespace: 'team' });
    const tested = await api<DeliveryJson>(registry, 'POST', `/webhooks/${hook.id}/test`, { auth: bob, json: {} });
    assertStatus(tested, 200);
    assert.deepEqual([tested.body.outcome, tested.body.status, tested.body.test, tested.body.event], ['delivered', 200, true, null]);
    assert.equal(receiver.received[0]?.headers['webhook-id'], `test_0_${hook.id}`);
    new Webhook(hook.secret ?? '').verify(receiver.received[0]?.body ?? '', receiver.received[0]?.headers as Record<string, string>);
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/again', 'v1', imageManifest());
    await receiver.waitFor(2);
    const delivered = await until('the push is logged', async () => (await deliveries(registry, hook.id)).find((entry) => !entry.test && entry.outcome === 'delivered'));
    const again = await api<{ job: number }>(registry, 'POST', `/webhooks/${hook.id}/redeliver`, { auth: bob, json: { delivery: delivered.id } });
    assertStatus(again, 200);
    await receiver.waitFor(3);
    assert.equal(receiver.received[2]?.headers['webhook-id'], receiver.received[1]?.headers['webhook-id']);
    assertError(await api(registry, 'POST', `/webhooks/${hook.id}/redeliver`, { auth: bob, json: { delivery: tested.body.id } }), 409, 'CONFLICT');
    assertError(await api(registry, 'POST', `/webhooks/${hook.id}/redeliver`, { auth: bob, json: { delivery: 999999 } }), 404, 'NOT_FOUND');
    assertError(await api(registry, 'POST', `/webhooks/${hook.id}/test`, { auth: carol, json: {} }), 403, 'DENIED');
  });

  it('stores the secret and the Authorization header sealed, never in clear', async () => {
    const hook = await createHook(registry, ADMIN, { url: receiver.url, events: ['push'], authorization: 'Bearer very-secret-token' });
    const db = new Database(join(registry.dataDir, 'berth.db'), { readonly: true });
    try {
      const row = db.prepare('select secret, authorization from webhooks where id = ?').get(hook.id) as { secret: string; authorization: string };
      assert.ok(!row.secret.includes((hook.secret ?? '').slice(6)), 'the secret is not stored in clear');
      assert.ok(!row.authorization.includes('very-secret-token'));
      assert.equal((JSON.parse(row.secret) as { enc: string }).enc, 'berth-kek-v1');
    } finally {
      db.close();
    }
  });

  it('deleting a webhook stops its deliveries', async () => {
    const hook = await createHook(registry, ADMIN, { url: receiver.url, events: ['push'] });
    assertStatus(await api(registry, 'DELETE', `/webhooks/${hook.id}`, { auth: ADMIN }), 204);
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/deleted', 'v1', imageManifest());
    await settled(registry);
    assert.equal(receiver.received.length, 0);
    assertError(await api(registry, 'GET', `/webhooks/${hook.id}`, { auth: ADMIN }), 404, 'NOT_FOUND');
  });
});

describe('webhooks to private addresses', { timeout: 60_000 }, () => {
  it('are refused unless webhooks.allowPrivateTargets', async () => {
    const registry = await startApiRegistry();
    try {
      const refused = assertError(await api(registry, 'POST', '/webhooks', { auth: ADMIN, json: { url: 'http://127.0.0.1:9/hook', events: ['push'] } }), 400, 'INVALID_REQUEST');
      assert.match(refused.message, /127\.0\.0\.1 is a loopback address: webhooks go to public addresses only/);
      const named = assertError(await api(registry, 'POST', '/webhooks', { auth: ADMIN, json: { url: 'http://localhost:9/hook', events: ['push'] } }), 400, 'INVALID_REQUEST');
      assert.match(named.message, /loopback/);
      assertError(await api(registry, 'POST', '/webhooks', { auth: basic('admin', 'wrong'), json: { url: 'http://localhost:9/hook', events: ['push'] } }), 401, 'UNAUTHORIZED');
    } finally {
      await registry.stop();
    }
  });
});

describe('the delivery log', { timeout: 60_000 }, () => {
  it('keeps the newest webhooks.deliveriesKept entries of each webhook', async () => {
    const registry = await startApiRegistry({ ...FAST, BERTH_WEBHOOKS_DELIVERIES_KEPT: '3' });
    const receiver = await WebhookReceiver.start();
    try {
      const hook = await createHook(registry, ADMIN, { url: receiver.url, events: ['push'] });
      const other = await createHook(registry, ADMIN, { url: receiver.url, events: ['push'] });
      const sent: number[] = [];
      for (let i = 0; i < 5; i++) sent.push((await api<DeliveryJson>(registry, 'POST', `/webhooks/${hook.id}/test`, { auth: ADMIN, json: {} })).body.id);
      assertStatus(await api(registry, 'POST', `/webhooks/${other.id}/test`, { auth: ADMIN, json: {} }), 200);
      assert.deepEqual((await deliveries(registry, hook.id)).map((d) => d.id), sent.slice(2).reverse());
      assert.equal((await deliveries(registry, other.id)).length, 1, 'another webhook’s log is its own');
    } finally {
      await registry.stop();
      await receiver.stop();
    }
  });
});
