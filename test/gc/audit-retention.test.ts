/**
 * Audit retention (issue #10): every pull writes an audit row; each garbage collection prunes
 * the rows older than audit.retentionDays (default 90), in batches, under the GC lease.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEventInput } from '../../src/metadata/access-store.js';
import { startRegistry } from '../support/registry.js';

const DAY = 24 * 3600 * 1000;

function events(count: number, daysAgo: number, action: string): AuditEventInput[] {
  const at = Date.now() - daysAgo * DAY;
  return Array.from({ length: count }, (_, i) => ({ at: new Date(at - i), actor: 'bob', actorKind: 'user', action, target: 'shop/web', outcome: 'success' }));
}

describe('audit retention', { timeout: 60_000 }, () => {
  it('a GC run deletes audit events older than 90 days by default (more than one batch) and keeps newer ones; a dry run deletes none', async () => {
    const registry = await startRegistry({ BERTH_GC_INTERVAL_SECONDS: '0' });
    try {
      const audit = registry.berth.store.audit;
      await audit.append(events(2500, 91, 'old.pull'));
      await audit.append(events(3, 89, 'recent.pull'));
      const dry = await registry.berth.gc.run({ dryRun: true });
      assert.equal(dry.auditEvents, 0);
      assert.equal((await audit.query({ limit: 3000, action: 'old.pull' })).length, 2500);

      const report = await registry.berth.gc.run();
      assert.equal(report.auditEvents, 2500);
      assert.equal((await audit.query({ limit: 3000, action: 'old.pull' })).length, 0);
      assert.equal((await audit.query({ limit: 3000, action: 'recent.pull' })).length, 3);
      const [last] = await registry.berth.store.gcRuns.list(1);
      assert.equal(last?.auditEvents, 2500);
    } finally {
      await registry.stop();
    }
  });

  it('keeps everything with audit.retentionDays 0, and honours a shorter retention', async () => {
    const forever = await startRegistry({ BERTH_GC_INTERVAL_SECONDS: '0', BERTH_AUDIT_RETENTION_DAYS: '0' });
    try {
      await forever.berth.store.audit.append(events(5, 400, 'ancient.pull'));
      assert.equal((await forever.berth.gc.run()).auditEvents, 0);
      assert.equal((await forever.berth.store.audit.query({ limit: 10, action: 'ancient.pull' })).length, 5);
    } finally {
      await forever.stop();
    }
    const week = await startRegistry({ BERTH_GC_INTERVAL_SECONDS: '0', BERTH_AUDIT_RETENTION_DAYS: '7' });
    try {
      await week.berth.store.audit.append([...events(2, 8, 'old.pull'), ...events(2, 6, 'recent.pull')]);
      assert.equal((await week.berth.gc.run()).auditEvents, 2);
      assert.deepEqual((await week.berth.store.audit.query({ limit: 10, target: 'shop/web' })).map((e) => e.action), ['recent.pull', 'recent.pull']);
    } finally {
      await week.stop();
    }
  });
});
