/**
 * Rebuild triggers end to end: created through the webhook API by a namespace owner, fed a
 * base.moved event through the outbox (as the lineage extension writes it), delivered by the job
 * queue to an imitation of each CI system's API on loopback (ci-apis.ts), which answers what the
 * real one does — and the delivery log says so. A CI API refusing the credential fails the
 * delivery, which is retried; bad triggers are refused at creation with nothing stored.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { BaseMovedData } from '../../src/events/event.js';
import { ADMIN, api, assertError, assertStatus, createNamespace, createUser, startApiRegistry } from '../api/support.js';
import type { TestRegistry } from '../support/registry.js';
import { WebhookReceiver, type ReceivedRequest } from '../support/webhook-receiver.js';
import { azureRuns, githubDispatches, gitlabTrigger, jenkinsBuild } from './ci-apis.js';
import { FAST, until } from './support.js';

const NEW = 'sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf';
const OLD = 'sha256:0000000000000000000000000000000000000000000000000000000000000001';
const IMAGE = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const BASE = { repository: 'base/alpine', tag: '3.19', oldDigest: OLD, newDigest: NEW };
const IMAGES: BaseMovedData['images'] = [{ digest: IMAGE, tags: ['v1', 'latest'], platform: 'linux/amd64' }];

interface TriggerJson {
  id: number;
  format: string;
  events: string[];
  namespace: string | null;
  repository: string | null;
  options: Record<string, string>;
  hasAuthorization: boolean;
  secret?: string;
}
interface DeliveryJson {
  outcome: string;
  status: number | null;
  attempt: number;
  error: string | null;
  response: string | null;
  test: boolean;
}

describe('rebuild triggers over HTTP', { timeout: 120_000 }, () => {
  let registry: TestRegistry;
  let receiver: WebhookReceiver;
  let origin: string;
  let bob: string;

  before(async () => {
    registry = await startApiRegistry({ ...FAST, BERTH_WEBHOOKS_REGISTRY_URL: 'https://registry.example.com' });
    receiver = await WebhookReceiver.start();
    origin = new URL(receiver.url).origin;
    bob = await createUser(registry, 'bob', 'bob-password-1');
    await createNamespace(registry, 'team', { bob: 'owner' });
  });

  after(async () => {
    await registry?.stop();
    await receiver?.stop();
  });

  beforeEach(async () => {
    receiver.received.length = 0;
    const list = await api<{ webhooks: { id: number }[] }>(registry, 'GET', '/webhooks', { auth: ADMIN });
    for (const hook of list.body.webhooks) assertStatus(await api(registry, 'DELETE', `/webhooks/${hook.id}`, { auth: ADMIN }), 204);
  });

  async function createTrigger(body: Record<string, unknown>): Promise<TriggerJson> {
    const reply = await api<TriggerJson>(registry, 'POST', '/webhooks', { auth: bob, json: { events: ['base'], namespace: 'team', repository: 'team/app', ...body } });
    assertStatus(reply, 201);
    return reply.body;
  }

  /** What lineage writes when base/alpine:3.19 moves: one event per dependent repository. */
  async function baseMoved(repository: string): Promise<void> {
    const data: BaseMovedData = { base: BASE, images: IMAGES };
    await registry.berth.store.events.append([{ event: { type: 'base.moved', repository, target: { tag: BASE.tag, digest: NEW, oldDigest: OLD }, data: { ...data } }, origin: { actor: 'lineage' } }]);
  }

  async function deliveries(id: number): Promise<DeliveryJson[]> {
    const reply = await api<{ deliveries: DeliveryJson[] }>(registry, 'GET', `/webhooks/${id}/deliveries`, { auth: bob });
    assertStatus(reply, 200);
    return reply.body.deliveries;
  }

  /** Moves the base for another repository and for team/app; answers the one request the trigger sent, once it is logged delivered. */
  async function rebuilt(trigger: TriggerJson, status: number): Promise<ReceivedRequest> {
    await baseMoved('team/other');
    await baseMoved('team/app');
    const [request] = await receiver.waitFor(1);
    const [logged] = await until('the delivery is logged', async () => ((await deliveries(trigger.id)).length > 0 ? deliveries(trigger.id) : undefined));
    assert.deepEqual([logged?.outcome, logged?.status, logged?.attempt], ['delivered', status, 1], logged?.response ?? '');
    assert.equal(receiver.received.length, 1, 'team/other has no trigger');
    assert.ok(request);
    // Standard Webhooks headers on every delivery, over the body as sent (form or JSON; verify() would parse it as JSON).
    const id = String(request.headers['webhook-id']);
    const timestamp = new Date(Number(request.headers['webhook-timestamp']) * 1000);
    assert.equal(request.headers['webhook-signature'], new Webhook(trigger.secret ?? '').sign(id, timestamp, request.body));
    return request;
  }

  it('github: a repository dispatch with the Bearer token; GitHub answers 204', async () => {
    receiver.mode = githubDispatches('acme', 'app', 'ghp_secret');
    const trigger = await createTrigger({ url: `${origin}/repos/acme/app/dispatches`, format: 'github', authorization: 'ghp_secret', options: { eventType: 'base-moved' } });
    assert.deepEqual([trigger.format, trigger.events, trigger.options, trigger.hasAuthorization], ['github', ['base.moved'], { eventType: 'base-moved' }, true]);
    const request = await rebuilt(trigger, 204);
    assert.equal(request.headers['authorization'], 'Bearer ghp_secret');
    assert.equal(request.headers['x-github-api-version'], '2022-11-28');
    assert.match(String(request.headers['user-agent']), /^Berth/);
    const body = JSON.parse(request.body) as { event_type: string; client_payload: Record<string, unknown> };
    assert.deepEqual(body, {
      event_type: 'base-moved',
      client_payload: { repository: 'team/app', base_repository: 'base/alpine', base_tag: '3.19', old_digest: OLD, new_digest: NEW, images: IMAGES, registry: 'registry.example.com', event_id: body.client_payload.event_id },
    });
    assert.match(String(body.client_payload.event_id), /^[1-9]\d*$/);
  });

  it('gitlab: a pipeline trigger with the token and ref in the form; GitLab answers 201; a test event gets there too', async () => {
    receiver.mode = gitlabTrigger('42', 'glptt-secret');
    const trigger = await createTrigger({ url: `${origin}/api/v4/projects/42/trigger/pipeline`, format: 'gitlab', authorization: 'glptt-secret', options: { ref: 'main' } });
    const request = await rebuilt(trigger, 201);
    assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(request.headers['authorization'], undefined, 'the token travels in the body');
    const form = new URLSearchParams(request.body);
    assert.deepEqual(
      [form.get('token'), form.get('ref'), form.get('variables[BERTH_REPOSITORY]'), form.get('variables[BERTH_BASE_REPOSITORY]'), form.get('variables[BERTH_BASE_TAG]'), form.get('variables[BERTH_BASE_IMAGE]'), form.get('variables[BERTH_OLD_DIGEST]'), form.get('variables[BERTH_NEW_DIGEST]')],
      ['glptt-secret', 'main', 'team/app', 'base/alpine', '3.19', 'registry.example.com/base/alpine:3.19', OLD, NEW],
    );
    assert.deepEqual(JSON.parse(form.get('variables[BERTH_IMAGES]') ?? ''), IMAGES);
    const tested = await api<DeliveryJson>(registry, 'POST', `/webhooks/${trigger.id}/test`, { auth: bob, json: {} });
    assert.deepEqual([tested.body.outcome, tested.body.status, tested.body.test], ['delivered', 201, true]);
    assert.equal(new URLSearchParams(receiver.received[1]?.body).get('variables[BERTH_EVENT_ID]'), '0');
  });

  it('jenkins: buildWithParameters with HTTP Basic user:apitoken and the job token in the URL; Jenkins answers 201', async () => {
    receiver.mode = jenkinsBuild('app-image', 'ci', '11aa22bb33');
    const trigger = await createTrigger({ url: `${origin}/job/app-image/buildWithParameters?token=job-token`, format: 'jenkins', authorization: 'ci:11aa22bb33' });
    const request = await rebuilt(trigger, 201);
    assert.equal(request.path, '/job/app-image/buildWithParameters?token=job-token');
    assert.equal(request.headers['authorization'], `Basic ${Buffer.from('ci:11aa22bb33').toString('base64')}`);
    const form = new URLSearchParams(request.body);
    assert.deepEqual([form.get('BERTH_REPOSITORY'), form.get('BERTH_BASE_IMAGE'), form.get('BERTH_OLD_DIGEST'), form.get('BERTH_NEW_DIGEST')], ['team/app', 'registry.example.com/base/alpine:3.19', OLD, NEW]);
  });

  it('azure-pipelines: a pipeline run with templateParameters and the ref, HTTP Basic with the PAT; Azure answers 200', async () => {
    receiver.mode = azureRuns('acme', 'platform', 7, 'azure-pat');
    const trigger = await createTrigger({ url: `${origin}/acme/platform/_apis/pipelines/7/runs?api-version=7.1`, format: 'azure-pipelines', authorization: 'azure-pat', options: { ref: 'main' } });
    const request = await rebuilt(trigger, 200);
    assert.equal(request.headers['authorization'], `Basic ${Buffer.from(':azure-pat').toString('base64')}`);
    const body = JSON.parse(request.body) as { resources: unknown; templateParameters: Record<string, string> };
    assert.deepEqual(body.resources, { repositories: { self: { refName: 'refs/heads/main' } } });
    assert.deepEqual({ ...body.templateParameters, berthEventId: undefined }, { berthRepository: 'team/app', berthBaseImage: 'registry.example.com/base/alpine:3.19', berthOldDigest: OLD, berthNewDigest: NEW, berthEventId: undefined });
  });

  it('generic: the event as the API shows it, as JSON', async () => {
    receiver.mode = 200;
    const trigger = await createTrigger({ url: `${origin}/hook`, format: 'generic', authorization: 'Token plain' });
    const request = await rebuilt(trigger, 200);
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['authorization'], 'Token plain', 'verbatim, as for every non-trigger format');
    const event = JSON.parse(request.body) as { type: string; repository: string; target: unknown; data: unknown; actor: string };
    assert.deepEqual([event.type, event.repository, event.target, event.data, event.actor], ['base.moved', 'team/app', { tag: '3.19', digest: NEW, oldDigest: OLD }, { base: BASE, images: IMAGES }, 'lineage']);
  });

  it('a CI API refusing the credential (401) fails the delivery, which is logged and retried', async () => {
    receiver.mode = githubDispatches('acme', 'app', 'the-right-token');
    const trigger = await createTrigger({ url: `${origin}/repos/acme/app/dispatches`, format: 'github', authorization: 'a-revoked-token' });
    await baseMoved('team/app');
    await receiver.waitFor(2);
    const log = await until('two attempts are logged', async () => {
      const entries = await deliveries(trigger.id);
      return entries.length >= 2 ? entries : undefined;
    });
    assert.ok(log.every((entry) => entry.outcome === 'failed' && entry.status === 401 && entry.error === 'the receiver answered 401'));
    assert.match(log.at(-1)?.response ?? '', /Bad credentials/);
    assert.deepEqual(log.slice(-2).map((entry) => entry.attempt), [2, 1], 'newest first: the second attempt is a retry');
  });

  it('refuses a trigger without its credential, gitlab without a ref, a trigger asking for pushes, an unknown option, a repository outside the namespace', async () => {
    const url = `${origin}/hook`;
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ url, format: 'github' }, /a github trigger needs a credential, or its API answers 401/],
      [{ url, format: 'gitlab', authorization: 'glptt-x' }, /the gitlab format needs options\.ref/],
      [{ url, format: 'github', authorization: 't', events: ['push'] }, /the github format has no shape for manifest\.pushed: it carries base\.moved/],
      [{ url, format: 'jenkins', authorization: 'ci:t', options: { ref: 'main' } }, /the jenkins format takes no option "ref"/],
      [{ url, format: 'gitlab', authorization: 't', options: { ref: 'main', branch: 'main' } }, /branch/],
      [{ url, format: 'jenkins', authorization: 'no-user-token' }, /user:apitoken/],
      [{ url, format: 'github', authorization: 't', repository: 'other/app' }, /other\/app belongs to namespace "other", not "team"/],
    ];
    for (const [body, message] of refusals) {
      const error = assertError(await api(registry, 'POST', '/webhooks', { auth: bob, json: { events: ['base'], namespace: 'team', repository: 'team/app', ...body } }), 400, 'INVALID_REQUEST');
      assert.match(error.message + JSON.stringify(error.detail ?? ''), message, JSON.stringify(body));
    }
    assert.deepEqual((await api<{ webhooks: unknown[] }>(registry, 'GET', '/webhooks', { auth: ADMIN })).body.webhooks, []);
  });
});
