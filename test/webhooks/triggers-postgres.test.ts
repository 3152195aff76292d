/**
 * Rebuild triggers on PostgreSQL, across the upgrade that brought them: a database whose webhooks
 * predate migration webhooks/0002 (no options column) gets it on the next start, its webhooks
 * keep working with no options, and a new gitlab trigger stores its ref and delivers with it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { ADMIN, api, assertStatus, startApiRegistry } from '../api/support.js';
import { dropTestSchema, postgresTestUrl } from '../support/postgres.js';
import type { TestRegistry } from '../support/registry.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { gitlabTrigger } from './ci-apis.js';
import { FAST, until } from './support.js';

const SETTINGS = { ...FAST, BERTH_AUTH_KEY_ENCRYPTION_KEY: 'a key-encryption secret of enough length' };

/** Takes the schema back to before webhooks/0002: the column and its migration record gone. */
async function undoOptionsMigration(url: string): Promise<void> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? '';
  parsed.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: parsed.toString() });
  await client.connect();
  try {
    await client.query(`alter table "${schema}".webhooks drop column options`);
    const removed = await client.query(`delete from "${schema}".kysely_migration where name = 'webhooks/0002-trigger-options'`);
    assert.equal(removed.rowCount, 1);
  } finally {
    await client.end();
  }
}

describe('rebuild triggers on PostgreSQL', { timeout: 90_000 }, () => {
  const url = postgresTestUrl();
  const started: TestRegistry[] = [];
  let receiver: WebhookReceiver | undefined;
  let storage: string | undefined;

  after(async () => {
    for (const registry of started) await registry.stop();
    await receiver?.stop();
    await dropTestSchema(url);
    if (storage) await rm(storage, { recursive: true, force: true });
  });

  it('migration webhooks/0002 upgrades existing webhooks; a gitlab trigger stores its ref and is delivered', async () => {
    receiver = await WebhookReceiver.start();
    // Both starts share the storage the database is bound to.
    storage = await mkdtemp(join(tmpdir(), 'berth-triggers-pg-'));
    const settings = { ...SETTINGS, BERTH_METADATA_URL: url, BERTH_STORAGE_FILESYSTEM_ROOT: storage };
    const first = await startApiRegistry(settings);
    const old = await api<{ id: number }>(first, 'POST', '/webhooks', { auth: ADMIN, json: { url: receiver.url, events: ['push'] } });
    assertStatus(old, 201);
    // Not stop(): that drops the schema, which the next start must find.
    await first.berth.close();
    await rm(first.dataDir, { recursive: true, force: true });
    await undoOptionsMigration(url);

    const registry = await startApiRegistry(settings);
    started.push(registry);
    const kept = await api<{ id: number; options: unknown }>(registry, 'GET', `/webhooks/${old.body.id}`, { auth: ADMIN });
    assertStatus(kept, 200);
    assert.deepEqual(kept.body.options, {});

    receiver.mode = gitlabTrigger('42', 'glptt-pg');
    const created = await api<{ id: number; options: unknown }>(registry, 'POST', '/webhooks', {
      auth: ADMIN,
      json: { url: `${new URL(receiver.url).origin}/api/v4/projects/42/trigger/pipeline`, events: ['base'], repository: 'team/app', format: 'gitlab', authorization: 'glptt-pg', options: { ref: 'release' } },
    });
    assertStatus(created, 201);
    assert.deepEqual(created.body.options, { ref: 'release' });
    await registry.berth.store.events.append([{ event: { type: 'base.moved', repository: 'team/app', target: { tag: '3.19', digest: 'sha256:' + 'b'.repeat(64), oldDigest: 'sha256:' + 'a'.repeat(64) } }, origin: { actor: 'lineage' } }]);
    const [request] = await receiver.waitFor(1);
    assert.equal(new URLSearchParams(request?.body).get('ref'), 'release');
    const logged = await until('the delivery is logged', async () => {
      const reply = await api<{ deliveries: { outcome: string; status: number }[] }>(registry, 'GET', `/webhooks/${created.body.id}/deliveries`, { auth: ADMIN });
      return reply.body.deliveries[0];
    });
    assert.deepEqual([logged.outcome, logged.status], ['delivered', 201]);
  });
});
