/**
 * Lineage with a real builder: buildah builds an image FROM a base pulled from Berth and writes
 * the `org.opencontainers.image.base.name` / `.base.digest` annotations; Berth resolves them to
 * the stored base (and the layers agree), and pushing a new base under the same tag turns into
 * one `base.moved` event for the app's repository, after which the app's base reads as moved.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN, ADMIN_PASSWORD, api, assertStatus, startApiRegistry } from '../api/support.js';
import { jobsDone } from '../lineage/support.js';
import type { TestRegistry } from '../support/registry.js';
import { FAST } from '../webhooks/support.js';
import { buildahSandbox } from './support/buildah.js';
import { missingTools, run, tempFolder } from './support/run.js';

const skip = await missingTools('buildah');

interface BaseJson {
  images: { platform?: string; base: { source: string; name?: string; digest?: string; stored?: { repository: string; digest: string }; moved?: boolean } | null }[];
}

describe('lineage of images buildah builds', { skip, timeout: 300_000 }, () => {
  let registry: TestRegistry;
  let work: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  let globals: string[];
  const creds = `admin:${ADMIN_PASSWORD}`;
  const buildah = (args: string[]) => run('buildah', [...globals, ...args], { env, timeout: 120_000 });
  const remote = (name: string) => `docker://${registry.host}/${name}`;

  /** A container from `from` with one file copied in, committed and pushed to `target`. */
  async function buildAndPush(from: string, fileName: string, target: string): Promise<void> {
    const file = join(work.path, 'files', fileName);
    await writeFile(file, `${fileName} ${randomBytes(6).toString('hex')}\n`);
    // --pull-always: the base as Berth has it now, never a copy left in local storage.
    const fromArgs = from === 'scratch' ? ['scratch'] : ['--pull-always', '--tls-verify=false', '--creds', creds, from];
    const container = (await buildah(['from', ...fromArgs])).stdout.trim();
    await buildah(['copy', container, file, `/${fileName}`]);
    await buildah(['config', '--arch', 'amd64', '--os', 'linux', container]);
    const local = `localhost/lineage-e2e/${fileName}`;
    await buildah(['commit', '--quiet', container, local]);
    await buildah(['rm', container]);
    await buildah(['push', '--tls-verify=false', '--creds', creds, local, target]);
  }

  before(async () => {
    registry = await startApiRegistry({ ...FAST, BERTH_LINEAGE_DEBOUNCE_SECONDS: '1' });
    work = await tempFolder('lineage-buildah');
    ({ env, globals } = await buildahSandbox(work.path, registry.host));
    await buildAndPush('scratch', 'os.txt', remote('base/os:1'));
    await buildAndPush(`${registry.host}/base/os:1`, 'app.txt', remote('team/app:v1'));
    await jobsDone(registry, ['lineage.record']);
  });

  after(async () => {
    if (globals) await run('buildah', [...globals, 'rmi', '--all', '--force'], { env }).catch(() => undefined);
    await registry?.stop();
    await work?.remove();
  });

  it('reads the base buildah annotated and finds it stored here', async () => {
    const os = await api(registry, 'GET', '/image-base?repository=base/os&reference=1', { auth: ADMIN });
    assertStatus(os, 200);
    const app = await api<BaseJson>(registry, 'GET', '/image-base?repository=team/app&reference=v1', { auth: ADMIN });
    assertStatus(app, 200);
    const base = app.body.images[0]?.base;
    assert.equal(base?.source, 'annotation');
    assert.equal(base?.name, `${registry.host}/base/os:1`);
    assert.deepEqual(base?.stored, { repository: 'base/os', digest: (os.body as { digest: string }).digest, tags: ['1'] });
    assert.equal(base?.moved, undefined);
    const dependents = await api<{ dependents: { repository: string; source: string }[] }>(registry, 'GET', '/image-dependents?repository=base/os&reference=1', { auth: ADMIN });
    assert.deepEqual(dependents.body.dependents.map((d) => [d.repository, d.source]), [['team/app', 'annotation']]);
  });

  it('a new base under the same tag: one base.moved for team/app, and its base reads as moved', async () => {
    const old = (await api<{ digest: string }>(registry, 'GET', '/image-base?repository=base/os&reference=1', { auth: ADMIN })).body.digest;
    await buildAndPush('scratch', 'os2.txt', remote('base/os:1'));
    await jobsDone(registry, ['lineage.record', 'lineage.base-moved']);
    const events = await api<{ events: { repository: string; target: { oldDigest: string; tag: string } }[] }>(registry, 'GET', '/events?type=base.moved', { auth: ADMIN });
    assert.deepEqual(events.body.events.map((e) => [e.repository, e.target.tag, e.target.oldDigest]), [['team/app', '1', old]]);
    const app = await api<BaseJson>(registry, 'GET', '/image-base?repository=team/app&reference=v1', { auth: ADMIN });
    assert.equal(app.body.images[0]?.base?.moved, true);
  });
});
