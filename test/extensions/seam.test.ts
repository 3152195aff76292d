import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { z } from 'zod';
import { createBerth } from '../../src/app.js';
import { flag, listSettings, loadConfig, nonNegativeInt, withSlices } from '../../src/config/index.js';
import { routesFor } from '../../src/extensions/admin-route.js';
import type { ExtensionModule } from '../../src/extensions/extension.js';
import { ciTokensSettings } from '../../src/extensions/ci-tokens/settings.js';
import { lineageSettings } from '../../src/extensions/lineage/settings.js';
import { lifecycleSettings } from '../../src/extensions/lifecycle/settings.js';
import { webhookSettings } from '../../src/extensions/webhooks/settings.js';

/** A probe extension using every part of the seam: a slice, a migration, a route, a task and a job handler. */
const probeSettings = z
  .object({
    enabled: flag.default(false).describe('Turn the probe on.'),
    intervalMs: nonNegativeInt.default(10).describe('How often its task runs.'),
  })
  .strict()
  .prefault({});

interface ProbeState {
  runs: number;
  /** Payloads of the probe.echo jobs it ran. */
  echoed: unknown[];
}

const probe: ExtensionModule<typeof probeSettings, ProbeState> = {
  name: 'probe',
  config: probeSettings,
  migrations: () => ({
    'probe/0001-notes': { up: async (db) => void (await db.schema.createTable('probe_notes').ifNotExists().addColumn('id', 'text').execute()) },
  }),
  routes: [
    routesFor<{ extension: ProbeState }>()({
      method: 'GET',
      path: '/probe',
      id: 'getProbe',
      tag: 'probe',
      summary: 'How often the probe task ran',
      access: 'public',
      status: 200,
      response: z.object({ runs: z.number(), echoed: z.array(z.unknown()) }),
      errors: [],
      handle: async ({ extension }) => ({ runs: extension.runs, echoed: extension.echoed }),
    }),
  ],
  enabled: (settings) => settings.enabled,
  build: (_context, settings) => {
    const state: ProbeState = { runs: 0, echoed: [] };
    const task = { name: 'probe', intervalMs: settings.intervalMs, run: async () => ++state.runs, done: () => undefined, failed: () => undefined };
    const echo = { kind: 'probe.echo', concurrency: 1, timeoutMs: 5000, run: async (payload: unknown) => void state.echoed.push(payload) };
    // Every pushed manifest's repository is echoed: an event subscription yields one job per event.
    const pushes = { name: 'probe', types: ['manifest.pushed' as const], jobsFor: async (event: { repository?: string }) => [{ key: '', kind: 'probe.echo', payload: { pushed: event.repository }, maxAttempts: 3 }] };
    return { services: state, tasks: [task], jobs: [echo], subscriptions: [pushes] };
  },
};

const schema = withSlices({ lifecycle: lifecycleSettings, webhooks: webhookSettings, ciTokens: ciTokensSettings, lineage: lineageSettings, probe: probeSettings });

async function withProbe(env: Record<string, string>, check: (berth: Awaited<ReturnType<typeof createBerth>>, data: string) => Promise<void>): Promise<void> {
  const data = await mkdtemp(join(tmpdir(), 'berth-seam-'));
  try {
    const config = loadConfig({ env: { BERTH_AUTH_MODE: 'none', BERTH_GC_INTERVAL_SECONDS: '0', BERTH_JOBS_POLL_INTERVAL_MS: '20', ...env }, flags: { data } }, schema);
    const berth = await createBerth(config, pino({ level: 'silent' }), [probe]);
    try {
      await check(berth, data);
    } finally {
      await berth.close();
    }
  } finally {
    await rm(data, { recursive: true, force: true });
  }
}

describe('the Extension seam', () => {
  it("takes an extension's config slice into the one schema: its settings, BERTH_* names and validation", () => {
    const settings = listSettings(schema).map((s) => s.env);
    assert.ok(settings.includes('BERTH_PROBE_ENABLED') && settings.includes('BERTH_PROBE_INTERVAL_MS'), settings.join(' '));
    assert.equal(loadConfig({ env: { BERTH_PROBE_ENABLED: 'true' } }, schema).probe.enabled, true);
    assert.throws(() => loadConfig({ env: { BERTH_PROBE_ENABLD: 'true' } }, schema), /did you mean BERTH_PROBE_ENABLED\?/);
    assert.throws(() => loadConfig({ env: { BERTH_PROBE_INTERVAL_MS: '-1' } }, schema), /probe\.intervalMs/);
  });

  it('builds an enabled extension: its route is served and documented, its task runs on the scheduler, its migration ran', async () => {
    await withProbe({ BERTH_PROBE_ENABLED: 'true' }, async (berth, data) => {
      assert.deepEqual(berth.extensions, ['probe']);
      await new Promise((resolve) => setTimeout(resolve, 80));
      const reply = await berth.server.inject({ method: 'GET', url: '/api/v1/probe' });
      assert.equal(reply.statusCode, 200);
      assert.ok((reply.json() as { runs: number }).runs >= 1, reply.body);
      const doc = (await berth.server.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Record<string, unknown> };
      assert.ok(doc.paths['/api/v1/probe'], Object.keys(doc.paths).join(' '));
      const db = new Database(join(data, 'berth.db'), { readonly: true });
      try {
        const names = db.prepare('select name from kysely_migration order by name').all().map((row) => (row as { name: string }).name);
        assert.equal(names.at(-1), 'probe/0001-notes');
        assert.ok(db.prepare("select name from sqlite_master where type = 'table' and name = 'probe_notes'").get());
      } finally {
        db.close();
      }
    });
  });

  it('does not build a disabled extension: no route, no task (its migrations still ran, for when it is enabled)', async () => {
    await withProbe({}, async (berth) => {
      assert.deepEqual(berth.extensions, []);
      const reply = await berth.server.inject({ method: 'GET', url: '/api/v1/probe' });
      assert.equal(reply.statusCode, 404);
      const doc = (await berth.server.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Record<string, unknown> };
      assert.equal(doc.paths['/api/v1/probe'], undefined);
    });
  });

  it("runs an enabled extension's jobs from the shared queue on a node with jobs.enabled", async () => {
    await withProbe({ BERTH_PROBE_ENABLED: 'true' }, async (berth) => {
      assert.deepEqual(berth.jobs?.kinds(), ['probe.echo']);
      const { id } = await berth.store.jobs.enqueue({ kind: 'probe.echo', payload: { n: 1 }, maxAttempts: 3 });
      const deadline = Date.now() + 10_000;
      while ((await berth.store.jobs.get(id))?.state !== 'done') {
        assert.ok(Date.now() < deadline, 'the job ran');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const probe = (await berth.server.inject({ method: 'GET', url: '/api/v1/probe' })).json() as { echoed: unknown[] };
      assert.deepEqual(probe.echoed, [{ n: 1 }]);
    });
  });

  it("hands events to an enabled extension's subscription, whose jobs then run", async () => {
    await withProbe({ BERTH_PROBE_ENABLED: 'true', BERTH_EVENTS_DISPATCH_INTERVAL_MS: '20' }, async (berth) => {
      await berth.store.events.append([{ event: { type: 'manifest.pushed', repository: 'team/app' }, origin: {} }, { event: { type: 'tag.deleted', repository: 'team/other' }, origin: {} }]);
      const deadline = Date.now() + 10_000;
      let echoed: unknown[] = [];
      while (echoed.length === 0) {
        assert.ok(Date.now() < deadline, 'the subscription job ran');
        await new Promise((resolve) => setTimeout(resolve, 20));
        echoed = ((await berth.server.inject({ method: 'GET', url: '/api/v1/probe' })).json() as { echoed: unknown[] }).echoed;
      }
      assert.deepEqual(echoed, [{ pushed: 'team/app' }], 'one job, for the subscribed type only');
    });
  });

  it('runs no jobs on a node with jobs.enabled false: it serves requests only', async () => {
    await withProbe({ BERTH_PROBE_ENABLED: 'true', BERTH_JOBS_ENABLED: 'false' }, async (berth) => {
      assert.equal(berth.jobs, undefined);
      const { id } = await berth.store.jobs.enqueue({ kind: 'probe.echo', payload: { n: 2 }, maxAttempts: 3 });
      // Ten poll intervals of a node that runs jobs: this one leaves the job for others.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal((await berth.store.jobs.get(id))?.state, 'queued');
      const probe = (await berth.server.inject({ method: 'GET', url: '/api/v1/probe' })).json() as { echoed: unknown[] };
      assert.deepEqual(probe.echoed, []);
    });
  });
});
