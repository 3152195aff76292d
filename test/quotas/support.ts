/** What the quota suites share. */
import assert from 'node:assert/strict';
import type { TestRegistry } from '../support/registry.js';

/** Creates the namespace with a quota (before anything reads it, so no node holds a stale copy). */
export async function createNamespaceWithQuota(registry: TestRegistry, namespace: string, quotaBytes: number): Promise<void> {
  await registry.berth.store.namespaces.create({ name: namespace, visibility: 'private' });
  assert.ok(await registry.berth.store.namespaces.update(namespace, { quotaBytes }));
}
