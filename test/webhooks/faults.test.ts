/**
 * Webhooks under faults: an acknowledged push is delivered even when the node dies right after
 * the 201; a node killed during a delivery delivers it again after the restart (at-least-once,
 * the same webhook-id); a hung receiver never holds up a push; a receiver sending an endless body
 * costs a delivery 4 KiB; 1,000 events while the receiver is down all arrive once it is back, in
 * order per repository.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN, ADMIN_PASSWORD, api, assertStatus, startApiRegistry } from '../api/support.js';
import { imageManifest } from '../support/fixtures.js';
import { pushAs } from '../support/push.js';
import { freePort, spawnRegistry, type RegistryProcess, type TestRegistry } from '../support/registry.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { FAST, until } from './support.js';

async function createHook(url: string, body: Record<string, unknown>): Promise<{ id: number; secret: string }> {
  const response = await fetch(`${url}/api/v1/webhooks`, { method: 'POST', headers: { Authorization: ADMIN, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()) as { id: number; secret: string };
}

describe('webhook deliveries survive kill -9', { timeout: 120_000 }, () => {
  let receiver: WebhookReceiver;
  let data: string;
  const running: RegistryProcess[] = [];

  before(async () => {
    receiver = await WebhookReceiver.start();
    data = await mkdtemp(join(tmpdir(), 'berth-webhook-kill-'));
  });

  after(async () => {
    for (const registry of running) registry.child.kill('SIGKILL');
    await receiver.stop();
    await rm(data, { recursive: true, force: true });
  });

  const start = async (port: number, env: Record<string, string> = {}): Promise<RegistryProcess> => {
    const registry = await spawnRegistry(data, port, { BERTH_AUTH_MODE: 'token', BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, BERTH_LOG_LEVEL: 'info', BERTH_JOBS_LEASE_SECONDS: '2', ...FAST, ...env });
    running.push(registry);
    return registry;
  };
  const kill = async (registry: RegistryProcess): Promise<void> => {
    registry.child.kill('SIGKILL');
    await registry.exited;
  };

  it('a push acknowledged with 201 is delivered after the node is killed and restarted', async () => {
    const port = await freePort();
    // A node that serves requests only: nothing is delivered before the kill.
    const first = await start(port, { BERTH_JOBS_ENABLED: 'false' });
    await createHook(first.url, { url: receiver.url, events: ['push'], format: 'distribution' });
    const image = imageManifest();
    await pushAs(first.url, 'admin', ADMIN_PASSWORD, 'team/app', 'v1', image);
    await kill(first);
    assert.equal(receiver.received.length, 0);
    await start(port);
    const [request] = await receiver.waitFor(1);
    const { events } = JSON.parse(request?.body ?? '{}') as { events: { action: string; target: { digest: string } }[] };
    assert.deepEqual(events.map((event) => [event.action, event.target.digest]), [['push', image.manifest.digest]]);
    await kill(running.at(-1) as RegistryProcess);
  });

  it('a node killed during a delivery delivers it again after the restart, with the same webhook-id', async () => {
    receiver.received.length = 0;
    const port = await freePort();
    const first = await start(port);
    // The first test's webhook (on pushes) is still there: look at this one's deliveries only.
    const hook = await createHook(first.url, { url: receiver.url, events: ['tag'] });
    const mine = (request: { headers: Record<string, unknown> }): boolean => String(request.headers['webhook-id']).endsWith(`_${hook.id}`);
    receiver.mode = 'hang';
    await pushAs(first.url, 'admin', ADMIN_PASSWORD, 'team/killed', 'v1', imageManifest());
    const hung = await until('the delivery is held by the receiver', () => receiver.received.find(mine));
    await kill(first);
    receiver.mode = 200;
    await start(port);
    // The dead node's lease (2 s here) runs out; the restarted node claims the job again.
    const again = await until('delivered again', () => receiver.received.find((request) => mine(request) && request.answered === 200));
    assert.equal(again.headers['webhook-id'], hung.headers['webhook-id']);
    assert.equal(again.body, hung.body);
    await kill(running.at(-1) as RegistryProcess);
  });
});

describe('receivers that misbehave', { timeout: 180_000 }, () => {
  let registry: TestRegistry;
  let receiver: WebhookReceiver;

  before(async () => {
    registry = await startApiRegistry({ ...FAST, BERTH_WEBHOOKS_TIMEOUT_SECONDS: '1' });
    receiver = await WebhookReceiver.start();
  });

  after(async () => {
    await registry?.stop();
    await receiver?.stop();
  });

  const deliveries = async (id: number): Promise<{ outcome: string; status: number | null; response: string | null; error: string | null }[]> => {
    const reply = await api<{ deliveries: { outcome: string; status: number | null; response: string | null; error: string | null }[] }>(registry, 'GET', `/webhooks/${id}/deliveries`, { auth: ADMIN });
    assertStatus(reply, 200);
    return reply.body.deliveries;
  };

  it('a receiver that never answers holds up no push, and its attempt times out', async () => {
    const hook = await createHook(registry.url, { url: receiver.url, events: ['push'] });
    receiver.mode = 'hang';
    receiver.received.length = 0;
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/slow', 'v1', imageManifest());
    await receiver.waitFor(1);
    // The receiver holds the first delivery open; pushes go on regardless.
    for (let i = 2; i <= 4; i++) await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/slow', `v${i}`, imageManifest());
    const failed = await until('the attempt timed out', async () => (await deliveries(hook.id)).find((entry) => entry.outcome === 'failed'));
    assert.match(failed.error ?? '', /no answer within 1000 ms/);
    assertStatus(await api(registry, 'DELETE', `/webhooks/${hook.id}`, { auth: ADMIN }), 204);
  });

  it('a receiver that sends an endless body costs a delivery its first 4 KiB', async () => {
    const hook = await createHook(registry.url, { url: receiver.url, events: ['push'] });
    receiver.mode = 'flood';
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/flood', 'v1', imageManifest());
    const delivered = await until('delivered', async () => (await deliveries(hook.id)).find((entry) => entry.outcome === 'delivered'));
    assert.deepEqual([delivered.status, delivered.response?.length], [200, 4096]);
    assertStatus(await api(registry, 'DELETE', `/webhooks/${hook.id}`, { auth: ADMIN }), 204);
  });

  it('1,000 events while the receiver is down all arrive once it is back, each once, in order per repository', async () => {
    receiver.mode = 503;
    receiver.received.length = 0;
    await createHook(registry.url, { url: receiver.url, events: ['push'], format: 'cloudevents-binary' });
    const repositories = Array.from({ length: 10 }, (_, i) => `team/r${i}`);
    for (let round = 0; round < 100; round++) {
      await registry.berth.store.events.append(repositories.map((repository) => ({ event: { type: 'manifest.pushed' as const, repository, target: { tag: `t${round}` } }, origin: { actor: 'ci' } })));
    }
    await receiver.waitFor(10);
    receiver.mode = 200;
    const delivered = await until('every event arrived', () => {
      const ok = receiver.received.filter((request) => request.answered === 200);
      return new Set(ok.map((request) => request.headers['webhook-id'])).size >= 1000 ? ok : undefined;
    }, 120_000);
    assert.equal(delivered.length, 1000, 'each event once');
    for (const repository of repositories) {
      const ids = delivered.filter((request) => request.headers['ce-source'] === `/berth/${repository}`).map((request) => Number(request.headers['ce-id']));
      assert.equal(ids.length, 100, repository);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), `${repository} in event order`);
    }
  });
});
