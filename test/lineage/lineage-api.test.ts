/**
 * Base-image lineage end to end, on SQLite and on PostgreSQL: images pushed through /v2 are
 * recorded by jobs; /api/v1/image-base answers what each platform is built on (annotations, else
 * the deepest stored layer prefix) and /api/v1/image-dependents what is built on an image, only
 * in repositories the caller may pull; a moved base tag becomes one `base.moved` event per
 * dependent repository after the debounce, however often it moved within it, and a webhook
 * subscribed to `base` receives it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, ADMIN_PASSWORD, api, assertStatus, createNamespace, createUser, startApiRegistry } from '../api/support.js';
import { postgresTestUrl } from '../support/postgres.js';
import type { TestRegistry } from '../support/registry.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { FAST, until } from '../webhooks/support.js';
import { jobsDone, layer, layered, push, twoPlatforms } from './support.js';

interface BaseJson {
  repository: string;
  digest: string;
  images: { digest: string; platform?: string; layers: number; base: Record<string, unknown> | null }[];
}
interface DependentsJson {
  dependents: { repository: string; digest: string; image: string; tags: string[]; platform?: string; base: string; source: string }[];
}
interface EventJson {
  id: number;
  type: string;
  repository: string | null;
  target: Record<string, unknown> | null;
  data: Record<string, unknown> | null;
  actor: string;
}

const ADMIN_LOGIN = { username: 'admin', password: ADMIN_PASSWORD };
const LINEAGE_JOBS = ['lineage.record', 'lineage.forget', 'lineage.base-moved'];

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`image lineage (${backend})`, { timeout: 120_000 }, () => {
    let registry: TestRegistry;
    let receiver: WebhookReceiver;
    const L = Array.from({ length: 8 }, layer);
    const os = layered([L[0]!]);
    const runtime = layered([L[0]!, L[1]!]);
    const app = layered([L[0]!, L[1]!, L[2]!]);
    const untaggedApp = layered([L[0]!, L[1]!, L[6]!]);
    const tool = layered([L[0]!, L[1]!, L[3]!], { annotations: { 'org.opencontainers.image.base.name': 'registry.example.com/base/os:1', 'org.opencontainers.image.base.digest': os.manifest.digest } });
    const multiAmd = layered([L[4]!], { architecture: 'amd64' });
    const multiArm = layered([L[5]!], { architecture: 'arm64' });
    const multi = twoPlatforms(multiAmd, multiArm);
    const multiAppAmd = layered([L[4]!, L[7]!], { architecture: 'amd64' });
    const multiAppArm = layered([L[5]!, L[7]!], { architecture: 'arm64' });
    const multiApp = twoPlatforms(multiAppAmd, multiAppArm);
    let dave: string;

    const base = async (reference: string, auth = ADMIN) => api<BaseJson>(registry, 'GET', `/image-base?${new URLSearchParams(split(reference))}`, { auth });
    const dependents = async (reference: string, auth = ADMIN) => api<DependentsJson>(registry, 'GET', `/image-dependents?${new URLSearchParams(split(reference))}`, { auth });
    const baseMoved = async () => (await api<{ events: EventJson[] }>(registry, 'GET', '/events?type=base.moved', { auth: ADMIN })).body.events;

    before(async () => {
      // A key for the webhook's sealed secret: PostgreSQL has no data folder to keep one in.
      registry = await startApiRegistry({ ...FAST, BERTH_LINEAGE_DEBOUNCE_SECONDS: '1', BERTH_AUTH_KEY_ENCRYPTION_KEY: 'lineage-test-throwaway-key-0123456789', ...(backend === 'postgres' ? { BERTH_METADATA_URL: postgresTestUrl() } : {}) });
      receiver = await WebhookReceiver.start();
      dave = await createUser(registry, 'dave', 'dave-password-1');
      await createNamespace(registry, 'base', { dave: 'reader' });
      await createNamespace(registry, 'team');
      await push(registry, ADMIN_LOGIN, 'base/os', '1', [os]);
      await push(registry, ADMIN_LOGIN, 'base/runtime', '1', [runtime]);
      await push(registry, ADMIN_LOGIN, 'team/app', 'v1', [app]);
      await push(registry, ADMIN_LOGIN, 'team/app', undefined, [untaggedApp]);
      await push(registry, ADMIN_LOGIN, 'team/tool', 'v1', [tool]);
      await push(registry, ADMIN_LOGIN, 'base/multi', '1', [multiAmd, multiArm], multi);
      await push(registry, ADMIN_LOGIN, 'team/multi-app', 'v1', [multiAppAmd, multiAppArm], multiApp);
      await jobsDone(registry, LINEAGE_JOBS);
    });

    after(async () => {
      await registry?.stop();
      await receiver?.stop();
    });

    it('infers the base from layers: the deepest stored image the layer stack starts with', async () => {
      const reply = await base('team/app:v1');
      assertStatus(reply, 200);
      assert.deepEqual(reply.body, {
        repository: 'team/app',
        digest: app.manifest.digest,
        images: [{ digest: app.manifest.digest, platform: 'linux/amd64', layers: 3, base: { source: 'layers', repository: 'base/runtime', digest: runtime.manifest.digest, image: runtime.manifest.digest, tags: ['1'], layers: 2 } }],
      });
      assert.equal((await base('base/runtime:1')).body.images[0]?.base?.repository, 'base/os', 'a base has its own base');
      assert.equal((await base('base/os:1')).body.images[0]?.base, null, 'the bottom of the stack is built on nothing stored here');
    });

    it('takes the annotated base over the layers, and resolves it here when it is stored here', async () => {
      const reply = await base('team/tool:v1');
      assertStatus(reply, 200);
      assert.deepEqual(reply.body.images[0]?.base, {
        source: 'annotation',
        name: 'registry.example.com/base/os:1',
        repository: 'base/os',
        tag: '1',
        digest: os.manifest.digest,
        stored: { repository: 'base/os', digest: os.manifest.digest, tags: ['1'] },
      });
    });

    it('answers per platform of an index, each on its own platform of the base index', async () => {
      const reply = await base('team/multi-app:v1');
      assertStatus(reply, 200);
      const byPlatform = Object.fromEntries(reply.body.images.map((image) => [image.platform, image.base]));
      assert.deepEqual(Object.keys(byPlatform).sort(), ['linux/amd64', 'linux/arm64']);
      assert.deepEqual(byPlatform['linux/amd64'], { source: 'layers', repository: 'base/multi', digest: multiAmd.manifest.digest, image: multi.manifest.digest, tags: ['1'], layers: 1 });
      assert.equal(byPlatform['linux/arm64']?.digest, multiArm.manifest.digest);
    });

    it('lists what is built on an image: inferred from layers and named in annotations, tagged or not', async () => {
      const onRuntime = await dependents('base/runtime:1');
      assertStatus(onRuntime, 200);
      assert.deepEqual(
        onRuntime.body.dependents.map((d) => [d.repository, d.digest, d.tags, d.source]).sort(),
        [
          ['team/app', app.manifest.digest, ['v1'], 'layers'],
          ['team/app', untaggedApp.manifest.digest, [], 'layers'],
        ].sort(),
      );
      const onOs = await dependents('base/os:1');
      assert.deepEqual(onOs.body.dependents.map((d) => [d.repository, d.source]).sort(), [['base/runtime', 'layers'], ['team/tool', 'annotation']], 'team/app is built on base/runtime, not on base/os directly');
      const onMulti = await dependents(`base/multi@${multi.manifest.digest}`);
      assert.deepEqual(
        onMulti.body.dependents.map((d) => [d.repository, d.image, d.platform, d.base]).sort(),
        [
          ['team/multi-app', multiApp.manifest.digest, 'linux/amd64', multiAmd.manifest.digest],
          ['team/multi-app', multiApp.manifest.digest, 'linux/arm64', multiArm.manifest.digest],
        ].sort(),
      );
    });

    it('shows only dependents the caller may pull, and refuses an image the caller may not pull', async () => {
      const auth = dave;
      const onOs = await dependents('base/os:1', auth);
      assertStatus(onOs, 200);
      assert.deepEqual(onOs.body.dependents.map((d) => d.repository), ['base/runtime'], 'team/* is not dave’s to see');
      assertStatus(await base('team/app:v1', auth), 403);
    });

    it('refuses bad references clearly and answers 404 for an image not stored', async () => {
      assertStatus(await base('team/app:nope'), 404);
      const bad = await api<{ errors?: unknown; message?: string }>(registry, 'GET', '/image-base?repository=team/app&reference=%2Fbad', { auth: ADMIN });
      assertStatus(bad, 400);
      assert.match(bad.text, /neither a tag nor a digest/);
      assertStatus(await api(registry, 'GET', '/image-base?repository=team/app', { auth: ADMIN }), 400);
    });

    it('a moved base tag becomes one base.moved per dependent repository after the debounce, with the first old and last new digest', async () => {
      const hook = await api<{ id: number }>(registry, 'POST', '/webhooks', { auth: ADMIN, json: { url: receiver.url, events: ['base'] } });
      assertStatus(hook, 201);
      const before = (await baseMoved()).length;
      const second = layered([L[0]!, layer()]);
      const third = layered([L[0]!, layer()]);
      await push(registry, ADMIN_LOGIN, 'base/runtime', '1', [second]);
      await push(registry, ADMIN_LOGIN, 'base/runtime', '1', [third]);
      await jobsDone(registry, LINEAGE_JOBS);
      const events = (await baseMoved()).slice(before);
      assert.deepEqual(
        events.map((e) => [e.repository, e.target, e.data, e.actor]),
        [
          [
            'team/app',
            { tag: '1', digest: third.manifest.digest, oldDigest: runtime.manifest.digest },
            { base: { repository: 'base/runtime', tag: '1', oldDigest: runtime.manifest.digest, newDigest: third.manifest.digest }, images: [{ digest: app.manifest.digest, tags: ['v1'], platform: 'linux/amd64' }] },
            'lineage',
          ],
        ],
        'two moves within the debounce: one event; the untagged image is nobody’s release',
      );
      const delivered = await until('the webhook receives base.moved', () => receiver.received.find((r) => r.body.includes('"io.berth.base.moved"')));
      assert.match(delivered.body, /"team\/app"/);
      const log = await api<{ deliveries: { eventType: string; outcome: string; status: number | null }[] }>(registry, 'GET', `/webhooks/${hook.body.id}/deliveries`, { auth: ADMIN });
      assert.deepEqual(log.body.deliveries.map((d) => [d.eventType, d.outcome, d.status]), [['base.moved', 'delivered', 200]], 'in the webhooks’ delivery log');
    });

    it('a moved multi-platform base makes one event for the dependent index, naming it once', async () => {
      const before = (await baseMoved()).length;
      const amd = layered([layer()], { architecture: 'amd64' });
      const arm = layered([layer()], { architecture: 'arm64' });
      const next = twoPlatforms(amd, arm);
      await push(registry, ADMIN_LOGIN, 'base/multi', '1', [amd, arm], next);
      await jobsDone(registry, LINEAGE_JOBS);
      const events = (await baseMoved()).slice(before);
      assert.deepEqual(events.map((e) => [e.repository, (e.data as { images: unknown }).images]), [['team/multi-app', [{ digest: multiApp.manifest.digest, tags: ['v1'] }]]]);
    });

    it('forgets deleted images: a deleted dependent is no longer listed', async () => {
      assertStatus(await api(registry, 'DELETE', '/repositories/team%2Ftool', { auth: ADMIN }), 200);
      await jobsDone(registry, LINEAGE_JOBS);
      const onOs = await dependents('base/os:1');
      assert.deepEqual(
        onOs.body.dependents.map((d) => [d.repository, d.tags]).sort(),
        [['base/runtime', []], ['base/runtime', []], ['base/runtime', ['1']]].sort(),
        'the three pushes of base/runtime:1 are built on base/os; team/tool is gone',
      );
    });
  });
}

function split(reference: string): { repository: string; reference: string } {
  const at = reference.indexOf('@');
  if (at >= 0) return { repository: reference.slice(0, at), reference: reference.slice(at + 1) };
  const colon = reference.lastIndexOf(':');
  return { repository: reference.slice(0, colon), reference: reference.slice(colon + 1) };
}
