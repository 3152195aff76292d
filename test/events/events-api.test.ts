/**
 * The outbox over HTTP: a push through /v2 (token auth, a real client) writes its events with the
 * actor and the client's address; pulls arrive batched; /api/v1/events filters and pages, refuses
 * a bad type and a non-admin; `berth events` prints them and `--follow` keeps printing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryClient } from '../../src/registry-client/index.js';
import { ADMIN, ADMIN_PASSWORD, api, assertError, assertStatus, basic, createUser, startApiRegistry } from '../api/support.js';
import { runCli } from '../cli/berth-process.js';
import { imageManifest } from '../support/fixtures.js';
import { pushAs } from '../support/push.js';
import { BERTH_BIN, type TestRegistry } from '../support/registry.js';

interface EventJson {
  id: number;
  type: string;
  repository: string | null;
  target: { digest?: string; tag?: string; tags?: string[]; oldDigest?: string; mediaType?: string; size?: number } | null;
  data: Record<string, unknown> | null;
  actor: string;
  actorKind: string | null;
  address: string | null;
  node: string | null;
}
type EventPage = { events: EventJson[]; last: number; newest: number };

async function events(registry: TestRegistry, query = ''): Promise<EventPage> {
  const reply = await api<EventPage>(registry, 'GET', `/events${query}`, { auth: ADMIN });
  assertStatus(reply, 200);
  return reply.body;
}

describe('events over HTTP and the CLI', { timeout: 90_000 }, () => {
  let registry: TestRegistry;
  let configDir: string;
  let bob: string;

  before(async () => {
    registry = await startApiRegistry();
    bob = await createUser(registry, 'bob', 'bob-password-1');
    configDir = await mkdtemp(join(tmpdir(), 'berth-events-cli-'));
    const login = await runCli(configDir, ['login', registry.url, '-u', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
    assert.equal(login.code, 0, login.stderr);
  });

  after(async () => {
    await registry?.stop();
    await rm(configDir, { recursive: true, force: true });
  });

  it('a push writes blob.uploaded, manifest.pushed and tag.created with the actor and address; a pull arrives batched', async () => {
    const start = (await events(registry)).newest;
    const image = imageManifest();
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/app', 'v1', image);
    const page = await events(registry, `?after=${start}`);
    assert.deepEqual(page.events.map((event) => event.type), ['blob.uploaded', 'blob.uploaded', 'manifest.pushed', 'tag.created']);
    const pushed = page.events[2];
    assert.deepEqual([pushed?.repository, pushed?.target?.digest, pushed?.target?.tag, pushed?.target?.mediaType, pushed?.target?.size], ['team/app', image.manifest.digest, 'v1', image.mediaType, image.manifest.size]);
    assert.deepEqual([pushed?.actor, pushed?.actorKind, pushed?.address], ['admin', 'user', '127.0.0.1']);
    assert.ok(pushed?.node, 'the node is named');
    assert.equal(page.last, page.events.at(-1)?.id);

    const client = new RegistryClient(registry.url, { credentials: { username: 'admin', password: ADMIN_PASSWORD } });
    try {
      for (let i = 0; i < 5; i++) await client.getManifest('team/app', 'v1');
      await client.headManifest('team/app', 'v1');
    } finally {
      await client.close();
    }
    let pulls: EventJson[] = [];
    for (let tries = 0; tries < 100 && pulls.length === 0; tries++) {
      await sleep(50);
      pulls = (await events(registry, `?after=${page.last}&type=manifest.pulled`)).events;
    }
    assert.deepEqual(pulls.map((event) => [event.type, event.target?.tag, event.target?.digest, event.data?.count, event.actor]), [['manifest.pulled', 'v1', image.manifest.digest, 5, 'admin']], 'five GETs are one event with a count; a HEAD is none');
  });

  it('filters by type and repository, pages with after and limit, and refuses what it cannot answer', async () => {
    await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/other', 'v1', imageManifest());
    const pushes = (await events(registry, '?type=manifest.pushed,tag.created')).events;
    assert.ok(pushes.every((event) => event.type === 'manifest.pushed' || event.type === 'tag.created'));
    assert.deepEqual([...new Set(pushes.map((event) => event.repository))], ['team/app', 'team/other']);
    assert.ok((await events(registry, '?repository=team/other')).events.every((event) => event.repository === 'team/other'));
    const first = await events(registry, '?limit=1');
    const second = await events(registry, `?limit=1&after=${first.last}`);
    assert.ok((second.events[0]?.id ?? 0) > (first.events[0]?.id ?? Infinity));
    const unknown = assertError(await api(registry, 'GET', '/events?type=manifest.pushed,image.exploded', { auth: ADMIN }), 400, 'INVALID_REQUEST');
    assert.match(JSON.stringify(unknown), /unknown event type image\.exploded/);
    assertError(await api(registry, 'GET', '/events?after=-1', { auth: ADMIN }), 400, 'INVALID_REQUEST');
    assertError(await api(registry, 'GET', '/events', { auth: bob }), 403, 'DENIED');
    assertError(await api(registry, 'GET', '/events', {}), 401, 'UNAUTHORIZED');
    assertError(await api(registry, 'GET', '/events', { auth: basic('bob', 'wrong') }), 401, 'UNAUTHORIZED');
  });

  it('berth events prints a table or JSON lines; --follow prints events as they happen', async () => {
    const table = await runCli(configDir, ['events', '--type', 'manifest.pushed', '--repository', 'team/app'], '');
    assert.equal(table.code, 0, table.stderr);
    const [heading, row] = table.stdout.trim().split('\n');
    assert.deepEqual(heading?.split(/\s{2,}/), ['ID', 'TIME', 'TYPE', 'WHAT', 'ACTOR']);
    assert.match(row ?? '', /manifest\.pushed\s+team\/app:v1@sha256:[0-9a-f]{12}\s+admin \(127\.0\.0\.1\)$/);
    const bad = await runCli(configDir, ['events', '--type', 'nope'], '');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown event type nope/);

    // From the newest event now, named explicitly: left to the follower, "now" is whenever its
    // first request lands, which on a loaded machine came after the push below.
    const newest = await registry.berth.store.events.lastId();
    const follower = spawn(process.execPath, [BERTH_BIN, 'events', '--follow', '--json', '--interval', '100', '--type', 'tag.created', '--after', String(newest)], { cwd: configDir, env: { PATH: process.env.PATH ?? '', BERTH_CONFIG_DIR: configDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    follower.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      // Only events after --after.
      await sleep(1000);
      assert.equal(output, '');
      await pushAs(registry.url, 'admin', ADMIN_PASSWORD, 'team/followed', 'v9', imageManifest());
      for (let tries = 0; tries < 300 && !output.includes('\n'); tries++) await sleep(50);
      const printed = output.trim().split('\n').map((line) => JSON.parse(line) as EventJson);
      assert.deepEqual(printed.map((event) => [event.type, event.repository, event.target?.tag]), [['tag.created', 'team/followed', 'v9']]);
    } finally {
      follower.kill('SIGKILL');
    }
  });
});
